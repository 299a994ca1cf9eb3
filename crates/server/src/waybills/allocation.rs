//! Waybills: allocation (one unit of balance per waybill, taken with one conditional
//! update in the transaction that creates them; `merge` puts orders of one receiver on one
//! waybill), the list, cancelling an unprinted waybill (its unit returns), and shipping
//! printed waybills' orders with the waybill number as tracking number.

use orderveil_api::carriers::{self, Carrier};
use orderveil_api::{ErrorCode, OrderStatus, Waybill, WaybillAllocate, WaybillShip, WaybillShipped, WaybillStatus};
use serde::Deserialize;
use serde_json::json;

use super::{MAX_LIST, MAX_SHIP, PRINT_LIMIT, distinct_ids, distinct_ids_max, print_shop};
use crate::audit;
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::guard::Caller;
use crate::shipping::{self, Actor, ShipRow};
use crate::state::AppState;
use crate::store::waybills::{self as store, AllocOrder, NewWaybill, WaybillRow};

/// A random number in the carrier's first format, e.g. `SF` + 13 digits.
fn new_number(c: &Carrier) -> AppResult<String> {
    let f = c.formats[0];
    let mut bytes = vec![0u8; f.digits];
    getrandom::fill(&mut bytes).map_err(AppError::internal)?;
    let mut no = String::with_capacity(f.prefix.len() + f.digits);
    no.push_str(f.prefix);
    no.extend(bytes.iter().map(|b| char::from(b'0' + b % 10)));
    Ok(no)
}

fn status_of(s: &str) -> WaybillStatus {
    match s {
        "printed" => WaybillStatus::Printed,
        "shipped" => WaybillStatus::Shipped,
        "cancelled" => WaybillStatus::Cancelled,
        _ => WaybillStatus::Allocated,
    }
}

/// Views of these waybill rows with their orders.
pub(crate) async fn views(tx: &mut sqlx::AnyConnection, rows: Vec<WaybillRow>) -> AppResult<Vec<Waybill>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let nos: Vec<String> = rows.iter().map(|r| r.waybill_no.clone()).collect();
    let links = store::orders_of(tx, &nos).await?;
    Ok(rows
        .into_iter()
        .map(|r| Waybill {
            order_ids: links.iter().filter(|l| l.waybill_no == r.waybill_no).map(|l| l.order_id.clone()).collect(),
            waybill_no: r.waybill_no,
            account_id: r.account_id,
            carrier: r.carrier,
            status: status_of(&r.status),
            print_count: u32::try_from(r.print_count).unwrap_or(0),
            print_limit: PRINT_LIMIT,
            receiver_key: r.receiver_key,
            allocated_at: rfc3339(r.allocated_at),
            allocated_by: r.allocated_by,
        })
        .collect())
}

/// Allocate waybills for orders awaiting shipment: one per order, or one for all of them
/// with `merge`; all or nothing.
pub async fn allocate(state: &AppState, caller: &Caller, req: WaybillAllocate) -> AppResult<Vec<Waybill>> {
    let shop = print_shop(caller)?;
    let ids = distinct_ids(&req.order_ids, "order_ids")?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let account =
        store::account(&mut tx, req.account_id).await?.filter(|r| r.shop_id == shop).ok_or_else(|| AppError::new(ErrorCode::NotFound).with(json!({"field": "account_id"})))?;
    if account.status != "approved" {
        return Err(AppError::new(ErrorCode::WaybillAccountInactive).with(json!({"status": account.status})));
    }
    let carrier = carriers::carrier(&account.carrier).ok_or_else(|| AppError::internal("stored carrier unknown"))?;

    // The orders: the shop's own, awaiting shipment, without a live waybill.
    let found = store::shop_orders(&mut tx, &shop, &ids).await?;
    let missing: Vec<&String> = ids.iter().filter(|i| !found.iter().any(|f| &f.order_id == *i)).collect();
    if !missing.is_empty() {
        return Err(AppError::new(ErrorCode::OrderNotFound).with(json!({"order_ids": missing})));
    }
    let not_ready: Vec<&String> = found.iter().filter(|f| !OrderStatus::parse(&f.status).is_some_and(OrderStatus::allows_print)).map(|f| &f.order_id).collect();
    if !not_ready.is_empty() {
        return Err(AppError::new(ErrorCode::OrderNotShippable).with(json!({"order_ids": not_ready})));
    }
    let assigned = crate::store::dropship::live_of(&mut tx, &shop, &ids).await?;
    if !assigned.is_empty() {
        return Err(AppError::new(ErrorCode::WaybillStateConflict)
            .with(json!({"reason": "these orders are assigned to a factory, which ships them; recall them first", "order_ids": assigned.iter().map(|a| &a.0).collect::<Vec<_>>()})));
    }
    let live = store::live_waybills_of(&mut tx, &ids).await?;
    if !live.is_empty() {
        return Err(AppError::new(ErrorCode::WaybillStateConflict).with(json!({
            "reason": "these orders already have a waybill; cancel it first",
            "order_ids": live.iter().map(|l| &l.order_id).collect::<Vec<_>>(),
            "waybill_nos": live.iter().map(|l| &l.waybill_no).collect::<Vec<_>>(),
        })));
    }
    // Groups: one per order, or all in one if they may merge.
    let groups: Vec<Vec<&AllocOrder>> = if req.merge && found.len() > 1 {
        let first = &found[0];
        if found.iter().any(|f| f.receiver_key != first.receiver_key || f.status != first.status) {
            return Err(ErrorCode::OrdersNotMergeable.into());
        }
        vec![found.iter().collect()]
    } else {
        found.iter().map(|f| vec![f]).collect()
    };
    // Keep the request's order.
    let mut groups = groups;
    groups.sort_by_key(|g| ids.iter().position(|i| *i == g[0].order_id).unwrap_or(usize::MAX));

    let n = i64::try_from(groups.len()).unwrap_or(i64::MAX);
    if store::take_balance(&mut tx, req.account_id, n).await? == 0 {
        return Err(AppError::new(ErrorCode::WaybillBalanceExhausted).with(json!({"balance": account.balance, "needed": n})));
    }
    let mut numbers: Vec<String> = Vec::with_capacity(groups.len());
    for g in &groups {
        let no = insert_waybill(&mut tx, carrier, req.account_id, &shop, &g[0].receiver_key, &caller.actor(), now).await?;
        let order_ids: Vec<&str> = g.iter().map(|o| o.order_id.as_str()).collect();
        // The schema holds one live waybill per order: a concurrent allocation of the same
        // orders that committed first makes this insert fail, and this one changes nothing.
        if let Err(e) = store::link_orders(&mut tx, &no, &order_ids).await {
            return Err(if crate::store::users::is_unique_violation(&e) {
                AppError::new(ErrorCode::WaybillStateConflict).with(json!({"reason": "these orders got a waybill meanwhile; reload", "order_ids": order_ids}))
            } else {
                e.into()
            });
        }
        numbers.push(no);
    }
    let details = json!({
        "account_id": req.account_id,
        "carrier": carrier.code,
        "merge": req.merge,
        "waybills": groups.iter().zip(&numbers).map(|(g, no)| json!({"waybill_no": no, "order_ids": g.iter().map(|o| &o.order_id).collect::<Vec<_>>()})).collect::<Vec<_>>(),
    });
    let mut ev = caller.event(&shop, "waybill_allocate", details);
    ev.order_ids = ids.clone();
    audit::append(&mut tx, now, &ev).await?;
    let rows = waybill_rows(&mut tx, &numbers).await?;
    let out = views(&mut tx, rows).await?;
    tx.commit().await?;
    Ok(out)
}

/// Insert a waybill with a fresh number (a taken number is drawn again).
pub(crate) async fn insert_waybill(tx: &mut sqlx::AnyConnection, carrier: &Carrier, account: i64, shop: &str, receiver_key: &str, by: &str, now: i64) -> AppResult<String> {
    for _ in 0..8 {
        let no = new_number(carrier)?;
        let w = NewWaybill { waybill_no: &no, account, shop, carrier: carrier.code, receiver_key, by, now };
        if store::insert_waybill(tx, &w).await? {
            return Ok(no);
        }
    }
    Err(AppError::internal("no free waybill number after 8 draws"))
}

/// Rows of these waybills, in the given order.
pub(crate) async fn waybill_rows(tx: &mut sqlx::AnyConnection, nos: &[String]) -> AppResult<Vec<WaybillRow>> {
    let mut rows = store::waybills(tx, nos).await?;
    rows.sort_by_key(|r| nos.iter().position(|n| *n == r.waybill_no));
    Ok(rows)
}

/// `?status=&order_id=` of the waybill list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WaybillQuery {
    /// Only waybills in this state.
    pub status: Option<WaybillStatus>,
    /// Only the waybills of this order.
    pub order_id: Option<String>,
}

pub(crate) fn waybill_status_str(s: WaybillStatus) -> &'static str {
    match s {
        WaybillStatus::Allocated => "allocated",
        WaybillStatus::Printed => "printed",
        WaybillStatus::Shipped => "shipped",
        WaybillStatus::Cancelled => "cancelled",
    }
}

/// The shop's waybills, newest first (owners, staff with `print`).
pub async fn list(state: &AppState, caller: &Caller, q: WaybillQuery) -> AppResult<Vec<Waybill>> {
    let shop = print_shop(caller)?;
    let mut conn = state.db.pool.acquire().await?;
    let rows = store::shop_waybills(&mut conn, &shop, q.status.map(waybill_status_str), q.order_id.as_deref(), MAX_LIST).await?;
    views(&mut conn, rows).await
}

/// Cancel an unused waybill; its unit returns to the account.
pub async fn cancel(state: &AppState, caller: &Caller, no: &str) -> AppResult<Waybill> {
    let shop = print_shop(caller)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let Some(row) = store::cancel_row(&mut tx, no, &shop).await? else {
        return Err(ErrorCode::NotFound.into());
    };
    if store::cancel_waybill(&mut tx, no, now).await? == 0 {
        return Err(AppError::new(ErrorCode::WaybillStateConflict)
            .with(json!({"status": row.status, "print_count": row.print_count, "reason": "only an unprinted waybill can be cancelled"})));
    }
    store::return_unit(&mut tx, row.account_id).await?;
    audit::append(&mut tx, now, &caller.event(&shop, "waybill_cancel", json!({"waybill_no": no, "account_id": row.account_id}))).await?;
    let rows = waybill_rows(&mut tx, &[no.to_string()]).await?;
    let out = views(&mut tx, rows).await?.pop().ok_or_else(|| AppError::internal("waybill vanished"))?;
    tx.commit().await?;
    Ok(out)
}

/// Ship the orders of printed waybills with them: carrier = the waybill's, tracking number =
/// the waybill number; all or nothing, one audit row (`ship_waybill`).
pub async fn ship(state: &AppState, caller: &Caller, req: WaybillShip) -> AppResult<WaybillShipped> {
    let shop = shipping::shipping_shop(caller)?;
    let nos = distinct_ids_max(&req.waybill_nos, "waybill_nos", MAX_SHIP)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let rows = waybill_rows(&mut tx, &nos).await?;
    let mine = store::shop_waybill_nos(&mut tx, &shop, &nos).await?;
    let missing: Vec<&String> = nos.iter().filter(|n| !mine.contains(n)).collect();
    if !missing.is_empty() {
        return Err(AppError::new(ErrorCode::NotFound).with(json!({"waybill_nos": missing})));
    }
    let unready: Vec<(&String, &String)> = rows.iter().filter(|r| r.status != "printed").map(|r| (&r.waybill_no, &r.status)).collect();
    if !unready.is_empty() {
        return Err(AppError::new(ErrorCode::WaybillStateConflict)
            .with(json!({"reason": "only printed waybills ship", "waybill_nos": unready.iter().map(|u| u.0).collect::<Vec<_>>(), "statuses": unready.iter().map(|u| u.1).collect::<Vec<_>>()})));
    }
    let waybills = views(&mut tx, rows).await?;
    let ship_rows: Vec<ShipRow> = waybills
        .iter()
        .flat_map(|w| w.order_ids.iter().map(move |o| (w, o)))
        .enumerate()
        .map(|(i, (w, o))| ShipRow { line: u32::try_from(i + 1).unwrap_or(u32::MAX), order_id: o.clone(), carrier: w.carrier.clone(), tracking_no: w.waybill_no.clone() })
        .collect();
    let order_ids = match shipping::apply_shipments(&mut tx, &shop, &ship_rows, &Actor::from(caller), "ship_waybill", None, now).await? {
        Ok(ids) => ids,
        Err(errors) => {
            let all: Vec<_> = errors.iter().map(shipping::RowError::to_api).collect();
            let mut first = errors.into_iter().next().map_or_else(|| AppError::internal("no row error"), shipping::RowError::into_app_error);
            let mut details = first.details.take().unwrap_or_else(|| json!({}));
            details["errors"] = json!(all);
            return Err(first.with(details));
        }
    };
    if store::mark_shipped(&mut tx, &nos, now).await? != nos.len() as u64 {
        return Err(AppError::new(ErrorCode::WaybillStateConflict).with(json!({"reason": "a waybill changed meanwhile"})));
    }
    let rows = waybill_rows(&mut tx, &nos).await?;
    let waybills = views(&mut tx, rows).await?;
    tx.commit().await?;
    Ok(WaybillShipped { waybills, order_ids })
}
