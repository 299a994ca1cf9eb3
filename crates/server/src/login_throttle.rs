//! Login throttling: failed logins per account name and per client address, with growing
//! delays and then a lock.
//!
//! Every login attempt is *admitted* first, before any database read or password hash. An
//! account name (known or not: unknown names are throttled the same way, so the throttle
//! does not tell which accounts exist) and a client address each have a count of recent
//! failures:
//!
//! - the first [`Rule::free`] failures cost nothing, and that many attempts may run at once;
//! - after that, attempts run one at a time, and after the `n`-th failure the next attempt
//!   waits `2^(n - free)` seconds (1, 2, 4, … capped at [`MAX_DELAY_SECS`]);
//! - the [`Rule::lock_after`]-th failure locks the name or address for [`LOCK_SECS`].
//!
//! An attempt that is not admitted is refused at once with `LOGIN_LOCKED` (429,
//! `Retry-After`), without a hash or a write: a flood of bad logins costs the server a map
//! lookup per attempt. Failures are forgotten [`FORGET_SECS`] after the last one; a success
//! clears the account's count. Only a lock is written down (the lock itself, so that every
//! process on the store honours it, and one audit row), never a single failure.
//!
//! The map is bounded ([`MAX_SUBJECTS`]): idle entries are dropped when it fills, and if it is
//! still full the attempt is refused as `SERVER_BUSY` rather than the map growing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// How long a lock lasts, seconds.
pub const LOCK_SECS: i64 = 15 * 60;
/// Failures are forgotten this long after the last one, seconds.
pub const FORGET_SECS: i64 = 15 * 60;
/// The longest delay between attempts before the lock, seconds.
pub const MAX_DELAY_SECS: i64 = 60;
/// Most names and addresses tracked at once.
pub const MAX_SUBJECTS: usize = 100_000;

/// The thresholds of one kind of subject.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Failures without delay.
    pub free: u32,
    /// The failure that locks.
    pub lock_after: u32,
}

/// Per account name: 5 free failures, locked at the 10th.
pub const ACCOUNT: Rule = Rule { free: 5, lock_after: 10 };
/// Per client address (password spraying over many names): 20 free, locked at the 50th.
pub const ADDRESS: Rule = Rule { free: 20, lock_after: 50 };

/// What is throttled: an account name (lower-cased) or a client address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    /// `account:<name>`.
    Account(String),
    /// `address:<ip>`.
    Address(IpAddr),
}

impl Subject {
    /// The subject of an account name as typed: lower-cased, at most 64 characters.
    pub fn account(name: &str) -> Self {
        Self::Account(name.trim().chars().take(64).collect::<String>().to_lowercase())
    }

    /// The key of its stored lock.
    pub fn key(&self) -> String {
        match self {
            Self::Account(n) => format!("account:{n}"),
            Self::Address(a) => format!("address:{a}"),
        }
    }

    /// `account` or `address`.
    pub fn scope(&self) -> &'static str {
        match self {
            Self::Account(_) => "account",
            Self::Address(_) => "address",
        }
    }

    fn rule(&self) -> Rule {
        match self {
            Self::Account(_) => ACCOUNT,
            Self::Address(_) => ADDRESS,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    failures: u32,
    pending: u32,
    last_failure: i64,
    next_at: i64,
    locked_until: i64,
}

impl Entry {
    fn idle(&self, now: i64) -> bool {
        self.pending == 0 && self.locked_until <= now && (self.failures == 0 || now - self.last_failure >= FORGET_SECS)
    }

    /// Seconds to wait before an attempt is admitted, 0 if it may run now.
    fn wait(&self, rule: Rule, now: i64) -> i64 {
        if self.locked_until > now {
            return self.locked_until - now;
        }
        let failures = if now - self.last_failure >= FORGET_SECS { 0 } else { self.failures };
        if failures + self.pending < rule.free {
            return 0;
        }
        if self.pending > 0 {
            // One at a time once past the free failures; the answer of the one under way
            // decides the next delay.
            return 1;
        }
        (self.next_at - now).max(0)
    }
}

/// Why an attempt was not admitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Locked or slowed down.
    Wait {
        /// Seconds until an attempt is admitted.
        retry_after_secs: i64,
        /// A lock, not a delay.
        locked: bool,
        /// `account` or `address`: which subject holds the attempt back.
        scope: &'static str,
    },
    /// The throttle's map is full.
    Full,
}

/// A lock that a failure just set: to be stored and audited once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLock {
    /// What is locked.
    pub subject: Subject,
    /// Until when (Unix seconds).
    pub until: i64,
    /// The failures that led to it.
    pub failures: u32,
}

/// The process's login throttle.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    map: Mutex<HashMap<Subject, Entry>>,
}

/// An admitted attempt; report its outcome with [`Admitted::failed`] or
/// [`Admitted::succeeded`]. Dropped without either (the client went away), it only frees its
/// place.
#[derive(Debug)]
pub struct Admitted<'a> {
    throttle: &'a LoginThrottle,
    subjects: [Subject; 2],
    open: bool,
}

impl LoginThrottle {
    /// Admit an attempt on `account` from `address` at `now`, or say how long to wait.
    pub fn admit(&self, account: Subject, address: Subject, now: i64) -> Result<Admitted<'_>, Refusal> {
        let mut map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() + 2 > MAX_SUBJECTS {
            map.retain(|_, e| !e.idle(now));
            if map.len() + 2 > MAX_SUBJECTS {
                return Err(Refusal::Full);
            }
        }
        let mut worst: Option<(i64, bool, &'static str)> = None;
        for s in [&account, &address] {
            if let Some(e) = map.get(s) {
                let wait = e.wait(s.rule(), now);
                if wait > 0 && worst.is_none_or(|(w, _, _)| wait > w) {
                    worst = Some((wait, e.locked_until > now, s.scope()));
                }
            }
        }
        if let Some((retry_after_secs, locked, scope)) = worst {
            return Err(Refusal::Wait { retry_after_secs, locked, scope });
        }
        for s in [&account, &address] {
            let e = map.entry(s.clone()).or_default();
            if e.failures > 0 && now - e.last_failure >= FORGET_SECS {
                e.failures = 0;
            }
            e.pending += 1;
        }
        Ok(Admitted { throttle: self, subjects: [account, address], open: true })
    }

    /// A lock set elsewhere (another process, read from the store): honour it here too.
    pub fn lock(&self, subject: &Subject, until: i64) {
        let mut map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() < MAX_SUBJECTS || map.contains_key(subject) {
            let e = map.entry(subject.clone()).or_default();
            e.locked_until = e.locked_until.max(until);
        }
    }

    /// How many names and addresses are tracked.
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    /// Nothing tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Admitted<'_> {
    fn close(&mut self, now: i64, failed: bool) -> Vec<NewLock> {
        if !std::mem::replace(&mut self.open, false) {
            return Vec::new();
        }
        let mut map = self.throttle.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut locks = Vec::new();
        for s in &self.subjects {
            let Some(e) = map.get_mut(s) else { continue };
            e.pending = e.pending.saturating_sub(1);
            if !failed {
                if matches!(s, Subject::Account(_)) {
                    e.failures = 0;
                    e.next_at = 0;
                }
                continue;
            }
            if now < 0 {
                continue; // dropped: no outcome
            }
            let rule = s.rule();
            e.failures += 1;
            e.last_failure = now;
            if e.failures >= rule.lock_after {
                e.locked_until = now + LOCK_SECS;
                locks.push(NewLock { subject: s.clone(), until: e.locked_until, failures: e.failures });
                e.failures = 0;
                e.next_at = 0;
            } else if e.failures >= rule.free {
                e.next_at = now + (1_i64 << (e.failures - rule.free).min(6)).min(MAX_DELAY_SECS);
            }
        }
        locks
    }

    /// The password was wrong (or the account disabled, or unknown): count a failure. Returns
    /// the locks this failure set.
    pub fn failed(mut self, now: i64) -> Vec<NewLock> {
        self.close(now, true)
    }

    /// The login succeeded: the account's failures are cleared.
    pub fn succeeded(mut self) {
        self.close(0, false);
    }
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        // The request went away before its outcome: free the place, count nothing.
        self.close(-1, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct() -> Subject {
        Subject::account("Shop1")
    }
    fn addr(n: u8) -> Subject {
        Subject::Address(IpAddr::from([10, 0, 0, n]))
    }

    #[test]
    fn free_failures_then_growing_delays_then_a_lock() {
        let t = LoginThrottle::default();
        let mut now = 1000;
        for _ in 0..ACCOUNT.free {
            assert!(t.admit(acct(), addr(1), now).unwrap().failed(now).is_empty());
        }
        // Past the free ones: 1 s, then 2 s, 4 s, 8 s before the next attempt.
        for delay in [1, 2, 4, 8] {
            match t.admit(acct(), addr(1), now) {
                Err(Refusal::Wait { retry_after_secs, locked: false, scope: "account" }) => assert_eq!(retry_after_secs, delay),
                other => panic!("{other:?}"),
            }
            now += delay;
            let locks = t.admit(acct(), addr(1), now).unwrap().failed(now);
            if delay == 8 {
                assert!(locks.is_empty());
            }
        }
        // The 10th failure locks the name.
        now += 16;
        let locks = t.admit(acct(), addr(1), now).unwrap().failed(now);
        assert_eq!(locks, vec![NewLock { subject: Subject::account("shop1"), until: now + LOCK_SECS, failures: 10 }]);
        match t.admit(acct(), addr(2), now + 10) {
            Err(Refusal::Wait { retry_after_secs, locked: true, .. }) => assert_eq!(retry_after_secs, LOCK_SECS - 10),
            other => panic!("{other:?}"),
        }
        // Another name from the same address is not locked.
        t.admit(Subject::account("shop2"), addr(1), now + 10).unwrap().succeeded();
        // After the lock, the name starts afresh.
        t.admit(acct(), addr(1), now + LOCK_SECS).unwrap().succeeded();
    }

    #[test]
    fn parallel_attempts_past_the_free_ones_run_one_at_a_time() {
        let t = LoginThrottle::default();
        let running: Vec<_> = (0..ACCOUNT.free).map(|_| t.admit(acct(), addr(1), 5).unwrap()).collect();
        assert!(matches!(t.admit(acct(), addr(1), 5), Err(Refusal::Wait { retry_after_secs: 1, .. })));
        drop(running); // the clients went away: nothing counted
        assert!(t.admit(acct(), addr(1), 5).is_ok());
    }

    #[test]
    fn a_success_clears_the_account_and_failures_are_forgotten() {
        let t = LoginThrottle::default();
        for _ in 0..ACCOUNT.free + 1 {
            let _ = t.admit(acct(), addr(1), 100).map(|a| a.failed(100));
        }
        assert!(t.admit(acct(), addr(1), 100).is_err());
        t.admit(acct(), addr(1), 102).unwrap().succeeded();
        for _ in 0..ACCOUNT.free {
            t.admit(acct(), addr(1), 103).unwrap().failed(103);
        }
        assert!(t.admit(acct(), addr(1), 103).is_err());
        assert!(t.admit(acct(), addr(1), 103 + FORGET_SECS).is_ok());
    }

    #[test]
    fn an_address_spraying_many_names_is_locked() {
        let t = LoginThrottle::default();
        let mut locks = Vec::new();
        let mut now = 0;
        for i in 0..ADDRESS.lock_after {
            let a = loop {
                match t.admit(Subject::account(&format!("user{i}")), addr(9), now) {
                    Ok(a) => break a,
                    Err(Refusal::Wait { retry_after_secs, .. }) => now += retry_after_secs,
                    Err(Refusal::Full) => unreachable!(),
                }
            };
            locks = a.failed(now);
        }
        assert_eq!(locks.len(), 1);
        assert_eq!(locks[0].subject, addr(9));
        assert!(matches!(t.admit(Subject::account("fresh"), addr(9), now), Err(Refusal::Wait { locked: true, scope: "address", .. })));
        assert!(t.admit(Subject::account("fresh"), addr(8), now).is_ok());
    }
}
