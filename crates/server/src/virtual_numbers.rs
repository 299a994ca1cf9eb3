//! Virtual numbers (隐私号, DESIGN.md "Reaching the buyer without a revealed number", issue
//! 19): instead of the real number, an owner or staff with `reveal` — or the order's factory
//! (a user with `ship`) — asks for a number from the platform's pool bound to the order's
//! receiver until the platform's days after completion. Asking again returns the same
//! binding. The pool is a table: taking an entry is one conditional update in the binding's
//! transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and an exhausted pool is
//! `VIRTUAL_NUMBER_POOL_EXHAUSTED`. Ended bindings (past their end, or the order cancelled,
//! closed or shredded) are released before each allocation and by the purger.
//!
//! Calls happen outside OrderVeil: the telephony partner's switch resolves a dialled number
//! and extension to the real number through [`lookup`], which only the telephony token
//! reaches; each lookup is audited on the shop's chain. A binding is a disclosure path — the
//! holder can reach the receiver — so each bind is audited too.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use orderveil_api::{ApiError, ErrorCode, OrderStatus, Permission, Role, TelephonyBinding, TelephonyQuery, VirtualNumber, VirtualNumberPool, VirtualNumberRange};
use orderveil_cipher::{FieldCiphertext, FieldKind, OrderId, ShopId};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use utoipa::OpenApi;

use crate::audit::{self, Event};
use crate::auth::ct_eq;
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::guard::{User, bearer, factory_with, require_admin};
use crate::state::AppState;
use crate::store::Backend;
use crate::store::vnum::{self as store, BindingRow};

/// Most numbers one range adds.
pub const MAX_NUMBERS: u64 = 10_000;
/// Most pool entries one request adds.
pub const MAX_ENTRIES: u64 = 100_000;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders/{order_id}/virtual-number", get(current).post(request))
        .route("/api/v1/admin/virtual-numbers", get(pool).post(add_range))
        .route("/api/v1/telephony/virtual-numbers/{number}", get(lookup))
}

fn view(b: &BindingRow) -> VirtualNumber {
    let display = match b.number.len() {
        11 => format!("{} {} {}", &b.number[..3], &b.number[3..7], &b.number[7..]),
        _ => b.number.clone(),
    };
    let display = if b.extension.is_empty() { display } else { format!("{display} 转 {}", b.extension) };
    VirtualNumber {
        order_id: b.order_id.clone(),
        number: b.number.clone(),
        extension: b.extension.clone(),
        display,
        valid_from: rfc3339(b.valid_from),
        valid_to: b.valid_to.map(rfc3339),
    }
}

/// Who may hold a virtual number of `order_id`: the order's shop (owner, staff with
/// `reveal`) or the factory it is assigned to (a user with `ship`). Returns the order's
/// shop and, for a factory, the factory; any other order looks absent.
async fn holder(user: &User, order_id: &str, conn: &mut sqlx::AnyConnection) -> AppResult<(crate::store::orders::OrderRow, Option<String>)> {
    let not_found = || AppError::new(ErrorCode::OrderNotFound).with(json!({"order_id": order_id}));
    let factory = match user.role {
        Role::Owner | Role::Staff if user.can(Permission::Reveal) => None,
        Role::Factory | Role::FactoryStaff => Some(factory_with(user, Some(Permission::Ship))?),
        _ => return Err(ErrorCode::Forbidden.into()),
    };
    let order = crate::store::orders::by_id(conn, order_id).await?.ok_or_else(not_found)?;
    match &factory {
        None if user.shop_id.as_deref() != Some(order.shop_id.as_str()) => return Err(not_found()),
        Some(f) if crate::store::dropship::assigned_to(conn, f, &[order_id.to_string()]).await?.is_empty() => return Err(not_found()),
        _ => {}
    }
    Ok((order, factory))
}

/// Ask for a virtual number for an order's receiver (owners and staff with `reveal`; the
/// order's factory with `ship`). The live binding if there is one, else a new one.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/virtual-number", params(("order_id" = String, Path)),
    responses((status = 200, body = VirtualNumber), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError, description = "VIRTUAL_NUMBER_UNAVAILABLE, ORDER_SHREDDED"),
              (status = 503, body = ApiError, description = "VIRTUAL_NUMBER_POOL_EXHAUSTED")))]
pub async fn request(State(state): State<AppState>, user: User, ApiPath(order_id): ApiPath<String>) -> AppResult<Json<VirtualNumber>> {
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let days = store::days(&mut *tx).await?;
    store::release_ended(&mut tx, now, days).await?;
    let (order, factory) = holder(&user, &order_id, &mut tx).await?;
    if order.shredded != 0 {
        return Err(AppError::new(ErrorCode::OrderShredded).with(json!({"order_ids": [order_id]})));
    }
    match OrderStatus::parse(&order.status) {
        Some(OrderStatus::AwaitingShipment | OrderStatus::Shipped | OrderStatus::AfterSale | OrderStatus::Completed) => {}
        _ => return Err(AppError::new(ErrorCode::VirtualNumberUnavailable).with(json!({"reason": "order_status", "status": order.status}))),
    }
    let valid_to = order.completed_at.map(|c| c + days * 86_400);
    if valid_to.is_some_and(|t| t <= now) {
        return Err(AppError::new(ErrorCode::VirtualNumberUnavailable).with(json!({"reason": "expired"})));
    }
    if let Some(live) = store::live_of_order(&mut tx, &order_id).await? {
        tx.commit().await?;
        return Ok(Json(view(&live)));
    }
    let Some((pool_id, number, extension)) = store::take_free(&mut tx, state.db.backend == Backend::Postgres).await? else {
        return Err(ErrorCode::VirtualNumberPoolExhausted.into());
    };
    let id = store::bind(&mut tx, (pool_id, &number, &extension), &order_id, &order.shop_id, factory.as_deref(), &user.username, now, valid_to).await?;
    let mut ev = user.event(&order.shop_id, "virtual_number_bind", json!({"binding_id": id, "number": number, "extension": extension, "factory_id": factory}));
    ev.order_ids = vec![order_id.clone()];
    let actor = user.disclosure_actor();
    ev.disclosure = Some(crate::disclosure::Disclosure::new(orderveil_api::DisclosurePath::VirtualNumber, ["phone"], actor, Some("contact")));
    let mut rows = vec![(now, ev.clone())];
    if let Some(f) = &factory {
        rows.push((now, ev.for_factory(f)));
    }
    audit::append_many(&mut tx, &rows).await?;
    let live = store::live_of_order(&mut tx, &order_id).await?.ok_or_else(|| AppError::internal("binding vanished"))?;
    tx.commit().await?;
    Ok(Json(view(&live)))
}

/// The order's live virtual number, if any (the same callers as asking for one).
#[utoipa::path(get, path = "/api/v1/orders/{order_id}/virtual-number", params(("order_id" = String, Path)),
    responses((status = 200, body = VirtualNumber), (status = 403, body = ApiError), (status = 404, body = ApiError, description = "ORDER_NOT_FOUND, or NOT_FOUND: no live binding")))]
pub async fn current(State(state): State<AppState>, user: User, ApiPath(order_id): ApiPath<String>) -> AppResult<Json<VirtualNumber>> {
    let mut conn = state.db.pool.acquire().await?;
    holder(&user, &order_id, &mut conn).await?;
    let live = store::live_of_order(&mut conn, &order_id).await?.filter(|b| b.valid_to.is_none_or(|t| t > state.now()));
    live.map(|b| Json(view(&b))).ok_or_else(|| ErrorCode::NotFound.into())
}

/// The pool's size (platform admins).
#[utoipa::path(get, path = "/api/v1/admin/virtual-numbers", responses((status = 200, body = VirtualNumberPool), (status = 403, body = ApiError)))]
pub async fn pool(State(state): State<AppState>, user: User) -> AppResult<Json<VirtualNumberPool>> {
    require_admin(&user)?;
    let (total, free) = store::pool_size(&state.db.pool).await?;
    Ok(Json(VirtualNumberPool { total: u64::try_from(total).unwrap_or(0), free: u64::try_from(free).unwrap_or(0), added: 0 }))
}

/// Add a range of numbers with extensions to the pool (platform admins); audited.
#[utoipa::path(post, path = "/api/v1/admin/virtual-numbers", request_body = VirtualNumberRange,
    responses((status = 200, body = VirtualNumberPool), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn add_range(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<VirtualNumberRange>) -> AppResult<Json<VirtualNumberPool>> {
    require_admin(&user)?;
    let invalid = |reason: &str| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "first", "reason": reason}));
    let digits = |s: &str| (6..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(&req.first) || !digits(&req.last) || req.first.len() != req.last.len() {
        return Err(invalid("first and last: 6 to 15 digits, the same length"));
    }
    let (first, last): (u64, u64) = (req.first.parse().map_err(|_| invalid("digits"))?, req.last.parse().map_err(|_| invalid("digits"))?);
    if last < first || last - first + 1 > MAX_NUMBERS {
        return Err(invalid("last ≥ first, at most 10000 numbers"));
    }
    if req.extensions > 9999 {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "extensions", "reason": "0 to 9999"})));
    }
    let per = u64::from(req.extensions.max(1));
    if (last - first + 1) * per > MAX_ENTRIES {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "extensions", "reason": "at most 100000 entries a request"})));
    }
    let width = req.first.len();
    let mut entries = Vec::new();
    for n in first..=last {
        let number = format!("{n:0width$}");
        if req.extensions == 0 {
            entries.push((number, String::new()));
        } else {
            entries.extend((1..=req.extensions).map(|e| (number.clone(), format!("{e:04}"))));
        }
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let added = store::add_entries(&mut tx, &entries, now).await?;
    let mut ev = Event::new(&user.username, Some(user.id), None, "virtual_numbers_add", "ok");
    ev.details = json!({"first": req.first, "last": req.last, "extensions": req.extensions, "added": added});
    audit::append(&mut tx, now, &ev).await?;
    let (total, free) = store::pool_size(&mut *tx).await?;
    tx.commit().await?;
    Ok(Json(VirtualNumberPool { total: u64::try_from(total).unwrap_or(0), free: u64::try_from(free).unwrap_or(0), added }))
}

/// The telephony partner, authenticated by `Authorization: Bearer <telephony token>` (no
/// other token, session or app reaches it).
#[derive(Debug)]
pub struct Telephony;

impl FromRequestParts<AppState> for Telephony {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let token = bearer(&parts.headers).ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
        let got = Sha256::digest(token.as_bytes());
        if ct_eq(&got, &state.telephony_token_sha256) { Ok(Self) } else { Err(AppError::new(ErrorCode::Unauthenticated)) }
    }
}

/// Resolve a dialled number and extension to the receiver's real number (the telephony
/// token only): the live binding's order, decrypted on this request and never stored; audited
/// on the shop's chain.
#[utoipa::path(get, path = "/api/v1/telephony/virtual-numbers/{number}", params(("number" = String, Path), TelephonyQuery),
    responses((status = 200, body = TelephonyBinding), (status = 401, body = ApiError), (status = 404, body = ApiError, description = "no live binding")),
    security(("telephony_token" = [])))]
pub async fn lookup(State(state): State<AppState>, _t: Telephony, ApiPath(number): ApiPath<String>, ApiQuery(q): ApiQuery<TelephonyQuery>) -> AppResult<Json<TelephonyBinding>> {
    let now = state.now();
    let extension = q.extension.unwrap_or_default();
    let mut tx = state.db.begin_write().await?;
    let days = store::days(&mut *tx).await?;
    store::release_ended(&mut tx, now, days).await?;
    let b = store::live_of_number(&mut tx, &number, &extension).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let key = crate::store::sms::order_key(&mut tx, &b.order_id).await?;
    let Some((kek, Some(wrapped))) = key else { return Err(ErrorCode::NotFound.into()) };
    let order = crate::store::orders::by_id(&mut tx, &b.order_id).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let mut ev = Event::new("telephony", None, Some(&b.shop_id), "virtual_number_lookup", "ok");
    ev.order_ids = vec![b.order_id.clone()];
    ev.details = json!({"binding_id": b.id, "number": b.number, "extension": b.extension});
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    let oid = OrderId::new(&b.order_id).map_err(AppError::internal)?;
    let keys = crate::grants::keys_for(&state, [kek]).await?;
    let dek = crate::grants::unwrap_dek(&keys, &oid, kek, &wrapped)?;
    let ct = FieldCiphertext::parse(&order.phone_ct).map_err(AppError::internal)?;
    let real = ct.decrypt(&dek.field_key(FieldKind::Phone), &ShopId::new(&b.shop_id).map_err(AppError::internal)?, &oid).map_err(AppError::internal)?;
    Ok(Json(TelephonyBinding { order_id: b.order_id.clone(), shop_id: b.shop_id.clone(), real_number: real.to_string(), valid_from: rfc3339(b.valid_from), valid_to: b.valid_to.map(rfc3339) }))
}

/// The OpenAPI paths of virtual numbers.
#[derive(OpenApi)]
#[openapi(paths(request, current, pool, add_range, lookup), components(schemas(VirtualNumber, VirtualNumberRange, VirtualNumberPool, TelephonyBinding)))]
pub struct VirtualNumbersDoc;
