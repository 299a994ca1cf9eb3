//! The platform admin console: shops and their users, the platform's quota and risk settings,
//! and disabling ISV apps.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::{Permission, Role};

/// A shop as the platform admin sees it (`GET /api/v1/admin/shops`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ShopSummary {
    /// Shop id.
    pub shop_id: String,
    /// Display name.
    pub name: String,
    /// A suspended shop cannot reveal (`SHOP_SUSPENDED`); everything else keeps working.
    pub suspended: bool,
    /// Created, RFC 3339.
    pub created_at: String,
    /// The owner accounts' user names.
    pub owners: Vec<String>,
    /// Staff accounts (disabled ones included).
    pub staff: u64,
    /// Orders stored, all states.
    pub orders: u64,
    /// Reveals charged today (Asia/Shanghai).
    pub reveals_today: u64,
}

/// `POST /api/v1/admin/shops`: a new shop with its owner account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShopCreate {
    /// `[a-z0-9_-]{3,32}`, unique.
    pub shop_id: String,
    /// Display name, 1–60 characters.
    pub name: String,
    /// The owner's login name, `[a-z0-9_-]{3,32}`, unique across OrderVeil.
    pub owner_username: String,
    /// The owner's first password, at least 8 characters.
    pub owner_password: String,
}

/// `POST /api/v1/admin/shops/{shop_id}`: rename, suspend or resume.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShopUpdate {
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Suspend (`true`) or resume (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
    /// Why (recorded in the audit trail; required to suspend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A user of a shop (`GET /api/v1/admin/shops/{shop_id}/users`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ShopUser {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// `owner` or `staff`.
    pub role: Role,
    /// What the account may do.
    pub permissions: Vec<Permission>,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
    /// Created, RFC 3339.
    pub created_at: String,
}

/// The platform's quota and risk rules (`GET /api/v1/admin/settings`). Stored in the
/// database and re-read by every server process: by the reveal settler for each batch, by
/// the quota endpoints for each request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlatformSettings {
    /// Reveal rate in basis points of the last 30 days' orders (500 = 5 %), 0–10000.
    pub quota_rate_bps: u32,
    /// Minimum daily limit, 0–100000.
    pub quota_floor: u32,
    /// Orders revealed or printed per account per minute before a cool-down (a 50-order
    /// grant counts 50; free repeats count too), 1–100000.
    pub risk_per_minute: u32,
    /// Orders per account per hour, at least `risk_per_minute`, at most 1000000.
    pub risk_per_hour: u32,
    /// Orders revealed or printed by the whole shop (all its accounts and apps) per minute
    /// before the shop cools down, at least `risk_per_minute`, at most 1000000.
    pub shop_risk_per_minute: u32,
    /// Orders per shop per hour, at least `shop_risk_per_minute` and `risk_per_hour`, at most 10000000.
    pub shop_risk_per_hour: u32,
    /// Cool-down length in seconds, 60–604800 (7 days); reveals, prints and searches.
    pub risk_cooldown_secs: u32,
    /// Receiver search terms per account per minute before a cool-down, 1–10000.
    pub search_per_minute: u32,
    /// The shop's daily search budget is `max(search_budget_floor, search_budget_factor × today's reveal limit)`; floor 0–1000000.
    pub search_budget_floor: u32,
    /// Factor, 0–100.
    pub search_budget_factor: u32,
    /// A login session ends after this many seconds without a request, 300–43200 (its
    /// absolute lifetime is 12 h).
    pub session_idle_secs: u32,
    /// Orders completed or cancelled longer ago than this many days lose their keys
    /// (crypto-shredding: reveal and print answer `ORDER_SHREDDED`, the masks stay), 16–3650.
    pub retention_days: u32,
    /// SMS to one order's receiver per day (Asia/Shanghai), 1–20.
    pub sms_per_order_day: u32,
    /// SMS of one shop per day, 1–10000000.
    pub sms_per_shop_day: u32,
    /// Days a virtual number stays bound after its order completes, 1–90.
    pub virtual_number_days: u32,
    /// Incremented by every change; send it back as `expected_version`.
    pub version: i64,
    /// Last change, RFC 3339.
    pub updated_at: String,
    /// Who made it (`initial` for the values the store started with).
    pub updated_by: String,
}

/// `PUT /api/v1/admin/settings`: new values, applied only if nobody changed them since
/// `expected_version` was read (`SETTINGS_CHANGED` otherwise).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlatformSettingsUpdate {
    /// See [`PlatformSettings::quota_rate_bps`].
    pub quota_rate_bps: u32,
    /// See [`PlatformSettings::quota_floor`].
    pub quota_floor: u32,
    /// See [`PlatformSettings::risk_per_minute`].
    pub risk_per_minute: u32,
    /// See [`PlatformSettings::risk_per_hour`].
    pub risk_per_hour: u32,
    /// See [`PlatformSettings::shop_risk_per_minute`].
    pub shop_risk_per_minute: u32,
    /// See [`PlatformSettings::shop_risk_per_hour`].
    pub shop_risk_per_hour: u32,
    /// See [`PlatformSettings::risk_cooldown_secs`].
    pub risk_cooldown_secs: u32,
    /// See [`PlatformSettings::search_per_minute`].
    pub search_per_minute: u32,
    /// See [`PlatformSettings::search_budget_floor`].
    pub search_budget_floor: u32,
    /// See [`PlatformSettings::search_budget_factor`].
    pub search_budget_factor: u32,
    /// See [`PlatformSettings::session_idle_secs`]; left out, the stored value stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_idle_secs: Option<u32>,
    /// See [`PlatformSettings::retention_days`]; left out, the stored value stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// See [`PlatformSettings::sms_per_order_day`]; left out, the stored value stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_per_order_day: Option<u32>,
    /// See [`PlatformSettings::sms_per_shop_day`]; left out, the stored value stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_per_shop_day: Option<u32>,
    /// See [`PlatformSettings::virtual_number_days`]; left out, the stored value stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_number_days: Option<u32>,
    /// The `version` the change was based on.
    pub expected_version: i64,
}

/// `POST /api/v1/isv-apps/{app_id}`: disable or re-enable an app (platform admins). A
/// disabled app's tokens stop working on their next request and it cannot get new ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IsvAppUpdate {
    /// Disable (`true`) or enable (`false`).
    pub disabled: bool,
}
