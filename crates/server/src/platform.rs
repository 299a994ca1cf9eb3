//! The platform's quota and risk rules, stored in the database (`platform_settings`, one row)
//! so the admin console can change them at run time.
//!
//! * At start-up [`ensure`] inserts the row from the command line's values if the store has
//!   none; after that the stored row is the truth (a differing flag is logged and ignored).
//! * Every process re-reads the row: the reveal settler at the start of each batch, inside
//!   its transaction; the quota endpoints on each request. A change therefore applies to the
//!   next reveal in every process, today's limits included (a day's row keeps the order count
//!   it was created with; its base is recomputed from it with the rules in force).
//! * A change is one conditional `UPDATE … WHERE version = expected` plus its audit row on the
//!   platform chain (values before and after), in one transaction: two admins saving at once
//!   cannot silently overwrite each other (`SETTINGS_CHANGED`).

use orderveil_api::{ErrorCode, PlatformSettings, PlatformSettingsUpdate};
use serde_json::json;
use sqlx::{Any, Executor};

use crate::audit::{self, Event};
use crate::auth::User;
use crate::clock::rfc3339;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::state::{AppState, Settings};

/// Highest rate: 100 % of the daily average of the last 30 days' orders.
pub const MAX_RATE_BPS: u32 = 10_000;
/// Highest floor.
pub const MAX_FLOOR: u32 = 100_000;
/// Highest per-minute threshold.
pub const MAX_PER_MINUTE: u32 = 100_000;
/// Highest per-hour threshold.
pub const MAX_PER_HOUR: u32 = 1_000_000;
/// Shortest cool-down, seconds.
pub const MIN_COOLDOWN_SECS: u32 = 60;
/// Longest cool-down, seconds (7 days).
pub const MAX_COOLDOWN_SECS: u32 = 7 * 86_400;

/// The rules in force, as the quota and risk checks use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Reveal rate, basis points.
    pub rate_bps: u32,
    /// Minimum daily limit.
    pub floor: u32,
    /// Reveal requests per account per minute before a cool-down.
    pub per_minute: u32,
    /// Per hour.
    pub per_hour: u32,
    /// Cool-down, seconds.
    pub cooldown_secs: u32,
}

type Row = (i64, i64, i64, i64, i64, i64, i64, String);
const COLUMNS: &str = "quota_rate_bps, quota_floor, risk_per_minute, risk_per_hour, risk_cooldown_secs, version, updated_at, updated_by";

fn u(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

fn rules_of(r: &Row) -> Rules {
    Rules { rate_bps: u(r.0), floor: u(r.1), per_minute: u(r.2), per_hour: u(r.3), cooldown_secs: u(r.4) }
}

fn view(r: Row) -> PlatformSettings {
    let rules = rules_of(&r);
    PlatformSettings {
        quota_rate_bps: rules.rate_bps,
        quota_floor: rules.floor,
        risk_per_minute: rules.per_minute,
        risk_per_hour: rules.per_hour,
        risk_cooldown_secs: rules.cooldown_secs,
        version: r.5,
        updated_at: rfc3339(r.6),
        updated_by: r.7,
    }
}

impl Rules {
    /// The rules of the command line's settings.
    pub fn of(s: &Settings) -> Self {
        Self {
            rate_bps: s.quota_rate_bps,
            floor: s.quota_floor,
            per_minute: s.risk_per_minute,
            per_hour: s.risk_per_hour,
            cooldown_secs: u32::try_from(s.risk_cooldown_secs.max(0)).unwrap_or(u32::MAX),
        }
    }

    /// The rate as a fraction, e.g. 0.05.
    pub fn rate(&self) -> f64 {
        f64::from(self.rate_bps) / 10_000.0
    }

    /// The field that is out of range, with the allowed range, if any.
    pub fn invalid_field(&self) -> Option<(&'static str, u32, u32)> {
        if self.rate_bps > MAX_RATE_BPS {
            return Some(("quota_rate_bps", 0, MAX_RATE_BPS));
        }
        if self.floor > MAX_FLOOR {
            return Some(("quota_floor", 0, MAX_FLOOR));
        }
        if !(1..=MAX_PER_MINUTE).contains(&self.per_minute) {
            return Some(("risk_per_minute", 1, MAX_PER_MINUTE));
        }
        if !(self.per_minute..=MAX_PER_HOUR).contains(&self.per_hour) {
            return Some(("risk_per_hour", self.per_minute, MAX_PER_HOUR));
        }
        if !(MIN_COOLDOWN_SECS..=MAX_COOLDOWN_SECS).contains(&self.cooldown_secs) {
            return Some(("risk_cooldown_secs", MIN_COOLDOWN_SECS, MAX_COOLDOWN_SECS));
        }
        None
    }
}

/// Insert the row from `initial` if the store has none (several processes starting at once
/// insert it once); log when the stored rules differ from `initial`.
pub async fn ensure(db: &Db, initial: &Settings, now: i64) -> Result<(), sqlx::Error> {
    let r = Rules::of(initial);
    sqlx::query(&format!("INSERT INTO platform_settings (id, {COLUMNS}) VALUES (1, $1, $2, $3, $4, $5, 1, $6, 'initial') ON CONFLICT (id) DO NOTHING"))
        .bind(i64::from(r.rate_bps))
        .bind(i64::from(r.floor))
        .bind(i64::from(r.per_minute))
        .bind(i64::from(r.per_hour))
        .bind(i64::from(r.cooldown_secs))
        .bind(now)
        .execute(&db.pool)
        .await?;
    let stored = read(&db.pool).await?;
    if rules_of(&stored) != r {
        tracing::info!(stored = ?rules_of(&stored), "the platform settings stored in the database (admin console) are in force, not the command line's");
    }
    Ok(())
}

async fn read<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Row, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM platform_settings WHERE id = 1")).fetch_one(ex).await
}

/// The rules in force, read through `ex` (the settler reads them inside its transaction).
pub async fn rules<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Rules, sqlx::Error> {
    read(ex).await.map(|r| rules_of(&r))
}

/// `GET /api/v1/admin/settings` (platform admins).
pub async fn get(state: &AppState, user: &User) -> AppResult<PlatformSettings> {
    crate::admin::require_admin(user)?;
    Ok(view(read(&state.db.pool).await?))
}

/// `PUT /api/v1/admin/settings` (platform admins): validate, apply if nobody changed the
/// settings since `expected_version`, audit before and after.
pub async fn update(state: &AppState, user: &User, req: PlatformSettingsUpdate) -> AppResult<PlatformSettings> {
    crate::admin::require_admin(user)?;
    let new = Rules {
        rate_bps: req.quota_rate_bps,
        floor: req.quota_floor,
        per_minute: req.risk_per_minute,
        per_hour: req.risk_per_hour,
        cooldown_secs: req.risk_cooldown_secs,
    };
    if let Some((field, min, max)) = new.invalid_field() {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": field, "min": min, "max": max})));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let before = read(&mut *tx).await?;
    if before.5 != req.expected_version {
        return Err(AppError::new(ErrorCode::SettingsChanged).with(json!({"version": before.5})));
    }
    let done = sqlx::query(
        "UPDATE platform_settings SET quota_rate_bps = $1, quota_floor = $2, risk_per_minute = $3, risk_per_hour = $4, risk_cooldown_secs = $5, \
         version = version + 1, updated_at = $6, updated_by = $7 WHERE id = 1 AND version = $8",
    )
    .bind(i64::from(new.rate_bps))
    .bind(i64::from(new.floor))
    .bind(i64::from(new.per_minute))
    .bind(i64::from(new.per_hour))
    .bind(i64::from(new.cooldown_secs))
    .bind(now)
    .bind(&user.username)
    .bind(req.expected_version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(AppError::new(ErrorCode::SettingsChanged));
    }
    let old = rules_of(&before);
    let mut ev = Event::new(&user.username, Some(user.id), None, "settings_update", "ok");
    ev.details = json!({"before": rules_json(&old), "after": rules_json(&new), "version": before.5 + 1});
    audit::append(&mut tx, now, &ev).await?;
    let after = read(&mut *tx).await?;
    tx.commit().await?;
    Ok(view(after))
}

fn rules_json(r: &Rules) -> serde_json::Value {
    json!({
        "quota_rate_bps": r.rate_bps,
        "quota_floor": r.floor,
        "risk_per_minute": r.per_minute,
        "risk_per_hour": r.per_hour,
        "risk_cooldown_secs": r.cooldown_secs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked_field_by_field() {
        let ok = Rules::of(&Settings::default());
        assert_eq!(ok.invalid_field(), None);
        assert_eq!((ok.rate_bps, ok.floor, ok.per_minute, ok.per_hour, ok.cooldown_secs), (500, 10, 30, 300, 1800));
        let bad = |f: fn(&mut Rules)| {
            let mut r = ok;
            f(&mut r);
            r.invalid_field().map(|x| x.0)
        };
        assert_eq!(bad(|r| r.rate_bps = 10_001), Some("quota_rate_bps"));
        assert_eq!(bad(|r| r.rate_bps = 10_000), None);
        assert_eq!(bad(|r| r.floor = 100_001), Some("quota_floor"));
        assert_eq!(bad(|r| r.per_minute = 0), Some("risk_per_minute"));
        assert_eq!(bad(|r| r.per_hour = 29), Some("risk_per_hour"), "an hour allows at least a minute's");
        assert_eq!(bad(|r| r.cooldown_secs = 59), Some("risk_cooldown_secs"));
        assert_eq!(bad(|r| r.cooldown_secs = 7 * 86_400 + 1), Some("risk_cooldown_secs"));
    }
}
