//! The platform's quota and risk rules, stored in the database (`platform_settings`, one row)
//! so the admin console can change them at run time.
//!
//! * At start-up [`ensure`] inserts the row from the command line's values if the store has
//!   none; after that the stored row is the truth (a differing flag is logged and ignored).
//! * Every process re-reads the row: the reveal settler at the start of each batch, inside
//!   its transaction; the quota endpoints on each request. A change therefore applies to the
//!   next reveal in every process, today's limits included (a day's row keeps the order count
//!   it was created with; its base is recomputed from it with the rules in force).
//! * A change is one conditional update (only while `version` is the expected one) plus its
//!   audit row on the platform chain (values before and after), in one transaction: two admins
//!   saving at once cannot silently overwrite each other (`SETTINGS_CHANGED`).

use orderveil_api::{ErrorCode, PlatformSettings, PlatformSettingsUpdate, UserInfo};
use serde_json::json;
use sqlx::{Any, Executor};

use crate::audit::{self, Event};
use crate::clock::rfc3339;
use crate::store::Db;
use crate::store::settings::{self, RuleValues, SettingsRow};
use crate::error::{AppError, AppResult};
use crate::settings::Settings;

/// Highest rate: 100 % of the daily average of the last 30 days' orders.
pub const MAX_RATE_BPS: u32 = 10_000;
/// Highest floor.
pub const MAX_FLOOR: u32 = 100_000;
/// Highest per-account per-minute threshold (orders).
pub const MAX_PER_MINUTE: u32 = 100_000;
/// Highest per-account per-hour threshold (orders).
pub const MAX_PER_HOUR: u32 = 1_000_000;
/// Highest per-shop per-minute threshold (orders).
pub const MAX_SHOP_PER_MINUTE: u32 = 1_000_000;
/// Highest per-shop per-hour threshold (orders).
pub const MAX_SHOP_PER_HOUR: u32 = 10_000_000;
/// Shortest cool-down, seconds.
pub const MIN_COOLDOWN_SECS: u32 = 60;
/// Longest cool-down, seconds (7 days).
pub const MAX_COOLDOWN_SECS: u32 = 7 * 86_400;
/// Highest per-account search terms a minute.
pub const MAX_SEARCH_PER_MINUTE: u32 = 10_000;
/// Highest search budget floor.
pub const MAX_SEARCH_BUDGET_FLOOR: u32 = 1_000_000;
/// Highest search budget factor.
pub const MAX_SEARCH_BUDGET_FACTOR: u32 = 100;
/// Shortest session idle timeout, seconds.
pub const MIN_SESSION_IDLE_SECS: u32 = 5 * 60;
/// Longest session idle timeout, seconds (the absolute lifetime, 12 h).
pub const MAX_SESSION_IDLE_SECS: u32 = 12 * 3600;
/// Shortest retention, days: past the 15 days a completed order stays revealable.
pub const MIN_RETENTION_DAYS: u32 = 16;
/// Longest retention, days (10 years).
pub const MAX_RETENTION_DAYS: u32 = 3650;
/// Most SMS to one order a day.
pub const MAX_SMS_PER_ORDER_DAY: u32 = 20;
/// Most SMS of one shop a day.
pub const MAX_SMS_PER_SHOP_DAY: u32 = 10_000_000;
/// Longest a virtual number stays bound after its order completes, days.
pub const MAX_VIRTUAL_NUMBER_DAYS: u32 = 90;

/// The rules in force, as the quota, risk and search checks use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Reveal rate, basis points.
    pub rate_bps: u32,
    /// Minimum daily limit.
    pub floor: u32,
    /// Orders revealed or printed per account per minute before a cool-down.
    pub per_minute: u32,
    /// Per account per hour.
    pub per_hour: u32,
    /// Orders revealed or printed by the whole shop per minute before the shop cools down.
    pub shop_per_minute: u32,
    /// Per shop per hour.
    pub shop_per_hour: u32,
    /// Cool-down, seconds (reveals, prints, searches).
    pub cooldown_secs: u32,
    /// Receiver search terms per account per minute.
    pub search_per_minute: u32,
    /// The daily search budget's floor.
    pub search_budget_floor: u32,
    /// The daily search budget's factor on today's reveal limit.
    pub search_budget_factor: u32,
    /// A login session ends after this long without a request, seconds.
    pub session_idle_secs: u32,
    /// Orders completed or cancelled longer ago than this many days are crypto-shredded.
    pub retention_days: u32,
    /// SMS to one order per day (Asia/Shanghai).
    pub sms_per_order_day: u32,
    /// SMS of one shop per day.
    pub sms_per_shop_day: u32,
    /// Days a virtual number stays bound after its order completes.
    pub virtual_number_days: u32,
}

fn u(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// The rules of the stored row.
fn rules_of(row: &SettingsRow) -> Rules {
    Rules {
        rate_bps: u(row.quota_rate_bps),
        floor: u(row.quota_floor),
        per_minute: u(row.risk_per_minute),
        per_hour: u(row.risk_per_hour),
        shop_per_minute: u(row.shop_risk_per_minute),
        shop_per_hour: u(row.shop_risk_per_hour),
        cooldown_secs: u(row.risk_cooldown_secs),
        search_per_minute: u(row.search_per_minute),
        search_budget_floor: u(row.search_budget_floor),
        search_budget_factor: u(row.search_budget_factor),
        session_idle_secs: u(row.session_idle_secs),
        retention_days: u(row.retention_days),
        sms_per_order_day: u(row.sms_per_order_day),
        sms_per_shop_day: u(row.sms_per_shop_day),
        virtual_number_days: u(row.virtual_number_days),
    }
}

/// The API view of the stored row.
fn view(row: &SettingsRow) -> PlatformSettings {
    let r = rules_of(row);
    PlatformSettings {
        quota_rate_bps: r.rate_bps,
        quota_floor: r.floor,
        risk_per_minute: r.per_minute,
        risk_per_hour: r.per_hour,
        shop_risk_per_minute: r.shop_per_minute,
        shop_risk_per_hour: r.shop_per_hour,
        risk_cooldown_secs: r.cooldown_secs,
        search_per_minute: r.search_per_minute,
        search_budget_floor: r.search_budget_floor,
        search_budget_factor: r.search_budget_factor,
        session_idle_secs: r.session_idle_secs,
        retention_days: r.retention_days,
        sms_per_order_day: r.sms_per_order_day,
        sms_per_shop_day: r.sms_per_shop_day,
        virtual_number_days: r.virtual_number_days,
        version: row.version,
        updated_at: rfc3339(row.updated_at),
        updated_by: row.updated_by.clone(),
    }
}

impl Rules {
    /// The stored columns of these rules.
    fn values(&self) -> RuleValues {
        RuleValues {
            quota_rate_bps: i64::from(self.rate_bps),
            quota_floor: i64::from(self.floor),
            risk_per_minute: i64::from(self.per_minute),
            risk_per_hour: i64::from(self.per_hour),
            shop_risk_per_minute: i64::from(self.shop_per_minute),
            shop_risk_per_hour: i64::from(self.shop_per_hour),
            risk_cooldown_secs: i64::from(self.cooldown_secs),
            search_per_minute: i64::from(self.search_per_minute),
            search_budget_floor: i64::from(self.search_budget_floor),
            search_budget_factor: i64::from(self.search_budget_factor),
            session_idle_secs: i64::from(self.session_idle_secs),
            retention_days: i64::from(self.retention_days),
            sms_per_order_day: i64::from(self.sms_per_order_day),
            sms_per_shop_day: i64::from(self.sms_per_shop_day),
            virtual_number_days: i64::from(self.virtual_number_days),
        }
    }

    /// The rules of the command line's settings.
    pub fn of(s: &Settings) -> Self {
        Self {
            rate_bps: s.quota_rate_bps,
            floor: s.quota_floor,
            per_minute: s.risk_per_minute,
            per_hour: s.risk_per_hour,
            shop_per_minute: s.shop_risk_per_minute,
            shop_per_hour: s.shop_risk_per_hour,
            cooldown_secs: u32::try_from(s.risk_cooldown_secs.max(0)).unwrap_or(u32::MAX),
            search_per_minute: s.search_per_minute,
            search_budget_floor: s.search_budget_floor,
            search_budget_factor: s.search_budget_factor,
            session_idle_secs: u32::try_from(s.session_idle_secs.max(0)).unwrap_or(u32::MAX),
            retention_days: s.retention_days,
            sms_per_order_day: s.sms_per_order_day,
            sms_per_shop_day: s.sms_per_shop_day,
            virtual_number_days: s.virtual_number_days,
        }
    }

    /// The rate as a fraction, e.g. 0.05.
    pub fn rate(&self) -> f64 {
        f64::from(self.rate_bps) / 10_000.0
    }

    /// A shop's search budget on a day whose reveal limit is `reveal_limit`.
    pub fn search_budget(&self, reveal_limit: u32) -> u32 {
        self.search_budget_factor.saturating_mul(reveal_limit).max(self.search_budget_floor)
    }

    /// The field that is out of range, with the allowed range, if any.
    pub fn invalid_field(&self) -> Option<(&'static str, u32, u32)> {
        let checks: [(&'static str, u32, u32, u32); 15] = [
            ("quota_rate_bps", self.rate_bps, 0, MAX_RATE_BPS),
            ("quota_floor", self.floor, 0, MAX_FLOOR),
            ("risk_per_minute", self.per_minute, 1, MAX_PER_MINUTE),
            ("risk_per_hour", self.per_hour, self.per_minute, MAX_PER_HOUR),
            ("shop_risk_per_minute", self.shop_per_minute, self.per_minute, MAX_SHOP_PER_MINUTE),
            ("shop_risk_per_hour", self.shop_per_hour, self.shop_per_minute.max(self.per_hour), MAX_SHOP_PER_HOUR),
            ("risk_cooldown_secs", self.cooldown_secs, MIN_COOLDOWN_SECS, MAX_COOLDOWN_SECS),
            ("search_per_minute", self.search_per_minute, 1, MAX_SEARCH_PER_MINUTE),
            ("search_budget_floor", self.search_budget_floor, 0, MAX_SEARCH_BUDGET_FLOOR),
            ("search_budget_factor", self.search_budget_factor, 0, MAX_SEARCH_BUDGET_FACTOR),
            ("session_idle_secs", self.session_idle_secs, MIN_SESSION_IDLE_SECS, MAX_SESSION_IDLE_SECS),
            ("retention_days", self.retention_days, MIN_RETENTION_DAYS, MAX_RETENTION_DAYS),
            ("sms_per_order_day", self.sms_per_order_day, 1, MAX_SMS_PER_ORDER_DAY),
            ("sms_per_shop_day", self.sms_per_shop_day, 1, MAX_SMS_PER_SHOP_DAY),
            ("virtual_number_days", self.virtual_number_days, 1, MAX_VIRTUAL_NUMBER_DAYS),
        ];
        checks.into_iter().find(|(_, v, min, max)| !(*min..=*max).contains(v)).map(|(f, _, min, max)| (f, min, max))
    }
}

/// Insert the row from `initial` if the store has none (several processes starting at once
/// insert it once); log when the stored rules differ from `initial`.
pub async fn ensure(db: &Db, initial: &Settings, now: i64) -> Result<(), sqlx::Error> {
    let r = Rules::of(initial);
    settings::insert_initial(&db.pool, &r.values(), now).await?;
    let stored = rules_of(&settings::read(&db.pool).await?);
    if stored != r {
        tracing::info!(?stored, "the platform settings stored in the database (admin console) are in force, not the command line's");
    }
    Ok(())
}

/// The rules in force, read through `ex` (the settler reads them inside its transaction).
pub async fn rules<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Rules, sqlx::Error> {
    settings::read(ex).await.map(|r| rules_of(&r))
}

/// The settings in force, as the admin console shows them (`GET /api/v1/admin/settings`;
/// the caller has checked that a platform admin asks).
pub async fn get(db: &Db) -> AppResult<PlatformSettings> {
    Ok(view(&settings::read(&db.pool).await?))
}

/// Change the settings (`PUT /api/v1/admin/settings`; the caller has checked that `admin` is
/// a platform admin): validate, apply if nobody changed the settings since
/// `expected_version`, audit before and after.
pub async fn update(db: &Db, now: i64, admin: &UserInfo, req: PlatformSettingsUpdate) -> AppResult<PlatformSettings> {
    let new = Rules {
        rate_bps: req.quota_rate_bps,
        floor: req.quota_floor,
        per_minute: req.risk_per_minute,
        per_hour: req.risk_per_hour,
        shop_per_minute: req.shop_risk_per_minute,
        shop_per_hour: req.shop_risk_per_hour,
        cooldown_secs: req.risk_cooldown_secs,
        search_per_minute: req.search_per_minute,
        search_budget_floor: req.search_budget_floor,
        search_budget_factor: req.search_budget_factor,
        session_idle_secs: 0,
        retention_days: 0,
        sms_per_order_day: 0,
        sms_per_shop_day: 0,
        virtual_number_days: 0,
    };
    let mut tx = db.begin_write().await?;
    let before = settings::read(&mut *tx).await?;
    // The idle timeout is checked when it is given; left out, the stored one stays (even one
    // the command line set outside the console's range).
    let checked = Rules {
        session_idle_secs: req.session_idle_secs.unwrap_or(MIN_SESSION_IDLE_SECS),
        retention_days: req.retention_days.unwrap_or(MIN_RETENTION_DAYS),
        sms_per_order_day: req.sms_per_order_day.unwrap_or(1),
        sms_per_shop_day: req.sms_per_shop_day.unwrap_or(1),
        virtual_number_days: req.virtual_number_days.unwrap_or(1),
        ..new
    };
    let new = Rules {
        session_idle_secs: req.session_idle_secs.unwrap_or(u(before.session_idle_secs)),
        retention_days: req.retention_days.unwrap_or(u(before.retention_days)),
        sms_per_order_day: req.sms_per_order_day.unwrap_or(u(before.sms_per_order_day)),
        sms_per_shop_day: req.sms_per_shop_day.unwrap_or(u(before.sms_per_shop_day)),
        virtual_number_days: req.virtual_number_days.unwrap_or(u(before.virtual_number_days)),
        ..new
    };
    if let Some((field, min, max)) = checked.invalid_field() {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": field, "min": min, "max": max})));
    }
    if before.version != req.expected_version {
        return Err(AppError::new(ErrorCode::SettingsChanged).with(json!({"version": before.version})));
    }
    let done = settings::update(&mut tx, &new.values(), now, &admin.username, req.expected_version).await?;
    if done == 0 {
        return Err(AppError::new(ErrorCode::SettingsChanged));
    }
    let old = rules_of(&before);
    let mut ev = Event::new(&admin.username, Some(admin.id), None, "settings_update", "ok");
    ev.details = json!({"before": rules_json(&old), "after": rules_json(&new), "version": before.version + 1});
    audit::append(&mut tx, now, &ev).await?;
    let after = settings::read(&mut *tx).await?;
    tx.commit().await?;
    Ok(view(&after))
}

fn rules_json(r: &Rules) -> serde_json::Value {
    json!({
        "quota_rate_bps": r.rate_bps,
        "quota_floor": r.floor,
        "risk_per_minute": r.per_minute,
        "risk_per_hour": r.per_hour,
        "shop_risk_per_minute": r.shop_per_minute,
        "shop_risk_per_hour": r.shop_per_hour,
        "risk_cooldown_secs": r.cooldown_secs,
        "search_per_minute": r.search_per_minute,
        "search_budget_floor": r.search_budget_floor,
        "search_budget_factor": r.search_budget_factor,
        "session_idle_secs": r.session_idle_secs,
        "retention_days": r.retention_days,
        "sms_per_order_day": r.sms_per_order_day,
        "sms_per_shop_day": r.sms_per_shop_day,
        "virtual_number_days": r.virtual_number_days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked_field_by_field() {
        let ok = Rules::of(&Settings::default());
        assert_eq!(ok.invalid_field(), None);
        assert_eq!((ok.rate_bps, ok.floor, ok.per_minute, ok.per_hour, ok.cooldown_secs), (500, 10, 120, 1000, 1800));
        assert_eq!((ok.shop_per_minute, ok.shop_per_hour, ok.search_per_minute, ok.search_budget_floor, ok.search_budget_factor), (300, 3000, 20, 200, 4));
        assert_eq!(ok.search_budget(10), 200, "the floor");
        assert_eq!(ok.search_budget(51), 204, "4 × the reveal limit");
        let bad = |f: fn(&mut Rules)| {
            let mut r = ok;
            f(&mut r);
            r.invalid_field().map(|x| x.0)
        };
        assert_eq!(bad(|r| r.rate_bps = 10_001), Some("quota_rate_bps"));
        assert_eq!(bad(|r| r.rate_bps = 10_000), None);
        assert_eq!(bad(|r| r.floor = 100_001), Some("quota_floor"));
        assert_eq!(bad(|r| r.per_minute = 0), Some("risk_per_minute"));
        assert_eq!(bad(|r| r.per_hour = 119), Some("risk_per_hour"), "an hour allows at least a minute's");
        assert_eq!(bad(|r| r.shop_per_minute = 119), Some("shop_risk_per_minute"), "a shop allows at least one account's");
        assert_eq!(bad(|r| r.shop_per_hour = 299), Some("shop_risk_per_hour"));
        assert_eq!(bad(|r| r.search_per_minute = 0), Some("search_per_minute"));
        assert_eq!(bad(|r| r.search_budget_factor = 101), Some("search_budget_factor"));
        assert_eq!(bad(|r| r.cooldown_secs = 59), Some("risk_cooldown_secs"));
        assert_eq!(ok.session_idle_secs, 1800);
        assert_eq!(bad(|r| r.session_idle_secs = 299), Some("session_idle_secs"));
        assert_eq!(bad(|r| r.session_idle_secs = 12 * 3600 + 1), Some("session_idle_secs"));
        assert_eq!(ok.retention_days, 90);
        assert_eq!(bad(|r| r.retention_days = 15), Some("retention_days"));
        assert_eq!(bad(|r| r.cooldown_secs = 7 * 86_400 + 1), Some("risk_cooldown_secs"));
    }
}
