//! The masked order list and detail. Merchants see only their shop; searches by phone,
//! name or address go through the shop's blind index (the server computes the query
//! tokens; plaintext search terms are never stored or logged).

use orderveil_api::{ErrorCode, Item, OrderPage, OrderQuery, OrderStatus, OrderView, ReceiverFields};
use orderveil_cipher::{FieldKind, ShopId};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::guard::Caller;
use crate::clock::rfc3339;
use crate::store::{Arg, bind_all};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::extract::State;
use axum::routing;
use axum::{Json, Router};
use orderveil_api::ApiError;
use utoipa::OpenApi;
use crate::extract::{ApiPath, ApiQuery};

const COLUMNS: &str = "order_id, shop_id, status, created_at, completed_at, items, amount_cents, name_masked, phone_masked, address_masked, \
                       name_ct, phone_ct, address_ct, receiver_key, carrier, tracking_no, shipped_at";

/// One row of [`COLUMNS`] (more columns than sqlx decodes into a tuple).
struct Row {
    order_id: String,
    shop_id: String,
    status: String,
    created_at: i64,
    completed_at: Option<i64>,
    items: String,
    amount_cents: i64,
    masked: [String; 3],
    ciphertext: [String; 3],
    receiver_key: String,
    carrier: Option<String>,
    tracking_no: Option<String>,
    shipped_at: Option<i64>,
}

impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for Row {
    fn from_row(r: &'r sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row as _;
        Ok(Self {
            order_id: r.try_get(0)?,
            shop_id: r.try_get(1)?,
            status: r.try_get(2)?,
            created_at: r.try_get(3)?,
            completed_at: r.try_get(4)?,
            items: r.try_get(5)?,
            amount_cents: r.try_get(6)?,
            masked: [r.try_get(7)?, r.try_get(8)?, r.try_get(9)?],
            ciphertext: [r.try_get(10)?, r.try_get(11)?, r.try_get(12)?],
            receiver_key: r.try_get(13)?,
            carrier: r.try_get(14)?,
            tracking_no: r.try_get(15)?,
            shipped_at: r.try_get(16)?,
        })
    }
}

fn to_view(r: Row, now: i64) -> AppResult<OrderView> {
    let status = OrderStatus::parse(&r.status).ok_or_else(|| AppError::internal("bad status in orders table"))?;
    let items: Vec<Item> = serde_json::from_str(&r.items).map_err(AppError::internal)?;
    let shipment = match (r.carrier, r.tracking_no, r.shipped_at) {
        (Some(carrier), Some(tracking_no), Some(at)) => Some(crate::shipping::shipment(carrier, tracking_no, at)),
        _ => None,
    };
    let [name, phone, address] = r.masked;
    let masked = ReceiverFields { name, phone, address };
    let [name, phone, address] = r.ciphertext;
    let ciphertext = ReceiverFields { name, phone, address };
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
        revealable: status.allows_reveal(r.completed_at, now),
        shipment,
    })
}

/// A filter of one shop's orders, with the search terms already turned into what the store
/// is searched by: blind-index tokens (phone, name, address), the last 4 phone digits (which
/// the mask shows anyway), the order id and the status. The order list builds one per request;
/// an export job stores it (never the plaintext terms) and re-runs it on each download.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFilter {
    /// The shop.
    pub shop_id: String,
    /// Status.
    pub status: Option<OrderStatus>,
    /// Exact order id.
    pub order_id: Option<String>,
    /// Last 4 phone digits.
    pub phone_last4: Option<String>,
    /// The phone's exact-match token (`-`, which no order has, for a phone without digits).
    pub phone_token: Option<String>,
    /// Name window tokens, all of which must occur (none: the fragment was too short to narrow).
    pub name_tokens: Vec<String>,
    /// Address window tokens, likewise.
    pub address_tokens: Vec<String>,
    /// A search term was given, so the count cannot come from the per-status counters.
    pub searched: bool,
    /// The receiver fields searched (each a metered search unit, [`crate::search`]); not
    /// stored with an export job, which is charged once, when it is created.
    #[serde(skip)]
    pub metered: Vec<FieldKind>,
}

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

    /// The `WHERE` clause (`$1…$n`) and its arguments.
    pub fn where_clause(&self) -> (String, Vec<Arg>) {
        let mut conds = vec!["shop_id = $1".to_string()];
        let mut args = vec![Arg::S(self.shop_id.clone())];
        let push = |conds: &mut Vec<String>, args: &mut Vec<Arg>, sql: &str, a: Arg| {
            args.push(a);
            conds.push(sql.replace('?', &format!("${}", args.len())));
        };
        if let Some(s) = self.status {
            push(&mut conds, &mut args, "status = ?", Arg::S(s.as_str().into()));
        }
        if let Some(id) = &self.order_id {
            push(&mut conds, &mut args, "order_id = ?", Arg::S(id.clone()));
        }
        if let Some(last4) = &self.phone_last4 {
            push(&mut conds, &mut args, "phone_last4 = ?", Arg::S(last4.clone()));
        }
        if let Some(t) = &self.phone_token {
            push(&mut conds, &mut args, "phone_token = ?", Arg::S(t.clone()));
        }
        for (col, tokens) in [("name_index", &self.name_tokens), ("address_index", &self.address_tokens)] {
            for t in tokens {
                push(&mut conds, &mut args, &format!("{col} LIKE ?"), Arg::S(format!("%{t}%")));
            }
        }
        (conds.join(" AND "), args)
    }

    /// Matching orders: counted for a search, else read from the per-status counters (a
    /// shop's 1,000,000 orders are never counted row by row).
    pub async fn count(&self, state: &AppState) -> AppResult<u64> {
        let mut conn = state.db.pool.acquire().await?;
        self.count_on(&mut conn).await
    }

    /// [`OrderFilter::count`] through `conn` (a metered search counts inside its charge's
    /// transaction).
    pub async fn count_on(&self, conn: &mut sqlx::AnyConnection) -> AppResult<u64> {
        let total: i64 = if self.searched {
            let (where_, args) = self.where_clause();
            let sql = format!("SELECT COUNT(*) FROM orders WHERE {where_}");
            bind_all(sqlx::query_as::<_, (i64,)>(&sql), &args).fetch_one(&mut *conn).await?.0
        } else {
            let (sql, status) = match self.status {
                Some(s) => ("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM shop_order_counts WHERE shop_id = $1 AND status = $2", Some(s.as_str())),
                None => ("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM shop_order_counts WHERE shop_id = $1", None),
            };
            let mut qq = sqlx::query_as::<_, (i64,)>(sql).bind(self.shop_id.clone());
            if let Some(s) = status {
                qq = qq.bind(s);
            }
            qq.fetch_one(&mut *conn).await?.0
        };
        Ok(u64::try_from(total).unwrap_or(0))
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
            meter.finish(Some(total)).await?;
            total
        }
        None => filter.count(state).await?,
    };
    let (where_, mut args) = filter.where_clause();
    let offset = i64::from(page - 1) * i64::from(per_page);
    args.push(Arg::I(i64::from(per_page)));
    args.push(Arg::I(offset));
    let sql = format!(
        "SELECT {COLUMNS} FROM orders WHERE {where_} ORDER BY created_at DESC, order_id DESC LIMIT ${} OFFSET ${}",
        args.len() - 1,
        args.len()
    );
    let now = state.now();
    let orders = bind_all(sqlx::query_as::<_, Row>(&sql), &args).fetch_all(&state.db.pool).await?.into_iter().map(|r| to_view(r, now)).collect::<AppResult<Vec<_>>>()?;
    Ok(OrderPage { orders, page, per_page, total })
}

/// `GET /api/v1/orders/{id}`: another shop's order is "not found", never "forbidden", so
/// ids of other shops cannot be probed.
pub async fn get(state: &AppState, caller: &Caller, order_id: &str) -> AppResult<OrderView> {
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE order_id = $1");
    let row: Option<Row> = sqlx::query_as(&sql).bind(order_id).fetch_optional(&state.db.pool).await?;
    let row = row.ok_or_else(|| AppError::new(ErrorCode::OrderNotFound))?;
    if !caller.can_read_order_of(&row.shop_id) {
        return Err(AppError::new(ErrorCode::OrderNotFound));
    }
    to_view(row, state.now())
}

/// One order's view inside a transaction (no permission check: the caller has made it),
/// `None` if there is no such order.
pub async fn view_in(conn: &mut sqlx::AnyConnection, order_id: &str, now: i64) -> AppResult<Option<OrderView>> {
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE order_id = $1");
    let row: Option<Row> = sqlx::query_as(&sql).bind(order_id).fetch_optional(conn).await?;
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
