//! Transparency: the buyer's disclosure receipts (each time an order's receiver data left the
//! store, and through which path, by which kind of actor, for which purpose) and the
//! platform's exposure dashboard with its anomaly flags.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

use crate::AuditEntry;

/// How receiver data left the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DisclosurePath {
    /// A reveal grant: the fields were decrypted in the merchant's page or app.
    Reveal,
    /// A label print grant: name, phone and address printed on a shipping label.
    Print,
    /// A platform SMS to the receiver's phone.
    Sms,
    /// A virtual number (隐私号) bound to the receiver's phone.
    VirtualNumber,
    /// A receiver search that matched the order (it confirmed a guess about the data).
    SearchMatch,
}

impl DisclosurePath {
    /// Every path.
    pub const ALL: [Self; 5] = [Self::Reveal, Self::Print, Self::Sms, Self::VirtualNumber, Self::SearchMatch];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reveal => "reveal",
            Self::Print => "print",
            Self::Sms => "sms",
            Self::VirtualNumber => "virtual_number",
            Self::SearchMatch => "search_match",
        }
    }

    /// Parse the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Which kind of actor made a disclosure; a buyer never sees a staff member's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// The shop's owner account.
    Shop,
    /// A staff account of the shop.
    Staff,
    /// The dropshipping factory the order was assigned to (its owner or staff).
    Factory,
    /// An app the shop authorized (named).
    App,
    /// An app the factory authorized (named).
    FactoryApp,
}

impl ActorKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [Self::Shop, Self::Staff, Self::Factory, Self::App, Self::FactoryApp];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shop => "shop",
            Self::Staff => "staff",
            Self::Factory => "factory",
            Self::App => "app",
            Self::FactoryApp => "factory_app",
        }
    }

    /// Parse the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// One disclosure of an order's receiver data, as its buyer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DisclosureReceipt {
    /// Receipt id (stable).
    pub id: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Through which path.
    pub path: DisclosurePath,
    /// Which fields: `name`, `phone`, `address`.
    pub fields: Vec<String>,
    /// By which kind of actor.
    pub actor_kind: ActorKind,
    /// The app's name, for an app.
    pub app_name: Option<String>,
    /// The purpose stated (a reveal's purpose code, e.g. `ship`), or the path's own purpose
    /// (`print_label`, the SMS kind, `contact`, `search`).
    pub purpose: Option<String>,
}

/// A page of an order's receipts, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DisclosurePage {
    /// The order.
    pub order_id: String,
    /// Receipts, newest first.
    pub receipts: Vec<DisclosureReceipt>,
    /// Page, from 1.
    pub page: u32,
    /// Receipts per page.
    pub per_page: u32,
    /// All receipts of the order.
    pub total: u64,
}

/// Paging of the receipts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
pub struct DisclosureQuery {
    /// Page, from 1.
    pub page: Option<u32>,
    /// 1 to 100 (default 20).
    pub per_page: Option<u32>,
}

/// The buyer page's read: a signed link instead of a token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
pub struct SignedDisclosureQuery {
    /// The order.
    pub order_id: String,
    /// The link's end, unix seconds.
    pub expires: i64,
    /// `hex(HMAC-SHA256(link key, order_id "\n" expires))`.
    pub sig: String,
    /// Page, from 1.
    pub page: Option<u32>,
    /// 1 to 100 (default 20).
    pub per_page: Option<u32>,
}

/// A signed link to an order's buyer page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BuyerLink {
    /// The page, e.g. `https://…/buyer/?order_id=…&expires=…&sig=…`.
    pub url: String,
    /// The order.
    pub order_id: String,
    /// End of validity, unix seconds.
    pub expires_unix: i64,
    /// The signature.
    pub sig: String,
}

/// How long a buyer link lives.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BuyerLinkRequest {
    /// Days, 1 to 90 (default 30).
    pub days: Option<u32>,
}

// ---------------------------------------------------------------------------------------
// The exposure dashboard

/// One shop's counts on one day (Asia/Shanghai).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExposureDay {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Orders received.
    pub orders: i64,
    /// Orders revealed (a 50-order grant counts 50; repeats count).
    pub reveals: i64,
    /// Orders printed on labels.
    pub prints: i64,
    /// Search units charged.
    pub search_units: i64,
    /// Orders matched by searches.
    pub search_matches: i64,
    /// SMS queued to buyers.
    pub sms: i64,
    /// Virtual numbers bound.
    pub virtual_numbers: i64,
}

/// One shop's row of the dashboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExposureShop {
    /// The shop.
    pub shop_id: String,
    /// Its name.
    pub shop_name: String,
    /// Suspended by the platform.
    pub suspended: bool,
    /// Sums over the period (`day` is empty).
    pub totals: ExposureDay,
    /// Every day of the period, oldest first (days without activity are zeros).
    pub days: Vec<ExposureDay>,
    /// Flags of the period not yet decided.
    pub open_flags: u32,
}

/// The dashboard: shops with the most reveals over the period first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExposurePage {
    /// First day, `YYYY-MM-DD`.
    pub from_day: String,
    /// Last day (today, Asia/Shanghai), `YYYY-MM-DD`.
    pub to_day: String,
    /// Shops.
    pub shops: Vec<ExposureShop>,
    /// Page, from 1.
    pub page: u32,
    /// Shops per page.
    pub per_page: u32,
    /// Shops with any activity in the period (or the one asked for).
    pub total: u64,
}

/// The dashboard's query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
pub struct ExposureQuery {
    /// Only this shop.
    pub shop_id: Option<String>,
    /// Days, 1 to 90 (default 30).
    pub days: Option<u32>,
    /// Page, from 1.
    pub page: Option<u32>,
    /// 1 to 100 (default 20).
    pub per_page: Option<u32>,
}

/// The rule that raised a flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlagRule {
    /// A day's reveals far above the shop's own median of the days before.
    RevealSpike,
    /// Reveals of orders never shipped or serviced afterwards.
    UnshippedReveals,
    /// Reveals at night (Asia/Shanghai).
    NightBurst,
    /// Many search units with few matches: guessing.
    SearchGuessing,
    /// One account doing most of a shop's reveals.
    AccountConcentration,
}

impl FlagRule {
    /// Every rule.
    pub const ALL: [Self; 5] = [Self::RevealSpike, Self::UnshippedReveals, Self::NightBurst, Self::SearchGuessing, Self::AccountConcentration];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RevealSpike => "reveal_spike",
            Self::UnshippedReveals => "unshipped_reveals",
            Self::NightBurst => "night_burst",
            Self::SearchGuessing => "search_guessing",
            Self::AccountConcentration => "account_concentration",
        }
    }

    /// Parse the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Where a flag stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlagStatus {
    /// Raised, not yet decided.
    Open,
    /// An admin looked and acknowledged it with a comment.
    Acknowledged,
    /// An admin suspended the shop from it.
    Suspended,
}

impl FlagStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Open, Self::Acknowledged, Self::Suspended];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Acknowledged => "acknowledged",
            Self::Suspended => "suspended",
        }
    }

    /// Parse the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// An anomaly the server found in a shop's day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExposureFlag {
    /// Flag id.
    pub id: i64,
    /// The shop.
    pub shop_id: String,
    /// Its name.
    pub shop_name: String,
    /// The day (Asia/Shanghai), `YYYY-MM-DD`.
    pub day: String,
    /// The rule that raised it.
    pub rule: FlagRule,
    /// What the rule measured (reveals, percent, …; see `details`).
    pub measured: i64,
    /// The threshold it crossed.
    pub threshold: i64,
    /// The rule's facts: counts, the median, the account, the orders concerned.
    pub details: serde_json::Value,
    /// First raised, RFC 3339.
    pub raised_at: String,
    /// Where it stands.
    pub status: FlagStatus,
    /// The admin who decided.
    pub decided_by: Option<String>,
    /// When, RFC 3339.
    pub decided_at: Option<String>,
    /// The admin's comment.
    pub comment: Option<String>,
}

/// A page of flags, newest day first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FlagPage {
    /// Flags.
    pub flags: Vec<ExposureFlag>,
    /// Page, from 1.
    pub page: u32,
    /// Flags per page.
    pub per_page: u32,
    /// Matching flags.
    pub total: u64,
}

/// Which flags.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
pub struct FlagQuery {
    /// `open`, `acknowledged`, `suspended`.
    pub status: Option<String>,
    /// Only this shop.
    pub shop_id: Option<String>,
    /// Page, from 1.
    pub page: Option<u32>,
    /// 1 to 100 (default 20).
    pub per_page: Option<u32>,
}

/// A flag with the audit rows behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FlagDetail {
    /// The flag.
    pub flag: ExposureFlag,
    /// The audit rows behind it (newest first, at most 200).
    pub audit: Vec<AuditEntry>,
    /// How many rows are behind it in all.
    pub audit_total: u64,
}

/// An admin's decision on a flag.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FlagDecision {
    /// Why (required, 1 to 500 characters).
    pub comment: String,
}

/// What a scan did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ScanReport {
    /// Days looked at, `YYYY-MM-DD`.
    pub days: Vec<String>,
    /// Flags raised for the first time.
    pub raised: u32,
}

/// The flag rules' thresholds (a part of the platform settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(default)]
pub struct ExposureRules {
    /// `reveal_spike`: a day's reveals above this many times the shop's median day…
    pub spike_factor: u32,
    /// …and at least this many reveals.
    pub spike_min_reveals: u32,
    /// …the median over this many days before.
    pub spike_window_days: u32,
    /// `unshipped_reveals`: orders revealed at least this many days ago…
    pub unshipped_grace_days: u32,
    /// …at least this many of them never shipped nor serviced afterwards…
    pub unshipped_min_orders: u32,
    /// …and at least this percentage of the day's revealed orders.
    pub unshipped_min_pct: u32,
    /// `night_burst`: the night starts at this hour (Asia/Shanghai, 0–23)…
    pub night_start_hour: u32,
    /// …and ends at this hour (exclusive)…
    pub night_end_hour: u32,
    /// …and this many night reveals in a day raise a flag.
    pub night_min_reveals: u32,
    /// `search_guessing`: at least this many search units in a day…
    pub guess_min_units: u32,
    /// …with at most this percentage of them matching an order.
    pub guess_max_match_pct: u32,
    /// `account_concentration`: at least this many reveals in the shop's day…
    pub concentration_min_reveals: u32,
    /// …this percentage or more by one account…
    pub concentration_min_pct: u32,
    /// …in a shop where at least this many accounts revealed in the last 30 days.
    pub concentration_min_accounts: u32,
}

impl Default for ExposureRules {
    fn default() -> Self {
        Self {
            spike_factor: 5,
            spike_min_reveals: 50,
            spike_window_days: 30,
            unshipped_grace_days: 3,
            unshipped_min_orders: 20,
            unshipped_min_pct: 50,
            night_start_hour: 0,
            night_end_hour: 6,
            night_min_reveals: 100,
            guess_min_units: 200,
            guess_max_match_pct: 5,
            concentration_min_reveals: 100,
            concentration_min_pct: 80,
            concentration_min_accounts: 2,
        }
    }
}

/// The stored rules with their version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExposureRulesView {
    /// The rules.
    pub rules: ExposureRules,
    /// Version, for the next update.
    pub version: i64,
    /// When last changed, RFC 3339 (none: the defaults).
    pub updated_at: Option<String>,
    /// By whom.
    pub updated_by: Option<String>,
}

/// Change the rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExposureRulesUpdate {
    /// The new rules.
    pub rules: ExposureRules,
    /// The version read (`SETTINGS_CHANGED` if another admin saved in between).
    pub expected_version: i64,
}

/// The regulator export's request: a shop's disclosures for a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DisclosureExportQuery {
    /// The shop.
    pub shop_id: String,
    /// First day, `YYYY-MM-DD` (Asia/Shanghai).
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
}
