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
use crate::guard::User;
use crate::clock::rfc3339;
use crate::store::Db;
use crate::error::{AppError, AppResult};
use crate::state::{AppState, Settings};

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
}

/// The stored row.
struct Row {
    quota_rate_bps: i64,
    quota_floor: i64,
    risk_per_minute: i64,
    risk_per_hour: i64,
    shop_risk_per_minute: i64,
    shop_risk_per_hour: i64,
    risk_cooldown_secs: i64,
    search_per_minute: i64,
    search_budget_floor: i64,
    search_budget_factor: i64,
    version: i64,
    updated_at: i64,
    updated_by: String,
}

impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for Row {
    fn from_row(r: &'r sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row as _;
        Ok(Self {
            quota_rate_bps: r.try_get("quota_rate_bps")?,
            quota_floor: r.try_get("quota_floor")?,
            risk_per_minute: r.try_get("risk_per_minute")?,
            risk_per_hour: r.try_get("risk_per_hour")?,
            shop_risk_per_minute: r.try_get("shop_risk_per_minute")?,
            shop_risk_per_hour: r.try_get("shop_risk_per_hour")?,
            risk_cooldown_secs: r.try_get("risk_cooldown_secs")?,
            search_per_minute: r.try_get("search_per_minute")?,
            search_budget_floor: r.try_get("search_budget_floor")?,
            search_budget_factor: r.try_get("search_budget_factor")?,
            version: r.try_get("version")?,
            updated_at: r.try_get("updated_at")?,
            updated_by: r.try_get("updated_by")?,
        })
    }
}

const COLUMNS: &str = "quota_rate_bps, quota_floor, risk_per_minute, risk_per_hour, shop_risk_per_minute, shop_risk_per_hour, risk_cooldown_secs, \
                       search_per_minute, search_budget_floor, search_budget_factor, version, updated_at, updated_by";

fn u(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

impl Row {
    fn rules(&self) -> Rules {
        Rules {
            rate_bps: u(self.quota_rate_bps),
            floor: u(self.quota_floor),
            per_minute: u(self.risk_per_minute),
            per_hour: u(self.risk_per_hour),
            shop_per_minute: u(self.shop_risk_per_minute),
            shop_per_hour: u(self.shop_risk_per_hour),
            cooldown_secs: u(self.risk_cooldown_secs),
            search_per_minute: u(self.search_per_minute),
            search_budget_floor: u(self.search_budget_floor),
            search_budget_factor: u(self.search_budget_factor),
        }
    }

    fn view(&self) -> PlatformSettings {
        let r = self.rules();
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
            version: self.version,
            updated_at: rfc3339(self.updated_at),
            updated_by: self.updated_by.clone(),
        }
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
            shop_per_minute: s.shop_risk_per_minute,
            shop_per_hour: s.shop_risk_per_hour,
            cooldown_secs: u32::try_from(s.risk_cooldown_secs.max(0)).unwrap_or(u32::MAX),
            search_per_minute: s.search_per_minute,
            search_budget_floor: s.search_budget_floor,
            search_budget_factor: s.search_budget_factor,
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
        let checks: [(&'static str, u32, u32, u32); 10] = [
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
        ];
        checks.into_iter().find(|(_, v, min, max)| !(*min..=*max).contains(v)).map(|(f, _, min, max)| (f, min, max))
    }
}

/// Insert the row from `initial` if the store has none (several processes starting at once
/// insert it once); log when the stored rules differ from `initial`.
pub async fn ensure(db: &Db, initial: &Settings, now: i64) -> Result<(), sqlx::Error> {
    let r = Rules::of(initial);
    sqlx::query(&format!("INSERT INTO platform_settings (id, {COLUMNS}) VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, 'initial') ON CONFLICT (id) DO NOTHING"))
        .bind(i64::from(r.rate_bps))
        .bind(i64::from(r.floor))
        .bind(i64::from(r.per_minute))
        .bind(i64::from(r.per_hour))
        .bind(i64::from(r.shop_per_minute))
        .bind(i64::from(r.shop_per_hour))
        .bind(i64::from(r.cooldown_secs))
        .bind(i64::from(r.search_per_minute))
        .bind(i64::from(r.search_budget_floor))
        .bind(i64::from(r.search_budget_factor))
        .bind(now)
        .execute(&db.pool)
        .await?;
    let stored = read(&db.pool).await?.rules();
    if stored != r {
        tracing::info!(?stored, "the platform settings stored in the database (admin console) are in force, not the command line's");
    }
    Ok(())
}

async fn read<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Row, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM platform_settings WHERE id = 1")).fetch_one(ex).await
}

/// The rules in force, read through `ex` (the settler reads them inside its transaction).
pub async fn rules<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Rules, sqlx::Error> {
    read(ex).await.map(|r| r.rules())
}

/// `GET /api/v1/admin/settings` (platform admins).
pub async fn get(state: &AppState, user: &User) -> AppResult<PlatformSettings> {
    crate::guard::require_admin(user)?;
    Ok(read(&state.db.pool).await?.view())
}

/// `PUT /api/v1/admin/settings` (platform admins): validate, apply if nobody changed the
/// settings since `expected_version`, audit before and after.
pub async fn update(state: &AppState, user: &User, req: PlatformSettingsUpdate) -> AppResult<PlatformSettings> {
    crate::guard::require_admin(user)?;
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
    };
    if let Some((field, min, max)) = new.invalid_field() {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": field, "min": min, "max": max})));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let before = read(&mut *tx).await?;
    if before.version != req.expected_version {
        return Err(AppError::new(ErrorCode::SettingsChanged).with(json!({"version": before.version})));
    }
    let done = sqlx::query(
        "UPDATE platform_settings SET quota_rate_bps = $1, quota_floor = $2, risk_per_minute = $3, risk_per_hour = $4, shop_risk_per_minute = $5, \
         shop_risk_per_hour = $6, risk_cooldown_secs = $7, search_per_minute = $8, search_budget_floor = $9, search_budget_factor = $10, \
         version = version + 1, updated_at = $11, updated_by = $12 WHERE id = 1 AND version = $13",
    )
    .bind(i64::from(new.rate_bps))
    .bind(i64::from(new.floor))
    .bind(i64::from(new.per_minute))
    .bind(i64::from(new.per_hour))
    .bind(i64::from(new.shop_per_minute))
    .bind(i64::from(new.shop_per_hour))
    .bind(i64::from(new.cooldown_secs))
    .bind(i64::from(new.search_per_minute))
    .bind(i64::from(new.search_budget_floor))
    .bind(i64::from(new.search_budget_factor))
    .bind(now)
    .bind(&user.username)
    .bind(req.expected_version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(AppError::new(ErrorCode::SettingsChanged));
    }
    let old = before.rules();
    let mut ev = Event::new(&user.username, Some(user.id), None, "settings_update", "ok");
    ev.details = json!({"before": rules_json(&old), "after": rules_json(&new), "version": before.version + 1});
    audit::append(&mut tx, now, &ev).await?;
    let after = read(&mut *tx).await?;
    tx.commit().await?;
    Ok(after.view())
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
        assert_eq!(bad(|r| r.cooldown_secs = 7 * 86_400 + 1), Some("risk_cooldown_secs"));
    }
}
