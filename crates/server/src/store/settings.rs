//! The platform settings row (`platform_settings`, id 1): the quota and risk rules in force,
//! with a version for optimistic updates.

use sqlx::{Any, AnyConnection, Executor};

crate::row_struct! {
    /// The stored row.
    #[allow(missing_docs)] // the columns of the same name
    pub struct SettingsRow {
        pub quota_rate_bps: i64,
        pub quota_floor: i64,
        pub risk_per_minute: i64,
        pub risk_per_hour: i64,
        pub shop_risk_per_minute: i64,
        pub shop_risk_per_hour: i64,
        pub risk_cooldown_secs: i64,
        pub search_per_minute: i64,
        pub search_budget_floor: i64,
        pub search_budget_factor: i64,
        pub session_idle_secs: i64,
        pub retention_days: i64,
        pub sms_per_order_day: i64,
        pub sms_per_shop_day: i64,
        pub virtual_number_days: i64,
        pub version: i64,
        pub updated_at: i64,
        pub updated_by: String,
    }
}

/// The rule columns of a write, in [`COLUMNS`] order.
#[derive(Clone, Copy, Debug)]
#[allow(missing_docs)] // the columns of the same name
pub struct RuleValues {
    pub quota_rate_bps: i64,
    pub quota_floor: i64,
    pub risk_per_minute: i64,
    pub risk_per_hour: i64,
    pub shop_risk_per_minute: i64,
    pub shop_risk_per_hour: i64,
    pub risk_cooldown_secs: i64,
    pub search_per_minute: i64,
    pub search_budget_floor: i64,
    pub search_budget_factor: i64,
    pub session_idle_secs: i64,
    pub retention_days: i64,
    pub sms_per_order_day: i64,
    pub sms_per_shop_day: i64,
    pub virtual_number_days: i64,
}

impl RuleValues {
    fn in_order(&self) -> [i64; 15] {
        [
            self.quota_rate_bps,
            self.quota_floor,
            self.risk_per_minute,
            self.risk_per_hour,
            self.shop_risk_per_minute,
            self.shop_risk_per_hour,
            self.risk_cooldown_secs,
            self.search_per_minute,
            self.search_budget_floor,
            self.search_budget_factor,
            self.session_idle_secs,
            self.retention_days,
            self.sms_per_order_day,
            self.sms_per_shop_day,
            self.virtual_number_days,
        ]
    }
}

const COLUMNS: &str = "quota_rate_bps, quota_floor, risk_per_minute, risk_per_hour, shop_risk_per_minute, shop_risk_per_hour, risk_cooldown_secs, \
                       search_per_minute, search_budget_floor, search_budget_factor, session_idle_secs, retention_days, sms_per_order_day, sms_per_shop_day, virtual_number_days, version, updated_at, updated_by";

/// Insert the row (version 1, by `initial`) unless there is one.
pub async fn insert_initial<'e, E: Executor<'e, Database = Any>>(ex: E, v: &RuleValues, now: i64) -> Result<(), sqlx::Error> {
    let mut q = sqlx::query(
        "INSERT INTO platform_settings (id, quota_rate_bps, quota_floor, risk_per_minute, risk_per_hour, shop_risk_per_minute, shop_risk_per_hour, \
         risk_cooldown_secs, search_per_minute, search_budget_floor, search_budget_factor, session_idle_secs, retention_days, sms_per_order_day, sms_per_shop_day, \
         virtual_number_days, version, updated_at, updated_by) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16, 'initial') ON CONFLICT (id) DO NOTHING",
    );
    for x in v.in_order() {
        q = q.bind(x);
    }
    q.bind(now).execute(ex).await?;
    Ok(())
}

/// The row.
pub async fn read<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<SettingsRow, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM platform_settings WHERE id = 1")).fetch_one(ex).await
}

/// Write the rules if the row is still at `expected_version` (and bump it); returns the
/// rows changed (0: someone saved in between).
pub async fn update(conn: &mut AnyConnection, v: &RuleValues, now: i64, by: &str, expected_version: i64) -> Result<u64, sqlx::Error> {
    let mut q = sqlx::query(
        "UPDATE platform_settings SET quota_rate_bps = $1, quota_floor = $2, risk_per_minute = $3, risk_per_hour = $4, shop_risk_per_minute = $5, \
         shop_risk_per_hour = $6, risk_cooldown_secs = $7, search_per_minute = $8, search_budget_floor = $9, search_budget_factor = $10, \
         session_idle_secs = $11, retention_days = $12, sms_per_order_day = $13, sms_per_shop_day = $14, virtual_number_days = $15, \
         version = version + 1, updated_at = $16, updated_by = $17 WHERE id = 1 AND version = $18",
    );
    for x in v.in_order() {
        q = q.bind(x);
    }
    Ok(q.bind(now).bind(by).bind(expected_version).execute(conn).await?.rows_affected())
}
