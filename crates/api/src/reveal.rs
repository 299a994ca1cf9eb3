//! Reveal grants: the request, its purpose, and the sealed grant returned.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::QuotaToday;

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
