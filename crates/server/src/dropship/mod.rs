//! Factory dropshipping (厂商代发), DESIGN.md "Dropshipping", following the platform notice's
//! seven steps: the factory applies for an e-waybill account, the shop binds the factory, the
//! shop assigns orders, the factory prints with print grants and ships.
//!
//! * **Factories** are tenants: created by the platform with an owner (role `factory`), who
//!   creates staff (`factory_staff`, permissions `print` and `ship`).
//! * **Bindings**: a shop owner invites a factory by its id; the factory owner accepts or
//!   declines; either side ends an active binding, which recalls its open assignments.
//! * **Assignments**: an owner or staff with `assign` assigns awaiting-shipment orders to a
//!   factory with an active binding — by selection, by the order list's filter (at most
//!   [`MAX_ASSIGN`], all or nothing, every refused order listed with its reason) or by a
//!   product rule (SKU → factory) at ingest. An order has at most one live assignment (a unique
//!   index); the shop recalls it until it ships.
//! * **The factory's side** lists the orders assigned to it by all its shops — masks, items,
//!   receiver keys, shop names; never a ciphertext or a key — allocates waybills from its own
//!   accounts, prints through print grants bound to them and ships ([`crate::waybills`]). No
//!   reveal path serves a factory.
//!
//! Each step is audited on the shop's chain and on the factory's (`factory:<id>`).
//!
//! **Suspension**: the platform suspends and resumes a factory ([`factories::set_suspended`],
//! with a reason). A suspended factory's users still read their lists, but accepting a binding,
//! allocating, cancelling, printing and shipping are `FACTORY_SUSPENDED`, and shops cannot
//! assign orders to it (by hand or by product rule at ingest); its open assignments stay (the
//! shop may recall them).
//!
//! The rooms: [`factories`] (tenants and staff), [`bindings`], [`assign`] (assignments,
//! recalls, rules), [`rules`] (product rules at ingest), [`orders`] (the factory's list),
//! [`fulfil`] (its waybills, prints and shipments), [`routes`] (the endpoints).

pub mod assign;
pub mod bindings;
pub mod factories;
pub mod fulfil;
pub mod orders;
pub mod routes;
pub mod rules;

use orderveil_api::ErrorCode;
use serde_json::json;

use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::guard::User;
use crate::store::{WriteTx, dropship as store};

pub use routes::{DropshipDoc, routes};

/// Most orders one assignment or recall takes.
pub const MAX_ASSIGN: usize = 5_000;

fn invalid(field: &str, reason: &str) -> AppError {
    AppError::new(ErrorCode::ValidationFailed).with(json!({"field": field, "reason": reason}))
}

/// Append `ev` on the shop's chain and the same on the factory's.
async fn audit_both(tx: &mut WriteTx<'_>, now: i64, ev: &Event, factory: &str) -> AppResult<()> {
    audit::append_many(tx, &[(now, ev.clone()), (now, ev.for_factory(factory))]).await?;
    Ok(())
}

/// Void the factory's live waybills of orders taken back from it (a recall, an ended
/// binding): allocated or printed, they must not ship the orders any more, and each held its
/// orders' one live waybill. A merged waybill goes whole (its other orders stay assigned and
/// get a new one). The units return to the factory's accounts, as a carrier refunds an unused
/// number; one `waybill_void` row on the shop's chain and the factory's.
async fn void_taken_back(tx: &mut WriteTx<'_>, now: i64, user: &User, shop: &str, factory: &str, orders: &[String]) -> AppResult<()> {
    let live = store::factory_live_waybills_of(tx, factory, orders).await?;
    let mut voided = Vec::new();
    for (no, account) in live {
        if crate::store::waybills::void_waybill(tx, &no, now).await? > 0 {
            crate::store::waybills::return_unit(tx, account).await?;
            voided.push(no);
        }
    }
    if !voided.is_empty() {
        let mut ev = user.event(shop, "waybill_void", json!({"factory_id": factory, "waybill_nos": voided, "reason": "taken_back"}));
        ev.order_ids = orders.to_vec();
        audit_both(tx, now, &ev, factory).await?;
    }
    Ok(())
}

/// FACTORY_SUSPENDED for `factory`.
fn suspended(factory: &str) -> AppError {
    AppError::new(ErrorCode::FactorySuspended).with(json!({"factory_id": factory}))
}

/// FACTORY_SUSPENDED if the platform suspended `factory`: read inside the acting
/// transaction, so a suspension applies to the next action in every process.
async fn ensure_active(tx: &mut WriteTx<'_>, factory: &str) -> AppResult<()> {
    if is_suspended(tx, factory).await? { Err(suspended(factory)) } else { Ok(()) }
}

/// Is `factory` suspended (an unknown one is not)?
async fn is_suspended(tx: &mut WriteTx<'_>, factory: &str) -> Result<bool, sqlx::Error> {
    Ok(store::factory(&mut **tx, factory).await?.is_some_and(|f| f.suspended != 0))
}

/// Distinct, trimmed order ids, 1 to `max` of them.
fn order_ids(ids: &[String], max: usize) -> AppResult<Vec<String>> {
    if ids.is_empty() {
        return Err(invalid("order_ids", "empty"));
    }
    if ids.len() > max {
        return Err(AppError::new(ErrorCode::TooManyOrders).with(json!({"max": max, "got": ids.len()})));
    }
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        let id = id.trim();
        if id.is_empty() || id.len() > 64 {
            return Err(invalid("order_ids", "1 to 64 characters each"));
        }
        if seen.insert(id.to_string()) {
            out.push(id.to_string());
        }
    }
    Ok(out)
}
