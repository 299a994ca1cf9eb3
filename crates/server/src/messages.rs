//! Buyer messages (飞鸽-style, DESIGN.md "Reaching the buyer without a revealed number",
//! issue 19): one thread per order between the buyer and the shop — or the factory while the
//! order is assigned to it — relayed by the platform. Buyer messages arrive through the
//! order system (service token); the shop and the factory write from the web app. No phone
//! number or address is needed; the order list shows each order's unread buyer messages.
//!
//! Who reads and writes: the shop's owner and staff with `view` read; the owner and staff
//! with `sms` write; the users of the factory an order is assigned to read and write. Any
//! other order looks absent (`ORDER_NOT_FOUND`). Replies are audited on the shop's chain
//! (and the factory's).

use std::collections::HashMap;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::{ApiError, ErrorCode, MessageSender, OrderMessage, OrderMessageCreate, OrderThread, OrderView, Permission, Role};
use serde_json::json;
use utoipa::OpenApi;

use crate::audit;
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath};
use crate::guard::{OrderSystem, User, factory_with};
use crate::state::AppState;
use crate::store::messages as store;

/// Messages a thread answer holds (the latest).
pub const THREAD_LIMIT: i64 = 500;
/// Most characters of a message.
pub const MAX_BODY: usize = 1000;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders/{order_id}/messages", get(thread).post(reply))
        .route("/api/v1/orders/{order_id}/messages/read", post(mark_read))
        .route("/api/v1/buyer/orders/{order_id}/messages", get(buyer_thread).post(buyer_message))
}

/// The side a user reads and writes on for `order_id`: `(shop, Some(factory))` for the
/// factory's users, `(shop, None)` for the shop's; `write` needs `sms` of shop staff.
async fn side(state: &AppState, user: &User, order_id: &str, write: bool) -> AppResult<(String, Option<String>)> {
    let not_found = || AppError::new(ErrorCode::OrderNotFound).with(json!({"order_id": order_id}));
    let mut conn = state.db.pool.acquire().await?;
    let order = crate::store::orders::by_id(&mut conn, order_id).await?.ok_or_else(not_found)?;
    match user.role {
        Role::Owner | Role::Staff => {
            let needed = if write { Permission::Sms } else { Permission::View };
            if !user.can(needed) {
                return Err(ErrorCode::Forbidden.into());
            }
            if user.shop_id.as_deref() != Some(order.shop_id.as_str()) {
                return Err(not_found());
            }
            Ok((order.shop_id, None))
        }
        Role::Factory | Role::FactoryStaff => {
            let f = factory_with(user, None)?;
            if crate::store::dropship::assigned_to(&mut conn, &f, &[order_id.to_string()]).await?.is_empty() {
                return Err(not_found());
            }
            Ok((order.shop_id, Some(f)))
        }
        Role::Admin => Err(ErrorCode::Forbidden.into()),
    }
}

fn view(r: store::MessageRow) -> AppResult<OrderMessage> {
    Ok(OrderMessage {
        sender: MessageSender::parse(&r.sender).ok_or_else(|| AppError::internal("bad message sender"))?,
        id: r.id,
        order_id: r.order_id,
        author: r.author,
        body: r.body,
        created_at: rfc3339(r.created_at),
    })
}

fn checked_body(body: &str) -> AppResult<String> {
    let b = body.trim();
    if b.is_empty() || b.chars().count() > MAX_BODY || b.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "body", "reason": "1 to 1000 characters"})));
    }
    Ok(b.to_string())
}

/// How many of `rows` came from the other side after `last_read`.
fn unread(rows: &[store::MessageRow], last_read: i64, mine: &[&str]) -> u32 {
    u32::try_from(rows.iter().filter(|m| m.id > last_read && !mine.contains(&m.sender.as_str())).count()).unwrap_or(u32::MAX)
}

/// An order's thread, oldest first, with what the reader had not read (the shop's users: the
/// buyer's messages; the factory's: the buyer's and the shop's).
#[utoipa::path(get, path = "/api/v1/orders/{order_id}/messages", params(("order_id" = String, Path)),
    responses((status = 200, body = OrderThread), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn thread(State(state): State<AppState>, user: User, ApiPath(order_id): ApiPath<String>) -> AppResult<Json<OrderThread>> {
    let (_, factory) = side(&state, &user, &order_id, false).await?;
    let (reader, mine): (&str, &[&str]) = if factory.is_some() { ("factory", &["factory"]) } else { ("shop", &["shop", "factory"]) };
    let mut conn = state.db.pool.acquire().await?;
    let rows = store::thread(&mut conn, &order_id, THREAD_LIMIT).await?;
    let last = store::last_read(&mut conn, &order_id, reader).await?;
    let unread = unread(&rows, last, mine);
    Ok(Json(OrderThread { order_id, unread, messages: rows.into_iter().map(view).collect::<AppResult<_>>()? }))
}

/// Mark the thread read up to its last message (the reader's side: the shop's or the factory's).
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/messages/read", params(("order_id" = String, Path)),
    responses((status = 200, body = OrderThread), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn mark_read(State(state): State<AppState>, user: User, ApiPath(order_id): ApiPath<String>) -> AppResult<Json<OrderThread>> {
    let (_, factory) = side(&state, &user, &order_id, false).await?;
    let reader = if factory.is_some() { "factory" } else { "shop" };
    let mut tx = state.db.begin_write().await?;
    let rows = store::thread(&mut tx, &order_id, 1).await?;
    if let Some(last) = rows.last() {
        store::mark_read(&mut tx, &order_id, reader, last.id).await?;
    }
    tx.commit().await?;
    thread(State(state), user, ApiPath(order_id)).await
}

/// Write to the buyer (owners and staff with `sms`; the order's factory while assigned).
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/messages", params(("order_id" = String, Path)), request_body = OrderMessageCreate,
    responses((status = 200, body = OrderMessage), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn reply(State(state): State<AppState>, user: User, ApiPath(order_id): ApiPath<String>, ApiJson(req): ApiJson<OrderMessageCreate>) -> AppResult<Json<OrderMessage>> {
    let (shop, factory) = side(&state, &user, &order_id, true).await?;
    let body = checked_body(&req.body)?;
    let now = state.now();
    let sender = if factory.is_some() { "factory" } else { "shop" };
    let mut tx = state.db.begin_write().await?;
    let id = store::insert(&mut tx, &order_id, &shop, sender, &user.username, factory.as_deref(), &body, now).await?;
    store::mark_read(&mut tx, &order_id, sender, id).await?;
    let mut ev = user.event(&shop, "message_reply", json!({"message_id": id, "factory_id": factory, "chars": body.chars().count()}));
    ev.order_ids = vec![order_id.clone()];
    let mut rows = vec![(now, ev.clone())];
    if let Some(f) = &factory {
        rows.push((now, ev.for_factory(f)));
    }
    audit::append_many(&mut tx, &rows).await?;
    tx.commit().await?;
    Ok(Json(OrderMessage { id, order_id, sender: MessageSender::parse(sender).unwrap_or(MessageSender::Shop), author: user.username.clone(), body, created_at: rfc3339(now) }))
}

/// The names the buyer sees: the shop's and the factories'.
async fn buyer_names(conn: &mut sqlx::AnyConnection, shop: &str, rows: &[store::MessageRow]) -> AppResult<HashMap<String, String>> {
    let mut names = HashMap::new();
    names.insert(String::new(), crate::store::sms::shop_name(conn, shop).await?);
    for f in rows.iter().filter_map(|r| r.factory_id.clone()) {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(f) {
            let name = crate::store::dropship::factory(&mut *conn, e.key()).await?.map_or_else(|| e.key().clone(), |x| x.name);
            e.insert(name);
        }
    }
    Ok(names)
}

/// The thread as the buyer sees it, through the order system (service token): authors are
/// 买家, the shop's name or the factory's, never a staff member's name; reading it marks the
/// shop's and the factory's messages read by the buyer.
#[utoipa::path(get, path = "/api/v1/buyer/orders/{order_id}/messages", params(("order_id" = String, Path)),
    responses((status = 200, body = OrderThread), (status = 401, body = ApiError), (status = 404, body = ApiError)), security(("service_token" = [])))]
pub async fn buyer_thread(State(state): State<AppState>, _o: OrderSystem, ApiPath(order_id): ApiPath<String>) -> AppResult<Json<OrderThread>> {
    let mut tx = state.db.begin_write().await?;
    let order = crate::store::orders::by_id(&mut tx, &order_id).await?.ok_or_else(|| AppError::new(ErrorCode::OrderNotFound))?;
    let rows = store::thread(&mut tx, &order_id, THREAD_LIMIT).await?;
    let last = store::last_read(&mut tx, &order_id, "buyer").await?;
    let unread = unread(&rows, last, &["buyer"]);
    if let Some(m) = rows.last() {
        store::mark_read(&mut tx, &order_id, "buyer", m.id).await?;
    }
    let names = buyer_names(&mut tx, &order.shop_id, &rows).await?;
    tx.commit().await?;
    let messages = rows
        .into_iter()
        .map(|mut r| {
            r.author = match r.sender.as_str() {
                "buyer" => "买家".to_string(),
                _ => names.get(r.factory_id.as_deref().unwrap_or("")).cloned().unwrap_or_default(),
            };
            view(r)
        })
        .collect::<AppResult<_>>()?;
    Ok(Json(OrderThread { order_id, messages, unread }))
}

/// A buyer's message, relayed by the order system (service token).
#[utoipa::path(post, path = "/api/v1/buyer/orders/{order_id}/messages", params(("order_id" = String, Path)), request_body = OrderMessageCreate,
    responses((status = 200, body = OrderMessage), (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)), security(("service_token" = [])))]
pub async fn buyer_message(State(state): State<AppState>, _o: OrderSystem, ApiPath(order_id): ApiPath<String>, ApiJson(req): ApiJson<OrderMessageCreate>) -> AppResult<Json<OrderMessage>> {
    let body = checked_body(&req.body)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let order = crate::store::orders::by_id(&mut tx, &order_id).await?.ok_or_else(|| AppError::new(ErrorCode::OrderNotFound))?;
    let id = store::insert(&mut tx, &order_id, &order.shop_id, "buyer", "buyer", None, &body, now).await?;
    store::mark_read(&mut tx, &order_id, "buyer", id).await?;
    tx.commit().await?;
    Ok(Json(OrderMessage { id, order_id, sender: MessageSender::Buyer, author: "买家".into(), body, created_at: rfc3339(now) }))
}

/// Fill each order's unread buyer messages (the order list and the order page).
pub async fn with_unread(conn: &mut sqlx::AnyConnection, orders: &mut [OrderView]) -> AppResult<()> {
    let ids: Vec<String> = orders.iter().map(|o| o.order_id.clone()).collect();
    let counts: HashMap<String, i64> = store::unread_by_shop(conn, &ids).await?.into_iter().collect();
    for o in orders.iter_mut() {
        o.unread_messages = counts.get(&o.order_id).map_or(0, |n| u32::try_from(*n).unwrap_or(u32::MAX));
    }
    Ok(())
}

/// The OpenAPI paths of buyer messages.
#[derive(OpenApi)]
#[openapi(paths(thread, mark_read, reply, buyer_thread, buyer_message), components(schemas(MessageSender, OrderMessage, OrderMessageCreate, OrderThread)))]
pub struct MessagesDoc;
