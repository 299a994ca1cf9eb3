//! The burst rules, shared by every path that discloses: reveal grants (through the
//! settler), print grants and receiver searches.
//!
//! A **subject** is what a threshold counts for: an account (`user:<id>`, or
//! `app:<app_id>@<shop>` — per app and shop, so re-authorizing an app gives no fresh count),
//! a whole shop (`shop:<id>`, so creating a staff account gives no fresh count either), or an
//! account's searches (`search:` + the account). Each subject has a cool-down row
//! (`risk_subjects`) and counts per second of the last two hours (`risk_counts`): **orders**
//! for reveals and prints (a 50-order grant adds 50; free repeats count too), **terms** for
//! searches.
//!
//! A [`Book`] is loaded inside the caller's write transaction — the subjects' rows locked
//! first, sorted, so writers of several processes on one PostgreSQL never wait on each other
//! in a cycle (callers then lock quota rows or waybills, then audit heads) — decides
//! requests in memory exactly as if they ran one by one, and writes what changed before the
//! caller commits.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::store;

/// Counts older than this are pruned.
pub const KEEP_SECS: i64 = 2 * 3600;

/// The risk subject of a shop user.
pub fn user_subject(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// The risk subject of an app acting for a shop.
pub fn app_subject(app_id: &str, shop: &str) -> String {
    format!("app:{app_id}@{shop}")
}

/// The risk subject of a whole shop.
pub fn shop_subject(shop: &str) -> String {
    format!("shop:{shop}")
}

/// The subject that counts an account's receiver searches.
pub fn search_subject(account: &str) -> String {
    format!("search:{account}")
}

/// One threshold pair that a request must stay within.
#[derive(Clone, Copy, Debug)]
pub struct Limit<'a> {
    /// The subject counted.
    pub subject: &'a str,
    /// Which kind of subject, reported to the client: `account` or `shop`.
    pub scope: &'static str,
    /// Most units in any 60 seconds.
    pub per_minute: u32,
    /// Most units in any 3,600 seconds.
    pub per_hour: u32,
}

/// A refusal: the subject is cooling down (already, or from this request on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// End of the cool-down, unix seconds.
    pub until: i64,
    /// `account` or `shop`.
    pub scope: &'static str,
    /// `per_minute` or `per_hour` when this request started the cool-down; `None` when the
    /// subject was already cooling down.
    pub rule: Option<&'static str>,
    /// Units in the last minute and hour before this request.
    pub last_minute: i64,
    /// See `last_minute`.
    pub last_hour: i64,
}

impl Refused {
    /// What the audit row and the error's details say.
    pub fn details(&self, now: i64) -> Value {
        json!({
            "retry_after_secs": self.until - now,
            "until_unix": self.until,
            "scope": self.scope,
            "rule": self.rule,
            "last_minute": self.last_minute,
            "last_hour": self.last_hour,
        })
    }
}

#[derive(Default)]
struct Subject {
    until: i64,
    new_until: Option<(i64, &'static str)>,
    secs: BTreeMap<i64, i64>,
    added: BTreeMap<i64, i64>,
}

impl Subject {
    fn counts(&self, now: i64) -> (i64, i64) {
        let hour: i64 = self.secs.range(now - 3600 + 1..=now).map(|(_, n)| n).sum();
        let minute: i64 = self.secs.range(now - 60 + 1..=now).map(|(_, n)| n).sum();
        (minute, hour)
    }

    fn until(&self) -> i64 {
        self.new_until.map_or(self.until, |n| n.0)
    }
}

/// The subjects of one transaction, as its requests change them.
#[derive(Default)]
pub struct Book {
    subjects: HashMap<String, Subject>,
}

impl Book {
    /// Lock `subjects`' rows (creating missing ones) and read their cool-downs and their
    /// counts since `since - 3600`.
    pub async fn load(conn: &mut AnyConnection, subjects: &BTreeSet<String>, since: i64) -> Result<Self, sqlx::Error> {
        let mut book = Self::default();
        if subjects.is_empty() {
            return Ok(book);
        }
        for r in store::risk::lock_subjects(conn, subjects).await? {
            book.subjects.insert(r.subject, Subject { until: r.until, ..Subject::default() });
        }
        for r in store::risk::counts_after(conn, subjects, since - 3600).await? {
            book.subjects.entry(r.subject).or_default().secs.insert(r.sec, r.n);
        }
        Ok(book)
    }

    /// May a request of `units` pass every limit at `now`? A subject already cooling down
    /// refuses; a limit that the request would exceed starts its subject's cool-down of
    /// `cooldown_secs` and refuses. Nothing is counted here: see [`Book::add`].
    pub fn check(&mut self, limits: &[Limit<'_>], units: u32, now: i64, cooldown_secs: u32) -> Result<(), Refused> {
        for l in limits {
            let s = self.subjects.entry(l.subject.to_string()).or_default();
            let until = s.until();
            if until > now {
                let (last_minute, last_hour) = s.counts(now);
                return Err(Refused { until, scope: l.scope, rule: None, last_minute, last_hour });
            }
        }
        let units = i64::from(units);
        for l in limits {
            let s = self.subjects.entry(l.subject.to_string()).or_default();
            let (last_minute, last_hour) = s.counts(now);
            let rule = if last_minute + units > i64::from(l.per_minute) {
                "per_minute"
            } else if last_hour + units > i64::from(l.per_hour) {
                "per_hour"
            } else {
                continue;
            };
            let until = now + i64::from(cooldown_secs);
            s.new_until = Some((until, rule));
            return Err(Refused { until, scope: l.scope, rule: Some(rule), last_minute, last_hour });
        }
        Ok(())
    }

    /// Count `units` at `now` for each of `subjects`.
    pub fn add(&mut self, subjects: &[&str], units: u32, now: i64) {
        for subject in subjects {
            let s = self.subjects.entry((*subject).to_string()).or_default();
            *s.secs.entry(now).or_default() += i64::from(units);
            *s.added.entry(now).or_default() += i64::from(units);
        }
    }

    /// Write new cool-downs and counts. With `prune_own`, also drop the touched subjects'
    /// counts older than [`KEEP_SECS`] (one index range each; the settler prunes the whole
    /// table once a minute instead).
    pub async fn write(&self, conn: &mut AnyConnection, prune_own: Option<i64>) -> Result<(), sqlx::Error> {
        let mut cooled: Vec<(&str, i64, &str)> = self.subjects.iter().filter_map(|(k, s)| s.new_until.map(|(u, r)| (k.as_str(), u, r))).collect();
        cooled.sort_unstable();
        for (subject, until, reason) in cooled {
            store::risk::set_cooldown(conn, subject, until, reason).await?;
        }
        let mut counts: Vec<(&str, i64, i64)> = self.subjects.iter().flat_map(|(k, s)| s.added.iter().map(move |(sec, n)| (k.as_str(), *sec, *n))).collect();
        if counts.is_empty() {
            return Ok(());
        }
        counts.sort_unstable();
        store::risk::add_counts(conn, &counts).await?;
        if let Some(now) = prune_own {
            let touched: BTreeSet<&str> = counts.iter().map(|c| c.0).collect();
            store::risk::prune_subjects(conn, &touched, now - KEEP_SECS).await?;
        }
        Ok(())
    }
}

/// A subject's cool-down end, read without locking (a cheap refusal before any write).
pub async fn cooling_until(conn: &mut AnyConnection, subject: &str) -> Result<i64, sqlx::Error> {
    store::risk::cooling_until(conn, subject).await
}

/// Drop every subject's counts older than [`KEEP_SECS`] before `now`.
pub async fn prune_all(conn: &mut AnyConnection, now: i64) -> Result<(), sqlx::Error> {
    store::risk::prune_all(conn, now - KEEP_SECS).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits<'a>(account: &'a str, shop: &'a str) -> [Limit<'a>; 2] {
        [Limit { subject: account, scope: "account", per_minute: 100, per_hour: 150 }, Limit { subject: shop, scope: "shop", per_minute: 120, per_hour: 1000 }]
    }

    #[test]
    fn units_count_orders_not_requests() {
        let mut b = Book::default();
        let l = limits("user:1", "shop:s");
        // Two 50-order grants fill the minute; a third order does not fit.
        for _ in 0..2 {
            b.check(&l, 50, 1000, 1800).unwrap();
            b.add(&["user:1", "shop:s"], 50, 1000);
        }
        let r = b.check(&l, 1, 1010, 1800).unwrap_err();
        assert_eq!((r.scope, r.rule, r.last_minute, r.until), ("account", Some("per_minute"), 100, 1010 + 1800));
        // Cooling down: refused without a rule, also after the minute passed.
        let r = b.check(&l, 1, 1100, 1800).unwrap_err();
        assert_eq!((r.rule, r.until), (None, 2810));
        // After it: the hour still holds 100 of 150.
        b.check(&l, 50, 2810, 1800).unwrap();
        assert_eq!(b.check(&l, 51, 2810, 1800).unwrap_err().rule, Some("per_hour"));
    }

    #[test]
    fn a_shop_limit_binds_every_account() {
        let mut b = Book::default();
        b.check(&limits("user:1", "shop:s"), 100, 0, 60).unwrap();
        b.add(&["user:1", "shop:s"], 100, 0);
        // Another account of the same shop: its own count is empty, the shop's is not.
        let r = b.check(&limits("user:2", "shop:s"), 30, 1, 60).unwrap_err();
        assert_eq!((r.scope, r.rule), ("shop", Some("per_minute")));
        // A third account meets the shop's cool-down.
        assert_eq!(b.check(&limits("user:3", "shop:s"), 1, 2, 60).unwrap_err().scope, "shop");
    }
}
