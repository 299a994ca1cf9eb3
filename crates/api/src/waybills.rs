//! E-waybill accounts, waybill allocation and the print grant.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The state of an e-waybill account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WaybillAccountStatus {
    /// Applied for; the platform has not decided.
    Pending,
    /// Approved: can be recharged and allocate waybills.
    Approved,
    /// Rejected by the platform (see the comment).
    Rejected,
}

/// An e-waybill account of a shop with a carrier's outlet (网点).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WaybillAccount {
    /// Id.
    pub id: i64,
    /// The shop (empty for a factory's account).
    pub shop_id: String,
    /// The factory, for a factory's account (厂商代发).
    #[serde(default)]
    pub factory_id: Option<String>,
    /// Carrier code (`GET /api/v1/carriers`).
    pub carrier: String,
    /// The outlet (网点) name or code.
    pub outlet: String,
    /// Sender name printed on labels (the shop's own, not a buyer's).
    pub sender_name: String,
    /// Sender phone printed on labels.
    pub sender_phone: String,
    /// Sender address printed on labels.
    pub sender_address: String,
    /// State.
    pub status: WaybillAccountStatus,
    /// Waybills left to allocate.
    pub balance: u64,
    /// Who applied.
    pub applied_by: String,
    /// Applied, RFC 3339.
    pub created_at: String,
    /// Who decided.
    pub decided_by: Option<String>,
    /// The platform's comment.
    pub comment: Option<String>,
}

/// `POST /api/v1/waybill-accounts`: apply for an account (shop owners).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WaybillAccountCreate {
    /// Carrier code.
    pub carrier: String,
    /// Outlet name or code, 1–60 characters.
    pub outlet: String,
    /// Sender name, 1–30 characters.
    pub sender_name: String,
    /// Sender phone (mobile or landline digits, `-` allowed).
    pub sender_phone: String,
    /// Sender address, 1–120 characters.
    pub sender_address: String,
}

/// `POST /api/v1/waybill-accounts/{id}/topups`: ask for waybill units (owners). Waybill
/// balance is bought: nothing raises it until the platform, standing in for the carrier's
/// outlet, confirms the payment (`POST /api/v1/waybill-topups/{id}/confirm`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WaybillTopupCreate {
    /// Waybills to add, 1–100000.
    pub units: u32,
    /// A note for the platform (e.g. the transfer's date), at most 200 characters.
    #[serde(default)]
    pub note: Option<String>,
}

/// The state of a top-up request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WaybillTopupStatus {
    /// Waiting for the platform.
    Pending,
    /// Payment confirmed; the units were added to the balance.
    Confirmed,
    /// Refused, with a comment.
    Rejected,
}

impl WaybillTopupStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Rejected => "rejected",
        }
    }
    /// Parse the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Confirmed, Self::Rejected].into_iter().find(|x| x.as_str() == s)
    }
}

/// A request to add units to an e-waybill account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WaybillTopup {
    /// Id.
    pub id: i64,
    /// The account.
    pub account_id: i64,
    /// Its shop (empty for a factory's top-up).
    pub shop_id: String,
    /// Its factory, for a factory's top-up.
    #[serde(default)]
    pub factory_id: Option<String>,
    /// Its carrier code.
    pub carrier: String,
    /// Its outlet.
    pub outlet: String,
    /// Units asked for.
    pub units: u32,
    /// The requester's note.
    pub note: Option<String>,
    /// State.
    pub status: WaybillTopupStatus,
    /// Who asked.
    pub requested_by: String,
    /// When, RFC 3339.
    pub requested_at: String,
    /// Who decided (a platform admin).
    pub decided_by: Option<String>,
    /// When, RFC 3339.
    pub decided_at: Option<String>,
    /// The amount paid, in fen (confirmed requests).
    pub amount_cents: Option<i64>,
    /// The payment's reference (bank transfer or outlet receipt number).
    pub payment_ref: Option<String>,
    /// The platform's comment (required to reject).
    pub comment: Option<String>,
    /// The account's balance after the confirmation.
    pub balance_after: Option<u64>,
}

/// `POST /api/v1/waybill-topups/{id}/confirm` (platform admins): the payment was received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WaybillTopupConfirm {
    /// The amount received, in fen (1 to 100,000,000).
    pub amount_cents: i64,
    /// The payment's reference, 1–64 characters.
    pub payment_ref: String,
    /// An optional comment.
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST /api/v1/waybills`: allocate waybills for orders awaiting shipment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WaybillAllocate {
    /// The approved account to take them from.
    pub account_id: i64,
    /// 1–50 orders.
    pub order_ids: Vec<String>,
    /// One waybill for all the orders (they must share `receiver_key` and state) instead of
    /// one per order.
    #[serde(default)]
    pub merge: bool,
}

/// The state of a waybill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WaybillStatus {
    /// Allocated, not printed yet (can be cancelled; the unit returns to the balance).
    Allocated,
    /// Printed at least once.
    Printed,
    /// Its orders shipped with it.
    Shipped,
    /// Cancelled before printing.
    Cancelled,
}

/// A waybill and its orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Waybill {
    /// The number, in the carrier's format.
    pub waybill_no: String,
    /// The account it came from.
    pub account_id: i64,
    /// Carrier code.
    pub carrier: String,
    /// State.
    pub status: WaybillStatus,
    /// Prints so far.
    pub print_count: u32,
    /// Prints allowed.
    pub print_limit: u32,
    /// The orders it ships (several when merged).
    pub order_ids: Vec<String>,
    /// The receiver they share.
    pub receiver_key: String,
    /// Allocated, RFC 3339.
    pub allocated_at: String,
    /// Who allocated it.
    pub allocated_by: String,
}

/// `POST /api/v1/print-grants`: the sealed field keys to print these waybills' labels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PrintGrantRequest {
    /// 1–50 waybills of the caller's shop, allocated or printed (at most 50 orders in all).
    pub waybill_nos: Vec<String>,
    /// The client's fresh X25519 public key, base64url without padding.
    pub client_public: String,
}

/// One order on a label: what the label shows besides the receiver, and its ciphertexts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LabelOrder {
    /// The order.
    pub order_id: String,
    /// `title×qty; …`.
    pub items: String,
    /// Name ciphertext.
    pub name_ct: String,
    /// Phone ciphertext.
    pub phone_ct: String,
    /// Address ciphertext.
    pub address_ct: String,
}

/// One label to print.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Label {
    /// The waybill number (also the barcode).
    pub waybill_no: String,
    /// Carrier code.
    pub carrier: String,
    /// Carrier name (Chinese).
    pub carrier_name: String,
    /// Sender name.
    pub sender_name: String,
    /// Sender phone.
    pub sender_phone: String,
    /// Sender address.
    pub sender_address: String,
    /// This print's number (1 = first print).
    pub print_no: u32,
    /// The orders on it (the grant binds each to this waybill).
    pub orders: Vec<LabelOrder>,
}

/// The print grant: sealed keys bound to the waybills, and the labels' other content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PrintGrantResponse {
    /// Grant id, hex.
    pub grant_id: String,
    /// The sealed grant (purpose `print`), base64url.
    pub sealed_grant: String,
    /// The shop.
    pub shop_id: String,
    /// The grant stops opening at this time, unix seconds.
    pub expires_at_unix: i64,
    /// One per waybill, in request order.
    pub labels: Vec<Label>,
}

/// `POST /api/v1/waybills/ship`: ship the orders of printed waybills with them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WaybillShip {
    /// 1–500 printed waybills.
    pub waybill_nos: Vec<String>,
}

/// What `POST /api/v1/waybills/ship` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WaybillShipped {
    /// The waybills, now `shipped`.
    pub waybills: Vec<Waybill>,
    /// Their orders, now `shipped` with the waybill number as tracking number.
    pub order_ids: Vec<String>,
}
