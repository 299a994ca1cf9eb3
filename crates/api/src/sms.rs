//! Platform SMS: templates a shop submits and the platform approves, and messages sent
//! through the platform to orders' receivers without anyone seeing the number.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// What a template is for; marketing has extra rules (recent orders only, never at night).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SmsKind {
    /// Logistics notice (物流通知).
    Logistics,
    /// After-sales (售后).
    AfterSales,
    /// Care (关怀).
    Care,
    /// Marketing (营销).
    Marketing,
}

impl SmsKind {
    /// Every kind, in display order.
    pub const ALL: [SmsKind; 4] = [Self::Logistics, Self::AfterSales, Self::Care, Self::Marketing];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logistics => "logistics",
            Self::AfterSales => "after_sales",
            Self::Care => "care",
            Self::Marketing => "marketing",
        }
    }

    /// Parse the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A template version's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SmsTemplateStatus {
    /// Waiting for the platform.
    Pending,
    /// Approved: it can be sent (until a newer version of the same name is approved).
    Approved,
    /// Rejected with a comment.
    Rejected,
    /// Withdrawn by the shop while pending.
    Withdrawn,
    /// A newer version of the same name was approved.
    Superseded,
}

impl SmsTemplateStatus {
    /// Every state.
    pub const ALL: [SmsTemplateStatus; 5] = [Self::Pending, Self::Approved, Self::Rejected, Self::Withdrawn, Self::Superseded];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::Superseded => "superseded",
        }
    }

    /// Parse the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// `POST /api/v1/sms/templates`: a new template, or a new version of one (same name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SmsTemplateCreate {
    /// The template's name in the shop (1–40 characters); a name already used gets a new version.
    pub name: String,
    /// What it is for.
    pub kind: SmsKind,
    /// The text (1–300 characters) with variables `{order_id}`, `{carrier}`, `{tracking_no}`,
    /// `{shop_name}`; no phone numbers and no links except the platform's own.
    pub body: String,
}

/// A template version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SmsTemplate {
    /// Id (of this version).
    pub id: i64,
    /// The shop.
    pub shop_id: String,
    /// Name.
    pub name: String,
    /// Version, 1, 2, …
    pub version: i64,
    /// Kind.
    pub kind: SmsKind,
    /// Text.
    pub body: String,
    /// State.
    pub status: SmsTemplateStatus,
    /// Who submitted it.
    pub submitted_by: String,
    /// When, RFC 3339.
    pub submitted_at: String,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When, RFC 3339.
    pub decided_at: Option<String>,
    /// The platform's comment (required to reject).
    pub comment: Option<String>,
}

/// `GET /api/v1/sms/templates` filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
pub struct SmsTemplateQuery {
    /// Only this state.
    pub status: Option<SmsTemplateStatus>,
    /// Only this shop (platform admins).
    pub shop_id: Option<String>,
}

/// `POST /api/v1/sms/send` and `/api/v1/sms/preview`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SmsSend {
    /// An approved template version of the caller's shop.
    pub template_id: i64,
    /// The orders whose receivers get it (1–500, distinct).
    pub order_ids: Vec<String>,
}

/// One order's message as it will be sent: the filled text and the masked number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SmsPreview {
    /// The order.
    pub order_id: String,
    /// The masked number it goes to.
    pub phone_masked: String,
    /// The filled text.
    pub text: String,
}

/// An order that cannot get the message, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SmsRefusedOrder {
    /// The order as given.
    pub order_id: String,
    /// `order_not_found`, `order_shredded`, `order_daily_limit`, `marketing_order_too_old`.
    pub reason: String,
}

/// `POST /api/v1/sms/send`: the messages queued (one per order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SmsQueued {
    /// Outbox ids, in the order of `order_ids`.
    pub message_ids: Vec<i64>,
    /// How many were queued.
    pub queued: u32,
}

/// An outbox message's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SmsStatus {
    /// Waiting for the sender (or for its next attempt).
    Queued,
    /// Being handed to the gateway.
    Sending,
    /// The gateway accepted it.
    Sent,
    /// The last attempt failed; another follows.
    Failed,
    /// Every attempt failed, or the gateway refused it for good.
    GaveUp,
}

impl SmsStatus {
    /// Every state.
    pub const ALL: [SmsStatus; 5] = [Self::Queued, Self::Sending, Self::Sent, Self::Failed, Self::GaveUp];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::GaveUp => "gave_up",
        }
    }

    /// Parse the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A message of the shop's outbox (never the number, only its mask).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SmsMessage {
    /// Id.
    pub id: i64,
    /// The order.
    pub order_id: String,
    /// The template version.
    pub template_id: i64,
    /// Kind.
    pub kind: SmsKind,
    /// The filled text.
    pub text: String,
    /// The masked number.
    pub phone_masked: String,
    /// State.
    pub status: SmsStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// Queued by.
    pub created_by: String,
    /// Queued at, RFC 3339.
    pub created_at: String,
    /// Accepted by the gateway at, RFC 3339.
    pub sent_at: Option<String>,
}

/// `GET /api/v1/sms/outbox` filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
pub struct SmsOutboxQuery {
    /// Only this state.
    pub status: Option<SmsStatus>,
    /// Only this order.
    pub order_id: Option<String>,
    /// Page, from 1.
    pub page: Option<u32>,
    /// Per page, 1–200 (default 50).
    pub per_page: Option<u32>,
}

/// A page of the outbox, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SmsOutboxPage {
    /// The messages.
    pub messages: Vec<SmsMessage>,
    /// Total matching.
    pub total: u64,
    /// Page.
    pub page: u32,
    /// Per page.
    pub per_page: u32,
}

/// A virtual number (隐私号) bound to an order's receiver: calls to it reach the receiver
/// through the platform's telephony partner; the real number is never shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VirtualNumber {
    /// The order.
    pub order_id: String,
    /// The number to dial, e.g. `17000000001`.
    pub number: String,
    /// The extension to dial after it (empty for none).
    pub extension: String,
    /// For display, e.g. `170 0000 0001 转 1234`.
    pub display: String,
    /// Bound since, RFC 3339.
    pub valid_from: String,
    /// Bound until, RFC 3339: set once the order completes (completion + the platform's days).
    pub valid_to: Option<String>,
}

/// `POST /api/v1/admin/virtual-numbers`: add numbers `first..=last` (same length, ≤ 10,000
/// numbers) to the pool, each with `extensions` extensions `0001…` (0: no extension); at
/// most 100,000 entries a request. Entries already in the pool stay as they are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VirtualNumberRange {
    /// First number, digits only (e.g. `17000000000`).
    pub first: String,
    /// Last number.
    pub last: String,
    /// Extensions per number, 0–9999.
    pub extensions: u32,
}

/// The pool's size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VirtualNumberPool {
    /// Entries (number × extension).
    pub total: u64,
    /// Entries not bound now.
    pub free: u64,
    /// Entries the last request added.
    pub added: u64,
}

/// `GET /api/v1/telephony/virtual-numbers/{number}`: what the telephony partner's switch
/// asks when a call comes in (its own token only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TelephonyBinding {
    /// The order.
    pub order_id: String,
    /// Its shop.
    pub shop_id: String,
    /// The receiver's real number, to forward the call to.
    pub real_number: String,
    /// Bound since, RFC 3339.
    pub valid_from: String,
    /// Bound until, RFC 3339.
    pub valid_to: Option<String>,
}

/// `GET /api/v1/telephony/virtual-numbers/{number}` query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
pub struct TelephonyQuery {
    /// The extension dialled (empty or absent for none).
    pub extension: Option<String>,
}

/// Who wrote a message of an order's thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageSender {
    /// The buyer, through the platform's order system.
    Buyer,
    /// The shop (owner or staff).
    Shop,
    /// The factory the order is assigned to.
    Factory,
}

impl MessageSender {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Buyer => "buyer",
            Self::Shop => "shop",
            Self::Factory => "factory",
        }
    }

    /// Parse the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Buyer, Self::Shop, Self::Factory].into_iter().find(|k| k.as_str() == s)
    }
}

/// A message of an order's thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderMessage {
    /// Id (increasing).
    pub id: i64,
    /// The order.
    pub order_id: String,
    /// Who wrote it.
    pub sender: MessageSender,
    /// The writer's name as the other side sees it: 买家 / the shop's name / the factory's
    /// name for the buyer; the user name for the shop and the factory.
    pub author: String,
    /// The text.
    pub body: String,
    /// When, RFC 3339.
    pub created_at: String,
}

/// `POST …/messages`: a message (1–1000 characters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderMessageCreate {
    /// The text.
    pub body: String,
}

/// An order's thread, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderThread {
    /// The order.
    pub order_id: String,
    /// The messages (the last 500).
    pub messages: Vec<OrderMessage>,
    /// Messages from the other side the reader had not read before this request (reading
    /// marks them read).
    pub unread: u32,
}
