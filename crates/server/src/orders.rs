//! The masked order list and detail. Merchants see only their shop; searches by phone,
//! name or address go through the shop's blind index (the server computes the query
//! tokens; plaintext search terms are never stored or logged).

use orderveil_api::{ErrorCode, Item, OrderPage, OrderQuery, OrderStatus, OrderView, ReceiverFields};
use orderveil_cipher::{FieldKind, ShopId};
use serde_json::json;

use crate::guard::Caller;
use crate::clock::rfc3339;
use crate::store::{self, orders::OrderRow};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::extract::State;
use axum::routing;
use axum::{Json, Router};
use orderveil_api::ApiError;
use utoipa::OpenApi;
use crate::extract::{ApiPath, ApiQuery};

fn to_view(r: OrderRow, now: i64) -> AppResult<OrderView> {
    let status = OrderStatus::parse(&r.status).ok_or_else(|| AppError::internal("bad status in orders table"))?;
    let items: Vec<Item> = serde_json::from_str(&r.items).map_err(AppError::internal)?;
    let shipment = match (r.carrier, r.tracking_no, r.shipped_at) {
        (Some(carrier), Some(tracking_no), Some(at)) => Some(crate::shipping::shipment(carrier, tracking_no, at)),
        _ => None,
    };
    let masked = ReceiverFields { name: r.name_masked, phone: r.phone_masked, address: r.address_masked };
    let ciphertext = ReceiverFields { name: r.name_ct, phone: r.phone_ct, address: r.address_ct };
    Ok(OrderView {
        order_id: r.order_id,
        shop_id: r.shop_id,
        status,
        created_at: rfc3339(r.created_at),
        completed_at: r.completed_at.map(rfc3339),
        items,
        amount_cents: r.amount_cents,
        masked,
        ciphertext,
        receiver_key: r.receiver_key,
        revealable: r.shredded == 0 && status.allows_reveal(r.completed_at, now),
        shredded: r.shredded != 0,
        shipment,
        assignment: None,
        unread_messages: 0,
    })
}

// The filter's fields and its SQL are the store's; this room turns a request into one.
pub use crate::store::orders::OrderFilter;

impl OrderFilter {
    /// Validate the filter fields of `q` (`page`, `per_page` and `shop_id` are the caller's)
    /// and compute their tokens under `shop`'s index key.
    pub fn resolve(state: &AppState, shop: &str, q: &OrderQuery) -> AppResult<Self> {
        let shop_id = ShopId::new(shop).map_err(|_| AppError::new(ErrorCode::ValidationFailed))?;
        let mut f = Self { shop_id: shop.to_string(), status: q.status, ..Self::default() };
        if let Some(id) = q.order_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            f.searched = true;
            f.order_id = Some(id.into());
        }
        if let Some(last4) = q.phone_last4.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
                return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "phone_last4", "reason": "4 digits"})));
            }
            f.searched = true;
            f.phone_last4 = Some(last4.into());
        }
        let ikey = state.keys.index_key(&shop_id);
        if let Some(phone) = q.phone.as_deref().filter(|s| !s.trim().is_empty()) {
            crate::search::check_phone_term("phone", phone)?;
            f.searched = true;
            f.metered.push(FieldKind::Phone);
            f.phone_token = Some(ikey.query_tokens(FieldKind::Phone, phone).into_iter().next().unwrap_or_else(|| "-".into()));
        }
        let fragment = |frag: &Option<String>, kind: FieldKind| frag.as_deref().filter(|s| !s.trim().is_empty()).map(|s| ikey.query_tokens(kind, s));
        if let Some(tokens) = fragment(&q.name, FieldKind::Name) {
            f.searched = true;
            f.metered.push(FieldKind::Name);
            f.name_tokens = tokens;
        }
        if let Some(tokens) = fragment(&q.address, FieldKind::Address) {
            f.searched = true;
            f.metered.push(FieldKind::Address);
            f.address_tokens = tokens;
        }
        Ok(f)
    }

    /// Search units this filter costs: one per receiver term ([`crate::search`]).
    pub fn units(&self) -> u32 {
        u32::try_from(self.metered.len()).unwrap_or(u32::MAX)
    }

    /// Matching orders: counted for a search, else read from the per-status counters (a
    /// shop's 1,000,000 orders are never counted row by row).
    pub async fn count(&self, state: &AppState) -> AppResult<u64> {
        let mut conn = state.db.pool.acquire().await?;
        self.count_on(&mut conn).await
    }

    /// The orders a search matched, for their receipts (up to
    /// [`crate::disclosure::MAX_SEARCH_RECEIPTS`]).
    pub async fn matching_ids_on(&self, conn: &mut sqlx::AnyConnection) -> AppResult<Vec<String>> {
        let max = i64::try_from(crate::disclosure::MAX_SEARCH_RECEIPTS).unwrap_or(i64::MAX);
        Ok(store::orders::filtered_ids(conn, self, max).await?)
    }

    /// [`OrderFilter::count`] through `conn` (a metered search counts inside its charge's
    /// transaction).
    pub async fn count_on(&self, conn: &mut sqlx::AnyConnection) -> AppResult<u64> {
        Ok(u64::try_from(store::orders::count(conn, self).await?).unwrap_or(0))
    }
}

/// `GET /api/v1/orders`.
pub async fn list(state: &AppState, caller: &Caller, q: OrderQuery) -> AppResult<OrderPage> {
    let shop = caller.readable_shop(q.shop_id.as_deref())?;
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(20);
    if !(1..=200).contains(&per_page) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "per_page", "reason": "1 to 200"})));
    }
    let filter = OrderFilter::resolve(state, &shop, &q)?;
    // Receiver-field terms are metered: charged, counted and audited in one transaction.
    let total = match crate::search::Meter::begin(state, caller, &shop, &filter.metered, filter.units(), "orders").await? {
        Some(mut meter) => {
            let total = filter.count_on(meter.conn()).await?;
            let matched = filter.matching_ids_on(meter.conn()).await?;
            meter.finish(Some(total), matched).await?;
            total
        }
        None => filter.count(state).await?,
    };
    let offset = i64::from(page - 1) * i64::from(per_page);
    let now = state.now();
    let mut conn = state.db.pool.acquire().await?;
    let rows = store::orders::page(&mut conn, &filter, i64::from(per_page), offset).await?;
    let mut orders = rows.into_iter().map(|r| to_view(r, now)).collect::<AppResult<Vec<_>>>()?;
    with_assignments(&mut conn, &mut orders).await?;
    crate::messages::with_unread(&mut conn, &mut orders).await?;
    Ok(OrderPage { orders, page, per_page, total })
}

/// `GET /api/v1/orders/{id}`: another shop's order is "not found", never "forbidden", so
/// ids of other shops cannot be probed.
pub async fn get(state: &AppState, caller: &Caller, order_id: &str) -> AppResult<OrderView> {
    let mut conn = state.db.pool.acquire().await?;
    let row = store::orders::by_id(&mut conn, order_id).await?;
    let row = row.ok_or_else(|| AppError::new(ErrorCode::OrderNotFound))?;
    if !caller.can_read_order_of(&row.shop_id) {
        return Err(AppError::new(ErrorCode::OrderNotFound));
    }
    let mut view = [to_view(row, state.now())?];
    with_assignments(&mut conn, &mut view).await?;
    crate::messages::with_unread(&mut conn, &mut view).await?;
    let [view] = view;
    Ok(view)
}

/// Fill in which factory each order is assigned to (厂商代发), if any.
async fn with_assignments(conn: &mut sqlx::AnyConnection, orders: &mut [OrderView]) -> AppResult<()> {
    let ids: Vec<String> = orders.iter().map(|o| o.order_id.clone()).collect();
    for a in store::dropship::of_orders(conn, &ids).await? {
        if let Some(o) = orders.iter_mut().find(|o| o.order_id == a.order_id) {
            o.assignment = Some(orderveil_api::OrderAssignment {
                status: orderveil_api::AssignmentStatus::parse(&a.status).ok_or_else(|| AppError::internal("bad assignment status"))?,
                factory_id: a.factory_id,
                factory_name: a.factory_name,
                assigned_at: rfc3339(a.assigned_at),
            });
        }
    }
    Ok(())
}

/// One order's view inside a transaction (no permission check: the caller has made it),
/// `None` if there is no such order.
pub async fn view_in(conn: &mut sqlx::AnyConnection, order_id: &str, now: i64) -> AppResult<Option<OrderView>> {
    let row = store::orders::by_id(conn, order_id).await?;
    row.map(|r| to_view(r, now)).transpose()
}

// ---------------------------------------------------------------------------------------
// Routes

/// The masked order routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders", routing::get(list_orders))
        .route("/api/v1/orders/{id}", routing::get(get_order))
}

/// Masked orders of the caller's shop, with filters and blind-index search.
#[utoipa::path(get, path = "/api/v1/orders", params(OrderQuery), responses((status = 200, body = OrderPage), (status = 401, body = ApiError)))]
async fn list_orders(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<OrderQuery>) -> AppResult<Json<OrderPage>> {
    list(&state, &caller, q).await.map(Json)
}

/// One masked order.
#[utoipa::path(get, path = "/api/v1/orders/{id}", params(("id" = String, Path)), responses((status = 200, body = OrderView), (status = 404, body = ApiError)))]
async fn get_order(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<String>) -> AppResult<Json<OrderView>> {
    get(&state, &caller, &id).await.map(Json)
}

/// The OpenAPI paths of these routes.
#[derive(OpenApi)]
#[openapi(paths(list_orders, get_order))]
pub struct OrdersDoc;
