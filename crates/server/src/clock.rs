//! Time. Quota days are calendar days in Asia/Shanghai (UTC+8, no daylight saving since
//! 1991, so a fixed offset is exact). The clock is injectable so tests can move to tomorrow.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::{Date, Duration, OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339};

/// Asia/Shanghai.
pub const SHANGHAI: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// A source of the current time, in unix seconds.
pub trait Clock: Send + Sync + 'static {
    /// Now, unix seconds.
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        OffsetDateTime::now_utc().unix_timestamp()
    }
}

/// A clock that tests set by hand.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// Starting at `unix`.
    pub fn new(unix: i64) -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(unix)))
    }
    /// Move by `secs`.
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
    /// Set to `unix`.
    pub fn set(&self, unix: i64) {
        self.0.store(unix, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

fn shanghai(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH).to_offset(SHANGHAI)
}

/// The Asia/Shanghai calendar day of a unix time, `YYYY-MM-DD`.
pub fn day_of(unix: i64) -> String {
    shanghai(unix).date().to_string()
}

/// The `n` days ending with the day of `unix`, oldest first.
pub fn last_days(unix: i64, n: u32) -> Vec<String> {
    let today = shanghai(unix).date();
    (0..n).rev().map(|i| (today - Duration::days(i64::from(i))).to_string()).collect()
}

/// The first second (unix) of the Asia/Shanghai day `YYYY-MM-DD`.
pub fn day_start(day: &str) -> Option<i64> {
    Some(parse_day(day)?.midnight().assume_offset(SHANGHAI).unix_timestamp())
}

/// The day `n` days after `day` (before, for a negative `n`).
pub fn add_days(day: &str, n: i64) -> Option<String> {
    Some((parse_day(day)? + Duration::days(n)).to_string())
}

/// Parse `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// RFC 3339 in Asia/Shanghai, e.g. `2026-11-28T16:37:00+08:00`.
pub fn rfc3339(unix: i64) -> String {
    shanghai(unix).format(&Rfc3339).unwrap_or_default()
}

/// Parse RFC 3339 to unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s, &Rfc3339).ok().map(OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_day_boundary_is_at_16_00_utc() {
        // 2026-11-28T15:59:59Z is 23:59:59 in Shanghai; one second later is the next day.
        let t = parse_rfc3339("2026-11-28T15:59:59Z").unwrap();
        assert_eq!(day_of(t), "2026-11-28");
        assert_eq!(day_of(t + 1), "2026-11-29");
        assert_eq!(last_days(t, 3), vec!["2026-11-26", "2026-11-27", "2026-11-28"]);
        assert_eq!(rfc3339(t), "2026-11-28T23:59:59+08:00");
    }
}
