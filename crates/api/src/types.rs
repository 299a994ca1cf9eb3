//! Request and response bodies.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// A user's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Platform administrator.
    Admin,
    /// Shop owner (merchant).
    Owner,
    /// Staff sub-account of a shop.
    Staff,
    /// Dropshipping factory user.
    Factory,
}

impl Role {
    /// `admin`, `owner`, `staff`, `factory`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Owner => "owner",
            Self::Staff => "staff",
            Self::Factory => "factory",
        }
    }
    /// Parse the name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "admin" => Self::Admin,
            "owner" => Self::Owner,
            "staff" => Self::Staff,
            "factory" => Self::Factory,
            _ => return None,
        })
    }
}

/// What a staff account may do; owners have all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the (masked) order list.
    View,
    /// Reveal fields with the eye icon.
    Reveal,
    /// Print labels.
    Print,
    /// Ship orders.
    Ship,
    /// Export orders.
    Export,
    /// Assign orders to factories.
    Assign,
    /// Send SMS to buyers through the platform.
    Sms,
    /// Apply for quota raises.
    Quota,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 8] = [
        Self::View,
        Self::Reveal,
        Self::Print,
        Self::Ship,
        Self::Export,
        Self::Assign,
        Self::Sms,
        Self::Quota,
    ];
    /// The name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Reveal => "reveal",
            Self::Print => "print",
            Self::Ship => "ship",
            Self::Export => "export",
            Self::Assign => "assign",
            Self::Sms => "sms",
            Self::Quota => "quota",
        }
    }
    /// Parse the name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The state of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Not paid yet: never revealable.
    Unpaid,
    /// Paid, waiting to be shipped.
    AwaitingShipment,
    /// Shipped.
    Shipped,
    /// In after-sales (return, exchange, repair).
    AfterSale,
    /// Completed (revealable for 15 days after completion).
    Completed,
    /// Cancelled: never revealable.
    Cancelled,
    /// Closed: never revealable.
    Closed,
}

impl OrderStatus {
    /// Every status.
    pub const ALL: [OrderStatus; 7] = [
        Self::Unpaid,
        Self::AwaitingShipment,
        Self::Shipped,
        Self::AfterSale,
        Self::Completed,
        Self::Cancelled,
        Self::Closed,
    ];
    /// The name used in JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unpaid => "unpaid",
            Self::AwaitingShipment => "awaiting_shipment",
            Self::Shipped => "shipped",
            Self::AfterSale => "after_sale",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Closed => "closed",
        }
    }
    /// Parse the name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Does the state allow a reveal at `now` (unix seconds)? While the order needs
    /// fulfilment or after-sales: awaiting shipment, shipped, in after-sales, or completed up
    /// to [`COMPLETED_REVEAL_WINDOW_SECS`] ago; never unpaid, cancelled or closed.
    pub fn allows_reveal(self, completed_at: Option<i64>, now: i64) -> bool {
        match self {
            Self::AwaitingShipment | Self::Shipped | Self::AfterSale => true,
            Self::Completed => completed_at.is_some_and(|c| now - c <= COMPLETED_REVEAL_WINDOW_SECS),
            Self::Unpaid | Self::Cancelled | Self::Closed => false,
        }
    }

    /// Does the state allow printing a label (and allocating a waybill)? Only while the order
    /// awaits shipment: a label is printed to ship, and a print of any other order would be a
    /// reveal outside the quota.
    pub fn allows_print(self) -> bool {
        self == Self::AwaitingShipment
    }
}

/// Completed orders stay revealable this long after completion (15 days).
pub const COMPLETED_REVEAL_WINDOW_SECS: i64 = 15 * 86_400;

/// `POST /api/v1/auth/login`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// The logged-in user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserInfo {
    /// User id.
    pub id: i64,
    /// User name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// The user's shop (owners and staff).
    pub shop_id: Option<String>,
    /// The user's factory (factory users).
    pub factory_id: Option<String>,
    /// Effective permissions.
    pub permissions: Vec<Permission>,
}

/// Response of login and of `GET /api/v1/me`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionInfo {
    /// The user.
    pub user: UserInfo,
    /// Send back as `X-CSRF-Token` on every state-changing request made with the cookie.
    pub csrf_token: String,
}

/// Line items as one line, `title×qty; title×qty` (exports, labels).
pub fn items_summary(items: &[Item]) -> String {
    items.iter().map(|i| format!("{}×{}", i.title, i.quantity)).collect::<Vec<_>>().join("; ")
}

/// One line item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Product title.
    pub title: String,
    /// Quantity.
    pub quantity: u32,
    /// Unit price in fen.
    pub price_cents: i64,
}

/// Plaintext receiver information, only ever in an ingest request.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceiverIn {
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
}

impl std::fmt::Debug for ReceiverIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReceiverIn([plaintext redacted])")
    }
}

/// One order pushed by the platform's order system.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IngestOrder {
    /// Order id (`[A-Za-z0-9_-]{1,64}`).
    pub order_id: String,
    /// Shop id.
    pub shop_id: String,
    /// Status.
    pub status: OrderStatus,
    /// Creation time, RFC 3339.
    pub created_at: String,
    /// Completion time, RFC 3339, for completed orders.
    #[serde(default)]
    pub completed_at: Option<String>,
    /// Items.
    pub items: Vec<Item>,
    /// Total in fen.
    pub amount_cents: i64,
    /// Plaintext receiver: encrypted on arrival, never stored.
    pub receiver: ReceiverIn,
}

/// `POST /api/v1/orders/ingest`: up to 500 orders.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IngestRequest {
    /// The orders.
    pub orders: Vec<IngestOrder>,
}

/// Result of an ingest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IngestResponse {
    /// Orders stored now.
    pub created: u32,
    /// Orders already stored (idempotent repeat); their status was updated if it changed.
    pub existing: u32,
}

/// Masked or ciphertext receiver fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReceiverFields {
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
}

/// An order as merchants see it: no plaintext receiver data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderView {
    /// Order id.
    pub order_id: String,
    /// Shop id.
    pub shop_id: String,
    /// Status.
    pub status: OrderStatus,
    /// Creation time, RFC 3339.
    pub created_at: String,
    /// Completion time, RFC 3339.
    pub completed_at: Option<String>,
    /// Items.
    pub items: Vec<Item>,
    /// Total in fen.
    pub amount_cents: i64,
    /// Masked receiver (`张*`, `138****5678`, `浙江省杭州市西湖区****`).
    pub masked: ReceiverFields,
    /// Field ciphertexts (`#…#…#1##`, `$…$…$1$$`, `~…~…~1~~`).
    pub ciphertext: ReceiverFields,
    /// Per-shop receiver key for merging shipments.
    pub receiver_key: String,
    /// Whether the order's state allows a reveal now.
    pub revealable: bool,
    /// Carrier and tracking number, once shipped through OrderVeil (by hand, upload or
    /// e-waybill); `null` otherwise (also for orders the order system pushed as shipped).
    #[serde(default)]
    pub shipment: Option<crate::Shipment>,
}

/// `GET /api/v1/orders` query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// Page, from 1.
    pub page: Option<u32>,
    /// Rows per page, 1–200 (default 20).
    pub per_page: Option<u32>,
    /// Filter by status.
    pub status: Option<OrderStatus>,
    /// Exact order id.
    pub order_id: Option<String>,
    /// Full phone number (exact, through the blind index).
    pub phone: Option<String>,
    /// Last 4 digits of the phone.
    pub phone_last4: Option<String>,
    /// Name fragment (through the fuzzy blind index).
    pub name: Option<String>,
    /// Address fragment (through the fuzzy blind index).
    pub address: Option<String>,
    /// Shop (platform admins only; others always see their own shop).
    pub shop_id: Option<String>,
}

/// A page of orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderPage {
    /// The orders, newest first.
    pub orders: Vec<OrderView>,
    /// Page number.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
    /// Matching orders in all pages. Fuzzy searches may include false positives by design.
    pub total: u64,
}

/// `POST /api/v1/reveal-grants`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RevealGrantRequest {
    /// 1 to 50 orders of one shop.
    pub order_ids: Vec<String>,
    /// `phone`, `name`, `address` (at least one).
    pub fields: Vec<String>,
    /// The page's X25519 public key, base64url (32 bytes).
    pub client_public: String,
    /// Why the receiver data is needed: one of [`RevealPurpose`]'s names. Missing or unknown
    /// → `PURPOSE_INVALID` (400). Kept as text so that a missing or misspelt purpose gets its
    /// own code instead of a generic validation error.
    #[serde(default)]
    pub purpose: Option<String>,
    /// Required with `other` (1–200 characters, no phone numbers); optional otherwise.
    #[serde(default)]
    pub purpose_note: Option<String>,
}

/// The purpose of a reveal, from a fixed list like the platforms' decrypt scenes (Taobao's
/// 解密场景). Every reveal names one; it is audited and filterable, and an app's authorization
/// lists the purposes it may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RevealPurpose {
    /// Shipping by hand (writing a label, calling a courier).
    ManualShipping,
    /// After-sales: returns, exchanges, repairs.
    AfterSales,
    /// A customer-service call to the buyer.
    CustomerService,
    /// Installation or delivery appointments.
    InstallationDelivery,
    /// Issuing virtual goods (codes, top-ups) to the buyer's phone.
    VirtualGoods,
    /// Dropshipping through a factory.
    Dropshipping,
    /// Anything else, with a note.
    Other,
}

impl RevealPurpose {
    /// Every purpose, in the order the UI lists them.
    pub const ALL: [RevealPurpose; 7] = [
        Self::ManualShipping,
        Self::AfterSales,
        Self::CustomerService,
        Self::InstallationDelivery,
        Self::VirtualGoods,
        Self::Dropshipping,
        Self::Other,
    ];
    /// Most characters of a purpose note.
    pub const NOTE_MAX_CHARS: usize = 200;

    /// The wire name, e.g. `manual_shipping`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ManualShipping => "manual_shipping",
            Self::AfterSales => "after_sales",
            Self::CustomerService => "customer_service",
            Self::InstallationDelivery => "installation_delivery",
            Self::VirtualGoods => "virtual_goods",
            Self::Dropshipping => "dropshipping",
            Self::Other => "other",
        }
    }

    /// Parse a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::ManualShipping => "手工发货",
            Self::AfterSales => "售后处理",
            Self::CustomerService => "客服回访",
            Self::InstallationDelivery => "安装配送",
            Self::VirtualGoods => "虚拟商品发放",
            Self::Dropshipping => "厂商代发",
            Self::Other => "其他",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::ManualShipping => "Manual shipping",
            Self::AfterSales => "After-sales",
            Self::CustomerService => "Customer service call",
            Self::InstallationDelivery => "Installation / delivery",
            Self::VirtualGoods => "Virtual goods",
            Self::Dropshipping => "Dropshipping",
            Self::Other => "Other",
        }
    }
}

/// Why a purpose note is refused, if it is: empty where required, too long, or carrying
/// something that looks like a phone number (7 or more digits in a row) — a note is stored in
/// the audit trail and must never hold receiver data.
pub fn purpose_note_problem(purpose: RevealPurpose, note: Option<&str>) -> Option<&'static str> {
    let note = note.map(str::trim).unwrap_or("");
    if note.is_empty() {
        return (purpose == RevealPurpose::Other).then_some("note_required");
    }
    if note.chars().count() > RevealPurpose::NOTE_MAX_CHARS {
        return Some("note_too_long");
    }
    if note.chars().any(char::is_control) {
        return Some("note_control_characters");
    }
    let mut run = 0;
    for c in note.chars() {
        run = if c.is_ascii_digit() || ('０'..='９').contains(&c) { run + 1 } else if matches!(c, ' ' | '-') && run > 0 { run } else { 0 };
        if run >= 7 {
            return Some("note_has_phone_number");
        }
    }
    None
}

/// The quota of one shop on one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct QuotaToday {
    /// Shop.
    pub shop_id: String,
    /// Calendar day in Asia/Shanghai, `YYYY-MM-DD`.
    pub day: String,
    /// Orders charged today.
    pub used: u32,
    /// Today's limit = base + extra.
    pub limit: u32,
    /// `max(floor, ceil(rate × orders of the last 30 days / 30))`.
    pub base: u32,
    /// Approved extras active today.
    pub extra: u32,
    /// Platform rate, e.g. 0.05.
    pub rate: f64,
    /// Platform floor.
    pub floor: u32,
    /// `limit - used`, never negative.
    pub remaining: u32,
    /// Orders of the last 30 days that the base is computed from.
    pub orders_last_30_days: u64,
    /// The platform suspended the shop: no reveal is granted until it is resumed.
    #[serde(default)]
    pub shop_suspended: bool,
    /// Search units (receiver-field search terms: phone, name, address) used today by the
    /// whole shop. Order-id and last-4 searches are free.
    #[serde(default)]
    pub search_used: u32,
    /// Today's search budget: `max(floor, factor × limit)` (platform settings).
    #[serde(default)]
    pub search_budget: u32,
    /// `search_budget - search_used`, never negative.
    #[serde(default)]
    pub search_remaining: u32,
}

/// A sealed grant and what it cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RevealGrantResponse {
    /// Grant id (32 hex digits), also in the audit trail.
    pub grant_id: String,
    /// The sealed grant, base64url; opens only with the request's client secret.
    pub sealed_grant: String,
    /// Shop of the orders.
    pub shop_id: String,
    /// Expiry, unix seconds.
    pub expires_at_unix: i64,
    /// Orders charged by this request (first reveal today).
    pub charged_order_ids: Vec<String>,
    /// Orders already charged today (free re-reveal).
    pub free_order_ids: Vec<String>,
    /// The quota after the charge.
    pub quota: QuotaToday,
}

/// One day of quota history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct QuotaDay {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Orders charged.
    pub used: u32,
}

/// `GET /api/v1/quota`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct QuotaResponse {
    /// Today.
    pub today: QuotaToday,
    /// The last 30 days, oldest first, today included.
    pub history: Vec<QuotaDay>,
    /// Today's approved extras with their sources (`today.extra` is their sum).
    #[serde(default)]
    pub extras: Vec<crate::QuotaExtraSource>,
}

/// `GET /api/v1/audit` query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Page, from 1.
    pub page: Option<u32>,
    /// Rows per page, 1–200 (default 50).
    pub per_page: Option<u32>,
    /// Shop (admins only).
    pub shop_id: Option<String>,
    /// Actor user name.
    pub actor: Option<String>,
    /// Action, e.g. `reveal`.
    pub action: Option<String>,
    /// An order the event concerns.
    pub order_id: Option<String>,
    /// `ok` or `refused`.
    pub outcome: Option<String>,
    /// From (inclusive), RFC 3339.
    pub from: Option<String>,
    /// To (exclusive), RFC 3339.
    pub to: Option<String>,
    /// Only reveals made for this purpose (a [`RevealPurpose`] name).
    pub purpose: Option<String>,
}

/// One audit event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEntry {
    /// Row id.
    pub id: i64,
    /// Hash chain (`shop:<id>` or `platform`).
    pub chain: String,
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Acting user name (or `order-system`, `app:<id>`).
    pub actor: String,
    /// Shop concerned.
    pub shop_id: Option<String>,
    /// Action, e.g. `reveal`, `login`, `ingest`.
    pub action: String,
    /// Outcome: `ok` or `refused`.
    pub outcome: String,
    /// Error code of a refusal.
    pub code: Option<String>,
    /// Orders concerned.
    pub order_ids: Vec<String>,
    /// Further facts (fields, grant id, charged orders); never plaintext.
    pub details: serde_json::Value,
    /// This row's hash (hex).
    pub hash: String,
}

/// A page of audit events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditPage {
    /// Events, newest first.
    pub entries: Vec<AuditEntry>,
    /// Page.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
    /// Matching events.
    pub total: u64,
}

/// What an ISV app's access token may do for the shop that authorized it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Scope {
    /// Read the shop's masked orders and ciphertext; batch masking and search-index tokens.
    #[serde(rename = "orders.read")]
    OrdersRead,
    /// Ask for reveal grants (charged to the shop's quota).
    #[serde(rename = "reveal")]
    Reveal,
    /// Print labels (print grants).
    #[serde(rename = "print")]
    Print,
    /// Ship orders.
    #[serde(rename = "ship")]
    Ship,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 4] = [Self::OrdersRead, Self::Reveal, Self::Print, Self::Ship];
    /// The name (`orders.read`, `reveal`, `print`, `ship`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrdersRead => "orders.read",
            Self::Reveal => "reveal",
            Self::Print => "print",
            Self::Ship => "ship",
        }
    }
    /// Parse the name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Most web origins an ISV app registers.
pub const ISV_MAX_ORIGINS: usize = 10;

/// Is `o` a web origin an ISV app may register: `http(s)://host[:port]` in lower case and
/// nothing else (no path, no trailing slash, no wildcard)? The server refuses any other
/// (`VALIDATION_FAILED`); the web app checks the same rule before sending the form.
pub fn valid_origin(o: &str) -> bool {
    let Some(rest) = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://")) else { return false };
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok_and(|n| n > 0));
    host_ok && port_ok
}

/// `POST /api/v1/admin/isv-apps`: register a third-party app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IsvAppCreate {
    /// Display name (1–64 characters).
    pub name: String,
    /// Web origins allowed to call the API from a browser and to embed the isolated reveal
    /// frame, e.g. `https://erp.example.com` (scheme, host and port; at most 10).
    pub origins: Vec<String>,
}

/// A registered app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IsvApp {
    /// App id (`app_…`).
    pub app_id: String,
    /// Display name.
    pub name: String,
    /// Allowed web origins.
    pub origins: Vec<String>,
    /// Disabled by the platform (its tokens stop working).
    pub disabled: bool,
    /// Registered, RFC 3339.
    pub created_at: String,
}

/// Answer to a registration: the secret is shown this once and stored only as a hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IsvAppCreated {
    /// The app.
    pub app: IsvApp,
    /// The app secret for the token endpoint (`ovas_…`).
    pub app_secret: String,
}

/// `POST /api/v1/shop/isv-authorizations`: a shop owner authorizes an app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IsvAuthorizationCreate {
    /// The app.
    pub app_id: String,
    /// What it may do (at least one).
    pub scopes: Vec<Scope>,
    /// With the `reveal` scope: the purposes it may reveal for (at least one).
    #[serde(default)]
    pub purposes: Vec<RevealPurpose>,
}

/// An app's authorization for a shop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IsvAuthorization {
    /// Id.
    pub id: i64,
    /// The app.
    pub app_id: String,
    /// Its name.
    pub app_name: String,
    /// The shop.
    pub shop_id: String,
    /// Granted scopes.
    pub scopes: Vec<Scope>,
    /// The purposes the app may reveal for (empty without the `reveal` scope).
    #[serde(default)]
    pub purposes: Vec<RevealPurpose>,
    /// Granted by (user name).
    pub granted_by: String,
    /// When, RFC 3339.
    pub created_at: String,
    /// Revoked when, RFC 3339 (tokens stop working at once).
    pub revoked_at: Option<String>,
}

/// `POST /api/v1/isv/token`: client credentials for a shop, or a refresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `client_credentials` or `refresh_token`.
    pub grant_type: String,
    /// The app id.
    pub app_id: String,
    /// The app secret.
    pub app_secret: String,
    /// The shop (client credentials).
    #[serde(default)]
    pub shop_id: Option<String>,
    /// The refresh token (refresh).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Scopes wanted; default all that the shop granted.
    #[serde(default)]
    pub scopes: Option<Vec<Scope>>,
}

/// A short-lived access token and its refresh token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenResponse {
    /// `Authorization: Bearer <access_token>` (`ovat_…`).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// One-time refresh token (`ovrt_…`); a refresh replaces it.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
    /// The token's scopes.
    pub scopes: Vec<Scope>,
    /// The shop.
    pub shop_id: String,
}

/// One ciphertext an ISV stores, to be masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MaskItem {
    /// The order the ciphertext belongs to.
    pub order_id: String,
    /// A field ciphertext (`#…##`, `$…$$`, `~…~~`).
    pub ciphertext: String,
}

/// `POST /api/v1/isv/batch-mask` (≤ 50 items).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchMaskRequest {
    /// The ciphertexts.
    pub items: Vec<MaskItem>,
}

/// A masked ciphertext.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MaskedItem {
    /// The order.
    pub order_id: String,
    /// `name`, `phone` or `address`.
    pub field: String,
    /// The masked text.
    pub masked: String,
}

/// Answer of batch masking, in request order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BatchMaskResponse {
    /// One per item.
    pub items: Vec<MaskedItem>,
}

/// A plaintext search term.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SearchTerm {
    /// `name`, `phone` or `address`.
    pub field: String,
    /// What the user typed: a full phone number, or a name or address fragment.
    pub value: String,
}

/// `POST /api/v1/isv/search-index` (≤ 50 terms).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SearchIndexRequest {
    /// The terms.
    pub items: Vec<SearchTerm>,
}

/// The blind-index tokens of one term under the shop's index key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SearchIndexItem {
    /// The field.
    pub field: String,
    /// Tokens (base64url) to look for in the index segment of stored ciphertexts. Phone: one
    /// token, and a ciphertext matches when its index segment equals it. Name/address: one
    /// 4-character token per window of the fragment (2 CJK or 4 half-width characters), and
    /// a ciphertext matches when its index segment holds every one of them at a multiple of
    /// 4 characters. Empty: the term is too short to narrow the search.
    pub tokens: Vec<String>,
}

/// Answer of the search-index helper, in request order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SearchIndexResponse {
    /// One per term.
    pub items: Vec<SearchIndexItem>,
}

#[cfg(test)]
mod tests {
    use super::valid_origin;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for ok in ["https://erp.example.com", "http://127.0.0.1:8081", "http://localhost:3000", "https://a-b.c"] {
            assert!(valid_origin(ok), "{ok}");
        }
        for bad in ["", "erp.example.com", "ftp://x.com", "https://x.com/", "https://x.com/path", "https://X.com", "https://x.com:0", "https://x.com:99999", "https://", "https://x..com", "https://x.com:", "null", "https://*.x.com"] {
            assert!(!valid_origin(bad), "{bad}");
        }
    }
}
