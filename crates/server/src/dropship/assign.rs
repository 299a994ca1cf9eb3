//! Assigning orders to factories (by selection, by filter, by product rule at ingest),
//! recalling them, and the product rules.

use std::collections::BTreeMap;

use orderveil_api::{AssignRequest, AssignResult, AssignmentRule, AssignmentRuleSet, ErrorCode, OrderStatus, Permission, RecallRequest, RecallResult};
use serde_json::json;

use super::{MAX_ASSIGN, audit_both, ensure_active, invalid, is_suspended, order_ids, void_taken_back};
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::guard::{Caller, User, shop_with};
use crate::orders::OrderFilter;
use crate::state::AppState;
use crate::store::dropship as store;

/// The orders an assignment names: its selection, or what its filter matches now (a
/// receiver-field term in the filter is a metered search, charged like the list's).
async fn requested(state: &AppState, user: &User, shop: &str, req: &AssignRequest) -> AppResult<(Vec<String>, &'static str)> {
    match (&req.filter, req.order_ids.is_empty()) {
        (None, false) => Ok((order_ids(&req.order_ids, MAX_ASSIGN)?, "selection")),
        (Some(q), true) => {
            let filter = OrderFilter::resolve(state, shop, q)?;
            let limit = i64::try_from(MAX_ASSIGN).unwrap_or(i64::MAX) + 1;
            let caller = Caller::User(user.clone());
            let ids = match crate::search::Meter::begin(state, &caller, shop, &filter.metered, filter.units(), "assign").await? {
                Some(mut meter) => {
                    let ids = crate::store::orders::filtered_ids(meter.conn(), &filter, limit).await?;
                    let matched = ids.iter().take(crate::disclosure::MAX_SEARCH_RECEIPTS).cloned().collect();
                    meter.finish(Some(ids.len() as u64), matched).await?;
                    ids
                }
                None => crate::store::orders::filtered_ids(&mut *state.db.pool.acquire().await?, &filter, limit).await?,
            };
            if ids.len() > MAX_ASSIGN {
                return Err(AppError::new(ErrorCode::TooManyOrders).with(json!({"max": MAX_ASSIGN, "reason": "the filter matches more orders than one assignment takes; narrow it"})));
            }
            if ids.is_empty() {
                return Err(invalid("filter", "matches no order"));
            }
            Ok((ids, "filter"))
        }
        _ => Err(invalid("order_ids", "give either order_ids or filter")),
    }
}

/// Why an order cannot be assigned to `factory`, if it cannot.
fn refusal(row: Option<&store::AssignableRow>, factory: &str) -> Option<&'static str> {
    let Some(r) = row else { return Some("not_found") };
    if r.shredded != 0 {
        return Some("shredded");
    }
    if r.status != OrderStatus::AwaitingShipment.as_str() {
        return Some("not_awaiting_shipment");
    }
    match r.assigned_to.as_deref() {
        Some(f) if f == factory => Some("already_assigned_to_this_factory"),
        Some(_) => Some("assigned_to_another_factory"),
        None => None,
    }
}

/// FACTORY_SUSPENDED for an assignment to a suspended factory: every order refused with the
/// reason `factory_suspended` (none listed for a filter refused before it was searched).
fn suspended_refusal(factory: &str, ids: &[String]) -> AppError {
    let refused: Vec<serde_json::Value> = ids.iter().map(|id| json!({"order_id": id, "reason": "factory_suspended"})).collect();
    AppError::new(ErrorCode::FactorySuspended).with(json!({"factory_id": factory, "refused": refused, "requested": ids.len()}))
}

/// Assign orders to a factory with an active binding (owners, staff with `assign`): all or
/// nothing; `ORDER_NOT_ASSIGNABLE` lists every refused order with its reason,
/// `FACTORY_SUSPENDED` every order of an assignment to a suspended factory.
pub async fn assign(state: &AppState, user: &User, req: AssignRequest) -> AppResult<AssignResult> {
    let shop = shop_with(user, Permission::Assign)?;
    let factory = req.factory_id.trim().to_string();
    // A filter's receiver terms are charged searches: none for a suspended factory.
    if req.filter.is_some() && store::factory(&state.db.pool, &factory).await?.is_some_and(|f| f.suspended != 0) {
        return Err(suspended_refusal(&factory, &[]));
    }
    let (ids, how) = requested(state, user, &shop, &req).await?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let binding = store::active_binding(&mut tx, &shop, &factory).await?.ok_or_else(|| AppError::new(ErrorCode::FactoryNotBound).with(json!({"factory_id": factory})))?;
    if is_suspended(&mut tx, &factory).await? {
        return Err(suspended_refusal(&factory, &ids));
    }
    let rows = store::assignable(&mut tx, &shop, &ids).await?;
    let by_id: std::collections::HashMap<&str, &store::AssignableRow> = rows.iter().map(|r| (r.order_id.as_str(), r)).collect();
    let refused: Vec<serde_json::Value> =
        ids.iter().filter_map(|id| refusal(by_id.get(id.as_str()).copied(), &factory).map(|reason| json!({"order_id": id, "reason": reason}))).collect();
    if !refused.is_empty() {
        return Err(AppError::new(ErrorCode::OrderNotAssignable).with(json!({"refused": refused, "requested": ids.len()})));
    }
    let new = store::NewAssignment { shop: &shop, factory: &factory, binding, how, by: &user.username, now };
    if let Err(e) = store::insert_assignments(&mut tx, &ids, &new).await {
        // Another assignment of one of these orders committed first (PostgreSQL; SQLite
        // writers serialize, so there the check above already saw it).
        if crate::store::users::is_unique_violation(&e) {
            return Err(AppError::new(ErrorCode::OrderNotAssignable).with(json!({"refused": [], "reason": "assigned_concurrently"})));
        }
        return Err(e.into());
    }
    let mut ev = user.event(&shop, "assign", json!({"factory_id": factory, "how": how, "orders": ids.len()}));
    ev.order_ids.clone_from(&ids);
    audit_both(&mut tx, now, &ev, &factory).await?;
    tx.commit().await?;
    Ok(AssignResult { assigned: ids.len() as u64, order_ids: ids })
}

/// Take orders back from their factories until they ship (owners, staff with `assign`); all
/// or nothing (`ASSIGNMENT_STATE_CONFLICT` lists the orders without an open assignment).
pub async fn recall(state: &AppState, user: &User, req: RecallRequest) -> AppResult<RecallResult> {
    let shop = shop_with(user, Permission::Assign)?;
    let ids = order_ids(&req.order_ids, MAX_ASSIGN)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let live = store::live_of(&mut tx, &shop, &ids).await?;
    if live.len() != ids.len() {
        let open: std::collections::HashSet<&str> = live.iter().map(|(o, _)| o.as_str()).collect();
        let missing: Vec<&String> = ids.iter().filter(|i| !open.contains(i.as_str())).collect();
        return Err(AppError::new(ErrorCode::AssignmentStateConflict).with(json!({"order_ids": missing})));
    }
    let n = store::end_assignments(&mut tx, &shop, &ids, "recalled", &user.username, now).await?;
    let mut per_factory: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (o, f) in &live {
        per_factory.entry(f.as_str()).or_default().push(o.clone());
    }
    for (factory, orders) in per_factory {
        let mut ev = user.event(&shop, "recall", json!({"factory_id": factory, "orders": orders.len()}));
        ev.order_ids.clone_from(&orders);
        audit_both(&mut tx, now, &ev, factory).await?;
        void_taken_back(&mut tx, now, user, &shop, factory, &orders).await?;
    }
    tx.commit().await?;
    Ok(RecallResult { recalled: n })
}

/// The shop's product rules (owners, staff with `assign`).
pub async fn rules(state: &AppState, user: &User) -> AppResult<Vec<AssignmentRule>> {
    let shop = shop_with(user, Permission::Assign)?;
    Ok(store::rules(&state.db.pool, &shop)
        .await?
        .into_iter()
        .map(|r| AssignmentRule { sku: r.sku, factory_id: r.factory_id, factory_name: r.factory_name, created_by: r.created_by, created_at: rfc3339(r.created_at) })
        .collect())
}

/// Set the rule of a SKU to a factory with an active binding, not suspended (a rule to a
/// factory suspended later assigns nothing at ingest while it is).
pub async fn set_rule(state: &AppState, user: &User, req: AssignmentRuleSet) -> AppResult<Vec<AssignmentRule>> {
    let shop = shop_with(user, Permission::Assign)?;
    let sku = req.sku.trim();
    if sku.is_empty() || sku.chars().count() > 64 || sku.chars().any(char::is_control) {
        return Err(invalid("sku", "1 to 64 characters"));
    }
    let factory = req.factory_id.trim();
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    if store::active_binding(&mut tx, &shop, factory).await?.is_none() {
        return Err(AppError::new(ErrorCode::FactoryNotBound).with(json!({"factory_id": factory})));
    }
    ensure_active(&mut tx, factory).await?;
    store::set_rule(&mut tx, &shop, sku, factory, &user.username, now).await?;
    let ev = user.event(&shop, "assign_rule_set", json!({"sku": sku, "factory_id": factory}));
    audit_both(&mut tx, now, &ev, factory).await?;
    tx.commit().await?;
    rules(state, user).await
}

/// Delete the rule of a SKU (`NOT_FOUND` if there is none).
pub async fn delete_rule(state: &AppState, user: &User, sku: &str) -> AppResult<Vec<AssignmentRule>> {
    let shop = shop_with(user, Permission::Assign)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    if !store::delete_rule(&mut tx, &shop, sku).await? {
        return Err(ErrorCode::NotFound.into());
    }
    let ev = user.event(&shop, "assign_rule_delete", json!({"sku": sku}));
    crate::audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    rules(state, user).await
}
