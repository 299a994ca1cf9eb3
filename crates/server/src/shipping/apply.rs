//! Applying a set of shipments in the caller's write transaction (all rows or none, one
//! audit row), and the two ways in: one order by hand, a whole uploaded file.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use orderveil_api::carriers::Carrier;
use orderveil_api::{ErrorCode, OrderStatus, OrderView, Permission, Scope, ShipRequest, ShipmentUploadErrors, ShipmentUploadResult};
use orderveil_cipher::OrderId;
use serde_json::json;

use super::rows::{Actor, RowError, ShipRow, check_cells, field_rank, status_zh};
use super::upload::{Format, parse_upload};
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::guard::Caller;
use crate::state::AppState;
use crate::store::WriteTx;
use crate::store::shipments::{self as store, Shipped};

/// Check `rows` against the shop's orders and, if every row is good, ship them all: status
/// `shipped`, carrier code, normalized tracking number, `shipped_at = updated_at = now`, the
/// shop's per-status counts moved, and ONE audit row (`action`, the order ids, the count,
/// carriers; carrier and number too for a single row) — all inside `tx`, which the caller
/// commits (or drops, to apply nothing).
///
/// Returns `Ok(Ok(order ids in row order))` when applied, `Ok(Err(every problem, by line))`
/// when any row is bad — then NOTHING was written — and `Err` for a database failure (drop
/// the transaction: whatever was written is rolled back with it).
///
/// Set-based whatever the row count: the orders are read (and on PostgreSQL locked, in
/// order-id order, so concurrent shippers never deadlock and never ship an order twice) with
/// one `IN (…)` query per 512 ids, updated with one multi-row statement per 512 rows,
/// the counts with one upsert, the audit with one row. Orders of other shops are "not found".
/// When the shop ships (`by_factory` is `None`), an order assigned to a factory is refused
/// (`ORDER_NOT_SHIPPABLE`): the factory ships it, or the shop recalls it first.
///
/// ```ignore
/// let mut tx = state.db.begin_write().await?;
/// let rows = [ShipRow { line: 1, order_id: id.into(), carrier: "SF".into(), tracking_no: no.into() }];
/// match apply_shipments(&mut tx, shop, &rows, &Actor::from(&user), "ship", None, state.now()).await? {
///     Ok(_ids) => tx.commit().await?,
///     Err(errors) => return Err(errors.swap_remove(0).into_app_error()), // tx dropped: nothing applied
/// }
/// ```
pub async fn apply_shipments(tx: &mut WriteTx<'_>, shop: &str, rows: &[ShipRow], actor: &Actor, action: &str, by_factory: Option<&str>, now: i64) -> AppResult<Result<Vec<String>, Vec<RowError>>> {
    let mut errors = Vec::new();
    let checked = check_cells(rows, &mut errors);

    // The orders named, this shop's only, locked on PostgreSQL.
    let mut ids: Vec<&str> = checked.iter().map(|c| c.order_id).filter(|id| OrderId::new(id).is_ok()).collect();
    ids.sort_unstable();
    ids.dedup();
    let found: HashMap<String, String> = store::lock_statuses(tx, shop, &ids).await?.into_iter().map(|r| (r.order_id, r.status)).collect();
    for c in &checked {
        if c.order_id.is_empty() || OrderId::new(c.order_id).is_err() {
            continue;
        }
        let id = c.order_id;
        match found.get(id).map(|s| OrderStatus::parse(s)) {
            None => errors.push(RowError::new(c.row.line, id, "order_id", ErrorCode::OrderNotFound, format!("Order {id} was not found in this shop."), format!("本店铺没有订单 {id}。"))),
            Some(Some(OrderStatus::AwaitingShipment)) => {}
            Some(status) => {
                let name = status.map_or("unknown", OrderStatus::as_str);
                let zh = status.map_or("未知", status_zh);
                errors.push(
                    RowError::new(
                        c.row.line,
                        id,
                        "order_id",
                        ErrorCode::OrderNotShippable,
                        format!("Order {id} is {}; only orders awaiting shipment can be shipped.", name.replace('_', " ")),
                        format!("订单 {id} 当前状态为{zh}，只有待发货的订单可以发货。"),
                    )
                    .with(json!({"status": name})),
                );
            }
        }
    }
    // An order assigned to a factory is the factory's to ship (厂商代发): the shop recalls it first.
    if by_factory.is_none() {
        let owned: Vec<String> = ids.iter().map(|s| (*s).to_string()).collect();
        for (id, factory) in crate::store::dropship::live_of(tx, shop, &owned).await? {
            for c in checked.iter().filter(|c| c.order_id == id) {
                errors.push(
                    RowError::new(
                        c.row.line,
                        c.order_id,
                        "order_id",
                        ErrorCode::OrderNotShippable,
                        format!("Order {id} is assigned to factory {factory}, which ships it; recall it first."),
                        format!("订单 {id} 已分配给厂商 {factory} 代发，请先撤回再自行发货。"),
                    )
                    .with(json!({"assigned_to": factory})),
                );
            }
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.line, field_rank(e.field)));
        return Ok(Err(errors));
    }

    // Every row is good (and every carrier known): apply.
    let good: Vec<(&str, &'static Carrier, &str)> = checked.iter().filter_map(|c| Some((c.order_id, c.carrier?, c.tracking_no.as_str()))).collect();
    if good.len() != rows.len() {
        return Err(AppError::internal("a shipment row passed the checks without a carrier"));
    }
    let shipped: Vec<Shipped<'_>> = good.iter().map(|(id, c, no)| Shipped { order_id: id, carrier: c.code, tracking_no: no }).collect();
    let updated = store::mark_shipped(tx, shop, &shipped, now).await?;
    if updated != good.len() as u64 {
        // Cannot happen under the row locks / the single SQLite writer; never commit a partial set.
        return Err(AppError::internal(format!("shipping updated {updated} of {} orders", good.len())));
    }
    let n = i64::try_from(good.len()).map_err(AppError::internal)?;
    let deltas = BTreeMap::from([((shop, OrderStatus::AwaitingShipment.as_str()), -n), ((shop, OrderStatus::Shipped.as_str()), n)]);
    crate::store::orders::add_counts(tx, &deltas).await?;

    let mut carriers: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, c, _) in &good {
        *carriers.entry(c.code).or_default() += 1;
    }
    let mut ev = Event::new(&actor.name, actor.id, Some(shop), action, "ok");
    ev.order_ids = good.iter().map(|g| g.0.to_string()).collect();
    ev.details = json!({"count": good.len(), "carriers": carriers});
    if let [(_, c, no)] = good.as_slice() {
        ev.details["carrier"] = json!(c.code);
        ev.details["tracking_no"] = json!(no);
    }
    audit::append(tx, now, &ev).await?;
    Ok(Ok(ev.order_ids))
}

/// The shop a caller ships for: owners, staff with `ship`, apps (warehouses, print
/// software) with the `ship` scope; FORBIDDEN / SCOPE_MISSING for everyone else.
pub fn shipping_shop(caller: &Caller) -> AppResult<String> {
    caller.acting_shop(Permission::Ship, Scope::Ship)
}

/// Ship one order of the caller's shop; returns the order as it is now.
pub async fn ship(state: &AppState, caller: &Caller, order_id: &str, req: ShipRequest) -> AppResult<OrderView> {
    let shop = shipping_shop(caller)?;
    let shop = shop.as_str();
    let now = state.now();
    let rows = [ShipRow { line: 1, order_id: order_id.to_string(), carrier: req.carrier, tracking_no: req.tracking_no }];
    let mut tx = state.db.begin_write().await?;
    if let Err(errors) = apply_shipments(&mut tx, shop, &rows, &Actor::from(caller), "ship", None, now).await? {
        let first = errors.into_iter().next().ok_or_else(|| AppError::internal("a refused shipment without a reason"))?;
        return Err(first.into_app_error());
    }
    let view = crate::orders::view_in(&mut tx, order_id.trim(), now).await?.ok_or_else(|| AppError::internal("the shipped order vanished"))?;
    tx.commit().await?;
    Ok(view)
}

/// `UPLOAD_INVALID` listing every problem of a file of `rows` data rows.
pub fn upload_invalid(errors: &[RowError], rows: u32) -> AppError {
    let details = ShipmentUploadErrors { errors: errors.iter().map(RowError::to_api).collect(), rows };
    AppError::new(ErrorCode::UploadInvalid).with(serde_json::to_value(details).unwrap_or_else(|_| json!({"errors": [], "rows": rows})))
}

/// Check a whole uploaded file and apply it in one transaction, or refuse it with every
/// problem and apply nothing.
pub async fn upload(state: &AppState, caller: &Caller, declared: Option<Format>, body: Bytes) -> AppResult<ShipmentUploadResult> {
    let shop = shipping_shop(caller)?;
    let parsed = tokio::task::spawn_blocking(move || parse_upload(body.to_vec(), declared)).await.map_err(AppError::internal)?;
    if !parsed.errors.is_empty() {
        return Err(upload_invalid(&parsed.errors, parsed.count));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    match apply_shipments(&mut tx, &shop, &parsed.rows, &Actor::from(caller), "ship_batch", None, now).await? {
        Ok(order_ids) => {
            tx.commit().await?;
            Ok(ShipmentUploadResult { applied: u32::try_from(order_ids.len()).unwrap_or(u32::MAX), order_ids })
        }
        Err(errors) => Err(upload_invalid(&errors, parsed.count)),
    }
}
