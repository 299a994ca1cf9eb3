//! Factory dropshipping (厂商代发): factories, bindings between shops and factories, order
//! assignments and product rules, and the factory's view of its assigned orders.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

use crate::{Item, OrderQuery, OrderStatus, ReceiverFields, Shipment};

/// A factory: a tenant of its own, with an owner (role `factory`) and staff (`factory_staff`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Factory {
    /// Factory id (`[a-z0-9_-]{3,32}`).
    pub factory_id: String,
    /// Display name.
    pub name: String,
    /// Suspended by the platform: its users still read, but act on nothing
    /// (`FACTORY_SUSPENDED`), and shops cannot assign orders to it.
    pub suspended: bool,
    /// Created, RFC 3339.
    pub created_at: String,
}

/// `POST /api/v1/admin/factories`: a factory and its owner account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FactoryCreate {
    /// Factory id (`[a-z0-9_-]{3,32}`).
    pub factory_id: String,
    /// Display name (1–64 characters).
    pub name: String,
    /// The owner's user name.
    pub owner_username: String,
    /// The owner's password (the password rules apply).
    pub owner_password: String,
}

/// `POST /api/v1/admin/factories/{factory_id}/suspend` and `…/resume` (platform admins): why.
/// Suspending needs a reason (1–200 characters); resuming takes an optional comment.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FactorySuspension {
    /// The reason (suspend) or comment (resume), kept in the audit trail.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The state of a binding between a shop and a factory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BindingStatus {
    /// The shop invited the factory; the factory has not answered.
    Invited,
    /// Accepted: the shop may assign orders to the factory.
    Active,
    /// The factory declined the invitation.
    Declined,
    /// Ended by either side; its open assignments were recalled.
    Ended,
}

impl BindingStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Active => "active",
            Self::Declined => "declined",
            Self::Ended => "ended",
        }
    }
    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Invited, Self::Active, Self::Declined, Self::Ended].into_iter().find(|b| b.as_str() == s)
    }
}

/// A binding between a shop and a factory, as both sides list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Binding {
    /// Binding id.
    pub id: i64,
    /// The shop.
    pub shop_id: String,
    /// The shop's name.
    pub shop_name: String,
    /// The factory.
    pub factory_id: String,
    /// The factory's name.
    pub factory_name: String,
    /// State.
    pub status: BindingStatus,
    /// Who invited (a user name of the shop).
    pub invited_by: String,
    /// Invited, RFC 3339.
    pub invited_at: String,
    /// Accepted or declined, RFC 3339.
    pub decided_at: Option<String>,
    /// Ended, RFC 3339.
    pub ended_at: Option<String>,
    /// Who ended it.
    pub ended_by: Option<String>,
    /// Orders assigned under it and not yet shipped or recalled.
    pub open_assignments: u64,
}

/// `POST /api/v1/factory-bindings`: a shop owner invites a factory by its id.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BindingInvite {
    /// The factory's id (the factory tells the shop).
    pub factory_id: String,
}

/// The answer to ending a binding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BindingEnded {
    /// The binding, now ended.
    pub binding: Binding,
    /// Open assignments recalled with it.
    pub recalled: u64,
}

/// `POST /api/v1/assignments`: assign awaiting-shipment orders to a bound factory, by
/// selection (`order_ids`) or by the order list's filter (`filter`: the same fields as
/// `GET /api/v1/orders`; `page`, `per_page` and `shop_id` are ignored). At most 5,000 orders;
/// all or nothing: if any order cannot be assigned, none is, and every refused order is
/// listed with its reason (`ORDER_NOT_ASSIGNABLE`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The factory (bound to the shop, binding active).
    pub factory_id: String,
    /// The orders, by id.
    #[serde(default)]
    pub order_ids: Vec<String>,
    /// Or the orders of a filter.
    #[serde(default)]
    pub filter: Option<OrderQuery>,
}

/// What an assignment did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AssignResult {
    /// Orders assigned.
    pub assigned: u64,
    /// Their ids.
    pub order_ids: Vec<String>,
}

/// `POST /api/v1/assignments/recall`: take orders back from their factory (until they ship);
/// all or nothing (`ASSIGNMENT_STATE_CONFLICT` lists the orders that have no open assignment).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecallRequest {
    /// The orders (at most 5,000).
    pub order_ids: Vec<String>,
}

/// What a recall did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecallResult {
    /// Orders recalled.
    pub recalled: u64,
}

/// The state of an order's assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// With the factory, not shipped.
    Assigned,
    /// Taken back by the shop (or by the binding's end).
    Recalled,
    /// Shipped by the factory.
    Shipped,
}

impl AssignmentStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::Recalled => "recalled",
            Self::Shipped => "shipped",
        }
    }
    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Assigned, Self::Recalled, Self::Shipped].into_iter().find(|b| b.as_str() == s)
    }
}

/// An order's assignment, on the shop's order view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderAssignment {
    /// The factory.
    pub factory_id: String,
    /// Its name.
    pub factory_name: String,
    /// Assigned or shipped (a recalled assignment is not shown).
    pub status: AssignmentStatus,
    /// Assigned, RFC 3339.
    pub assigned_at: String,
}

/// A product rule: new orders with an item of this SKU go to the factory at ingest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AssignmentRule {
    /// The SKU (an item's `sku`).
    pub sku: String,
    /// The factory.
    pub factory_id: String,
    /// Its name.
    pub factory_name: String,
    /// Who set it.
    pub created_by: String,
    /// When, RFC 3339.
    pub created_at: String,
}

/// `PUT /api/v1/assignment-rules`: set (or replace) the rule of a SKU.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignmentRuleSet {
    /// The SKU (1–64 characters).
    pub sku: String,
    /// A factory bound to the shop (binding active).
    pub factory_id: String,
}

/// An order as its factory sees it: masked fields, items, the receiver key to merge by, the
/// shop's name; never a ciphertext or a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FactoryOrder {
    /// Order id.
    pub order_id: String,
    /// The shop.
    pub shop_id: String,
    /// The shop's name.
    pub shop_name: String,
    /// The order's status.
    pub status: OrderStatus,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Items.
    pub items: Vec<Item>,
    /// Masked receiver.
    pub masked: ReceiverFields,
    /// Per-shop receiver key: orders of one shop with the same key can share a waybill.
    pub receiver_key: String,
    /// Assignment state.
    pub assignment: AssignmentStatus,
    /// Assigned, RFC 3339.
    pub assigned_at: String,
    /// Carrier and tracking number once shipped.
    pub shipment: Option<Shipment>,
    /// The live waybill allocated for it, if any.
    pub waybill_no: Option<String>,
}

/// A page of the factory's orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FactoryOrderPage {
    /// Newest assignment first.
    pub orders: Vec<FactoryOrder>,
    /// Page.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
    /// Matching orders in all pages.
    pub total: u64,
}

/// `GET /api/v1/factory/orders` query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct FactoryOrderQuery {
    /// Page, from 1.
    pub page: Option<u32>,
    /// Rows per page, 1–200 (default 20).
    pub per_page: Option<u32>,
    /// One shop's orders.
    pub shop_id: Option<String>,
    /// `assigned` (default) or `shipped`.
    pub status: Option<AssignmentStatus>,
    /// Exact order id.
    pub order_id: Option<String>,
}
