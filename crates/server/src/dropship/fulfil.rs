//! The factory's fulfilment: waybills from its own e-waybill accounts for the orders assigned
//! to it (merging orders of one shop with the same `receiver_key`), print grants bound to
//! them ([`crate::waybills::print`]), and shipping, whose tracking number flows back to the
//! shop's order. An order not assigned to the factory looks absent (`ORDER_NOT_FOUND`); a
//! suspended factory's allocation, cancellation and shipment are `FACTORY_SUSPENDED`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use orderveil_api::carriers;
use orderveil_api::{ErrorCode, OrderStatus, Permission, Scope, ShipmentUploadResult, Waybill, WaybillAllocate, WaybillShip, WaybillShipped};
use orderveil_cipher::OrderId;
use serde_json::json;

use super::{audit_both, ensure_active};
use crate::error::{AppError, AppResult};
use crate::guard::Caller;
use crate::shipping::{self, Actor, Format, RowError, ShipRow};
use crate::state::AppState;
use crate::store::waybills::{self as wstore, AllocOrder};
use crate::store::{WriteTx, dropship as store};
use crate::waybills::allocation::{insert_waybill, views, waybill_rows};
use crate::waybills::{MAX_LIST, MAX_ORDERS, MAX_SHIP};

/// Distinct ids, 1 to `max`.
fn distinct(ids: &[String], field: &str, max: usize) -> AppResult<Vec<String>> {
    super::order_ids(ids, max).map_err(|e| if e.code == ErrorCode::ValidationFailed { AppError::new(ErrorCode::ValidationFailed).with(json!({"field": field})) } else { e })
}

/// The shop of each of `ids` if every one is assigned (live) to `factory`; else
/// `ORDER_NOT_FOUND` naming the others.
pub async fn assigned_shops(tx: &mut WriteTx<'_>, factory: &str, ids: &[String]) -> AppResult<BTreeMap<String, String>> {
    let found: BTreeMap<String, String> = store::assigned_to(tx, factory, ids).await?.into_iter().collect();
    let missing: Vec<&String> = ids.iter().filter(|i| !found.contains_key(*i)).collect();
    if missing.is_empty() { Ok(found) } else { Err(AppError::new(ErrorCode::OrderNotFound).with(json!({"order_ids": missing}))) }
}

/// Allocate waybills from the factory's approved account for orders assigned to it (factory
/// users with `print`): one per order, or one for all with `merge` (one shop, one receiver).
pub async fn allocate(state: &AppState, caller: &Caller, req: WaybillAllocate) -> AppResult<Vec<Waybill>> {
    let factory = caller.acting_factory(Some(Permission::Print), Scope::Print)?;
    let ids = distinct(&req.order_ids, "order_ids", MAX_ORDERS)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    ensure_active(&mut tx, &factory).await?;
    let account = wstore::account(&mut tx, req.account_id)
        .await?
        .filter(|a| a.factory_id.as_deref() == Some(factory.as_str()))
        .ok_or_else(|| AppError::new(ErrorCode::NotFound).with(json!({"field": "account_id"})))?;
    if account.status != "approved" {
        return Err(AppError::new(ErrorCode::WaybillAccountInactive).with(json!({"status": account.status})));
    }
    let carrier = carriers::carrier(&account.carrier).ok_or_else(|| AppError::internal("stored carrier unknown"))?;
    let shops = assigned_shops(&mut tx, &factory, &ids).await?;
    let mut found: Vec<(String, AllocOrder)> = Vec::with_capacity(ids.len());
    let mut per_shop: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (o, s) in &shops {
        per_shop.entry(s.as_str()).or_default().push(o.clone());
    }
    for (shop, of_shop) in &per_shop {
        found.extend(wstore::shop_orders(&mut tx, shop, of_shop).await?.into_iter().map(|o| ((*shop).to_string(), o)));
    }
    found.sort_by_key(|(_, o)| ids.iter().position(|i| *i == o.order_id));
    let not_ready: Vec<&String> = found.iter().filter(|(_, o)| !OrderStatus::parse(&o.status).is_some_and(OrderStatus::allows_print)).map(|(_, o)| &o.order_id).collect();
    if !not_ready.is_empty() {
        return Err(AppError::new(ErrorCode::OrderNotShippable).with(json!({"order_ids": not_ready})));
    }
    let live = wstore::live_waybills_of(&mut tx, &ids).await?;
    if !live.is_empty() {
        return Err(AppError::new(ErrorCode::WaybillStateConflict)
            .with(json!({"reason": "these orders already have a waybill; cancel it first", "order_ids": live.iter().map(|l| &l.order_id).collect::<Vec<_>>()})));
    }
    let groups: Vec<Vec<&(String, AllocOrder)>> = if req.merge && found.len() > 1 {
        let first = &found[0];
        if found.iter().any(|(s, o)| *s != first.0 || o.receiver_key != first.1.receiver_key || o.status != first.1.status) {
            return Err(ErrorCode::OrdersNotMergeable.into());
        }
        vec![found.iter().collect()]
    } else {
        found.iter().map(|f| vec![f]).collect()
    };
    let n = i64::try_from(groups.len()).unwrap_or(i64::MAX);
    if wstore::take_balance(&mut tx, req.account_id, n).await? == 0 {
        return Err(AppError::new(ErrorCode::WaybillBalanceExhausted).with(json!({"balance": account.balance, "needed": n})));
    }
    let mut numbers = Vec::with_capacity(groups.len());
    let mut per_shop_waybills: BTreeMap<&str, Vec<serde_json::Value>> = BTreeMap::new();
    for g in &groups {
        let shop = g[0].0.as_str();
        let no = insert_waybill(&mut tx, carrier, req.account_id, shop, &g[0].1.receiver_key, &caller.actor(), now).await?;
        let order_ids: Vec<&str> = g.iter().map(|(_, o)| o.order_id.as_str()).collect();
        if let Err(e) = wstore::link_orders(&mut tx, &no, &order_ids).await {
            return Err(if crate::store::users::is_unique_violation(&e) {
                AppError::new(ErrorCode::WaybillStateConflict).with(json!({"reason": "these orders got a waybill meanwhile; reload", "order_ids": order_ids}))
            } else {
                e.into()
            });
        }
        per_shop_waybills.entry(shop).or_default().push(json!({"waybill_no": no, "order_ids": order_ids}));
        numbers.push(no);
    }
    for (shop, waybills) in per_shop_waybills {
        let mut ev = caller.event(shop, "waybill_allocate", json!({"account_id": req.account_id, "carrier": carrier.code, "merge": req.merge, "factory_id": factory, "waybills": waybills}));
        ev.order_ids = per_shop.get(shop).cloned().unwrap_or_default();
        audit_both(&mut tx, now, &ev, &factory).await?;
    }
    let rows = waybill_rows(&mut tx, &numbers).await?;
    let out = views(&mut tx, rows).await?;
    tx.commit().await?;
    Ok(out)
}

/// The factory's waybills, newest first (any factory user).
pub async fn list(state: &AppState, caller: &Caller, status: Option<&str>) -> AppResult<Vec<Waybill>> {
    let factory = caller.acting_factory(None, Scope::Print)?;
    let mut conn = state.db.pool.acquire().await?;
    let nos = store::factory_waybill_nos_all(&mut conn, &factory, status, MAX_LIST).await?;
    let mut rows = wstore::waybills(&mut conn, &nos).await?;
    rows.sort_by_key(|r| nos.iter().position(|n| *n == r.waybill_no));
    views(&mut conn, rows).await
}

/// Cancel an unprinted waybill of the factory's accounts; its unit returns.
pub async fn cancel(state: &AppState, caller: &Caller, no: &str) -> AppResult<Waybill> {
    let factory = caller.acting_factory(Some(Permission::Print), Scope::Print)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    ensure_active(&mut tx, &factory).await?;
    let nos = vec![no.to_string()];
    if store::factory_waybill_nos(&mut tx, &factory, &nos).await?.is_empty() {
        return Err(ErrorCode::NotFound.into());
    }
    let row = waybill_rows(&mut tx, &nos).await?.pop().ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    if wstore::cancel_waybill(&mut tx, no, now).await? == 0 {
        return Err(AppError::new(ErrorCode::WaybillStateConflict).with(json!({"status": row.status, "reason": "only an unprinted waybill can be cancelled"})));
    }
    wstore::return_unit(&mut tx, row.account_id).await?;
    let first = wstore::orders_of(&mut tx, &nos).await?.into_iter().next().map(|l| l.order_id).unwrap_or_default();
    let shop = crate::store::orders::by_id(&mut tx, &first).await?.map(|o| o.shop_id).unwrap_or_default();
    let ev = caller.event(&shop, "waybill_cancel", json!({"waybill_no": no, "account_id": row.account_id, "factory_id": factory}));
    audit_both(&mut tx, now, &ev, &factory).await?;
    let rows = waybill_rows(&mut tx, &nos).await?;
    let out = views(&mut tx, rows).await?.pop().ok_or_else(|| AppError::internal("waybill vanished"))?;
    tx.commit().await?;
    Ok(out)
}

/// Ship the orders of printed waybills of the factory's accounts (factory users with `ship`):
/// the shops' orders ship with the waybill numbers, the assignments end as shipped, and the
/// shops see who shipped them. All or nothing.
pub async fn ship(state: &AppState, caller: &Caller, req: WaybillShip) -> AppResult<WaybillShipped> {
    let factory = caller.acting_factory(Some(Permission::Ship), Scope::Ship)?;
    let nos = distinct(&req.waybill_nos, "waybill_nos", MAX_SHIP)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    ensure_active(&mut tx, &factory).await?;
    let mine = store::factory_waybill_nos(&mut tx, &factory, &nos).await?;
    let missing: Vec<&String> = nos.iter().filter(|n| !mine.contains(n)).collect();
    if !missing.is_empty() {
        return Err(AppError::new(ErrorCode::NotFound).with(json!({"waybill_nos": missing})));
    }
    let rows = waybill_rows(&mut tx, &nos).await?;
    let unready: Vec<&String> = rows.iter().filter(|r| r.status != "printed").map(|r| &r.waybill_no).collect();
    if !unready.is_empty() {
        return Err(AppError::new(ErrorCode::WaybillStateConflict).with(json!({"reason": "only printed waybills ship", "waybill_nos": unready})));
    }
    let waybills = views(&mut tx, rows).await?;
    let all_orders: Vec<String> = waybills.iter().flat_map(|w| w.order_ids.iter().cloned()).collect();
    // Recalled meanwhile: not the factory's to ship any more.
    let shops = assigned_shops(&mut tx, &factory, &all_orders).await?;
    let mut per_shop: BTreeMap<&str, Vec<ShipRow>> = BTreeMap::new();
    for (i, (w, o)) in waybills.iter().flat_map(|w| w.order_ids.iter().map(move |o| (w, o))).enumerate() {
        let shop = shops.get(o).map_or("", String::as_str);
        per_shop.entry(shop).or_default().push(ShipRow { line: u32::try_from(i + 1).unwrap_or(u32::MAX), order_id: o.clone(), carrier: w.carrier.clone(), tracking_no: w.waybill_no.clone() });
    }
    let mut order_ids = Vec::new();
    for (shop, rows) in &per_shop {
        match shipping::apply_shipments(&mut tx, shop, rows, &Actor::from(caller), "ship_waybill", Some(&factory), now).await? {
            Ok(ids) => order_ids.extend(ids),
            Err(errors) => return Err(errors.into_iter().next().map_or_else(|| AppError::internal("no row error"), shipping::RowError::into_app_error)),
        }
        let of_shop: Vec<String> = rows.iter().map(|r| r.order_id.clone()).collect();
        store::factory_shipped(&mut tx, &factory, &of_shop, &caller.actor(), now).await?;
        let mut ev = caller.event(shop, "factory_ship", json!({"factory_id": factory, "waybill_nos": rows.iter().map(|r| &r.tracking_no).collect::<Vec<_>>()}));
        ev.order_ids = of_shop;
        audit_both(&mut tx, now, &ev, &factory).await?;
    }
    if wstore::mark_shipped(&mut tx, &nos, now).await? != nos.len() as u64 {
        return Err(AppError::new(ErrorCode::WaybillStateConflict).with(json!({"reason": "a waybill changed meanwhile"})));
    }
    let rows = waybill_rows(&mut tx, &nos).await?;
    let waybills = views(&mut tx, rows).await?;
    tx.commit().await?;
    Ok(WaybillShipped { waybills, order_ids })
}

/// Ship orders assigned to the factory from an uploaded CSV or XLSX file (factory users with
/// `ship`): `order_id, carrier, tracking_no` as in a shop's upload, for parcels the factory
/// sent with its own carrier outside OrderVeil's e-waybills. Every row is checked — an order
/// not assigned to this factory (another's, recalled, shipped, unknown) is "not found" on its
/// line — and the rows of all its shops apply in one transaction or none do
/// (`UPLOAD_INVALID` lists every problem). The assignments end as shipped; each shop's
/// orders get one shipping row on the shop's chain and one `factory_ship` row on both chains.
pub async fn ship_upload(state: &AppState, caller: &Caller, declared: Option<Format>, body: Bytes) -> AppResult<ShipmentUploadResult> {
    let factory = caller.acting_factory(Some(Permission::Ship), Scope::Ship)?;
    let parsed = tokio::task::spawn_blocking(move || shipping::parse_upload(body.to_vec(), declared)).await.map_err(AppError::internal)?;
    if !parsed.errors.is_empty() {
        return Err(shipping::upload_invalid(&parsed.errors, parsed.count));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    ensure_active(&mut tx, &factory).await?;
    let mut ids: Vec<String> = parsed.rows.iter().map(|r| r.order_id.trim().to_string()).filter(|id| OrderId::new(id).is_ok()).collect();
    ids.sort_unstable();
    ids.dedup();
    let shops: BTreeMap<String, String> = store::assigned_to(&mut tx, &factory, &ids).await?.into_iter().collect();
    let mut per_shop: BTreeMap<&str, Vec<ShipRow>> = BTreeMap::new();
    let mut elsewhere = Vec::new();
    for row in &parsed.rows {
        match shops.get(row.order_id.trim()) {
            Some(shop) => per_shop.entry(shop.as_str()).or_default().push(row.clone()),
            None => elsewhere.push(row.clone()),
        }
    }
    let mut errors = shipping::cell_errors(&elsewhere);
    for row in elsewhere.iter().filter(|r| OrderId::new(r.order_id.trim()).is_ok()) {
        let id = row.order_id.trim();
        errors.push(RowError::new(row.line, id, "order_id", ErrorCode::OrderNotFound, format!("Order {id} is not assigned to this factory."), format!("订单 {id} 不是分配给本厂商代发的订单。")));
    }
    let mut order_ids = Vec::new();
    for (shop, rows) in &per_shop {
        // Every shop's rows are checked even after a bad one, so the answer lists every
        // problem; a refusal drops the transaction with whatever was applied in it.
        match shipping::apply_shipments(&mut tx, shop, rows, &Actor::from(caller), "ship_batch", Some(&factory), now).await? {
            Ok(ids) => {
                store::factory_shipped(&mut tx, &factory, &ids, &caller.actor(), now).await?;
                let tracking: Vec<&str> = rows.iter().map(|r| r.tracking_no.trim()).collect();
                let mut ev = caller.event(shop, "factory_ship", json!({"factory_id": factory, "upload": true, "tracking_nos": tracking}));
                ev.order_ids.clone_from(&ids);
                audit_both(&mut tx, now, &ev, &factory).await?;
                order_ids.extend(ids);
            }
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.line, shipping::field_rank(e.field)));
        return Err(shipping::upload_invalid(&errors, parsed.count));
    }
    tx.commit().await?;
    Ok(ShipmentUploadResult { applied: u32::try_from(order_ids.len()).unwrap_or(u32::MAX), order_ids })
}
