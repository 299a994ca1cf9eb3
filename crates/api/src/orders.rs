//! Orders: their status, ingest bodies, the masked view and the list query.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

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
    /// The shop's product code; a product rule assigns orders with it to a factory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
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
    /// The order's data key was destroyed after the retention period: its receiver data can
    /// never be decrypted again (only the masks remain).
    #[serde(default)]
    pub shredded: bool,
    /// Carrier and tracking number, once shipped through OrderVeil (by hand, upload or
    /// e-waybill); `null` otherwise (also for orders the order system pushed as shipped).
    #[serde(default)]
    pub shipment: Option<crate::Shipment>,
    /// The factory the order is assigned to (厂商代发), while assigned and once it shipped it.
    #[serde(default)]
    pub assignment: Option<crate::OrderAssignment>,
    /// Buyer messages of the order's thread the shop has not read (飞鸽-style messages).
    #[serde(default)]
    pub unread_messages: u32,
}

/// `GET /api/v1/orders` query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams, ToSchema))]
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
