//! An example ISV (third-party order software) backend for OrderVeil.
//!
//! What a real ISV does, in ~200 lines:
//!
//! * It holds the **app credentials** (app id + secret, from the platform admin) and, for the
//!   shop that authorized the app, obtains **short-lived access tokens** from
//!   `POST /api/v1/isv/token` (client credentials), refreshing them with the one-time refresh
//!   token before they expire.
//! * It pulls the shop's orders **as ciphertext plus masked text** from `GET /api/v1/orders`
//!   and hands them to its page. It never has, and never asks for, plaintext.
//! * Its page (`static/`) is served from the ISV's own origin and reveals a field with the
//!   `@orderveil/reveal` package: the `<orderveil-field>` element asks for a one-time grant
//!   with an access token from `GET /backend/token` and decrypts in Wasm in the browser (or,
//!   in isolated mode, inside a frame served by OrderVeil).
//! * Every reveal states its **purpose** (手工发货, 售后处理, …): the shop authorizes the app for
//!   a list of purposes, and OrderVeil records the purpose of each reveal in the shop's audit
//!   trail. This backend says which purpose the software usually reveals for (`--purpose`,
//!   handed to the page by `GET /backend/config`, which gives it to `RevealClient`); the page
//!   lets the user pick another one for a task (the elements' `purpose` attribute).
//!
//! * Its print-and-ship page (`static/print.html`) works like print software or a warehouse
//!   with the `print` and `ship` scopes: the backend lists the shop's e-waybill accounts and
//!   waybills, allocates waybills for orders awaiting shipment and ships printed ones
//!   (`/backend/waybill-accounts`, `/backend/waybills`, `/backend/ship`, forwarded to
//!   OrderVeil with the app token); the page prints the labels with `printLabels`, in a frame
//!   served by OrderVeil, so neither this backend nor this page ever holds a receiver.
//!
//! The example has no login of its own: `GET /backend/token` hands the shop's access token
//! to whoever loads the page. A real ISV serves it only to its own logged-in users of that
//! shop.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::{OrderPage, TokenResponse, WaybillAllocate, WaybillShip};
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// How the example backend reaches OrderVeil.
#[derive(Clone, Debug)]
pub struct Config {
    /// OrderVeil's base URL, e.g. `http://127.0.0.1:8080`.
    pub orderveil: String,
    /// The app id.
    pub app_id: String,
    /// The app secret.
    pub app_secret: String,
    /// The shop whose orders the page shows.
    pub shop_id: String,
    /// The purpose the page reveals for unless the user picks another (a `RevealPurpose`
    /// name such as `manual_shipping`; the shop must have authorized the app for it).
    pub purpose: String,
    /// The npm package built with `wasm-pack build --target web` (`crates/reveal/pkg`).
    pub package_dir: PathBuf,
    /// The page's files (`examples/isv/static`).
    pub static_dir: PathBuf,
}

/// Tokens are renewed this long before they expire.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

struct Held {
    token: TokenResponse,
    expires: Instant,
}

struct Inner {
    cfg: Config,
    http: reqwest::Client,
    held: Mutex<Option<Held>>,
}

/// The backend's state.
#[derive(Clone)]
pub struct Backend(Arc<Inner>);

/// An error of the backend, passed to the page as OrderVeil's `{code, message, message_zh}`.
#[derive(Debug)]
pub struct Failure(StatusCode, Value);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

fn unreachable_orderveil(e: &reqwest::Error) -> Failure {
    Failure(StatusCode::BAD_GATEWAY, json!({"code": "UPSTREAM_UNREACHABLE", "message": format!("OrderVeil is unreachable: {e}"), "message_zh": "无法连接 OrderVeil。"}))
}

async fn upstream<T: serde::de::DeserializeOwned>(r: reqwest::Response) -> Result<T, Failure> {
    let status = StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let body: Value = r.json().await.map_err(|e| unreachable_orderveil(&e))?;
    if status.is_success() {
        serde_json::from_value(body).map_err(|e| Failure(StatusCode::BAD_GATEWAY, json!({"code": "UPSTREAM_INVALID", "message": e.to_string(), "message_zh": "OrderVeil 的响应无法解析。"})))
    } else {
        Err(Failure(status, body))
    }
}

impl Backend {
    /// A backend for `cfg`.
    pub fn new(cfg: Config) -> Self {
        Self(Arc::new(Inner { cfg, http: reqwest::Client::new(), held: Mutex::new(None) }))
    }

    async fn token_call(&self, body: Value) -> Result<TokenResponse, Failure> {
        let url = format!("{}/api/v1/isv/token", self.0.cfg.orderveil);
        let r = self.0.http.post(url).json(&body).send().await.map_err(|e| unreachable_orderveil(&e))?;
        upstream(r).await
    }

    /// A valid access token for the shop: the held one, a refreshed one, or a new one.
    pub async fn access_token(&self) -> Result<TokenResponse, Failure> {
        let mut held = self.0.held.lock().await;
        if let Some(h) = held.as_ref()
            && Instant::now() + RENEW_MARGIN < h.expires
        {
            return Ok(h.token.clone());
        }
        let cfg = &self.0.cfg;
        let refreshed = match held.as_ref() {
            Some(h) => self
                .token_call(json!({"grant_type": "refresh_token", "app_id": cfg.app_id, "app_secret": cfg.app_secret, "refresh_token": h.token.refresh_token}))
                .await
                .ok(),
            None => None,
        };
        let token = match refreshed {
            Some(t) => t,
            None => self.token_call(json!({"grant_type": "client_credentials", "app_id": cfg.app_id, "app_secret": cfg.app_secret, "shop_id": cfg.shop_id})).await?,
        };
        let expires = Instant::now() + Duration::from_secs(u64::try_from(token.expires_in).unwrap_or(0));
        *held = Some(Held { token: token.clone(), expires });
        Ok(token)
    }

    /// Forget the held token (after OrderVeil refused it).
    pub async fn forget(&self) {
        *self.0.held.lock().await = None;
    }
}

#[derive(serde::Deserialize)]
struct ListQuery {
    status: Option<String>,
    page: Option<u32>,
}

/// `GET /backend/orders`: the shop's orders, ciphertext and masks only.
async fn orders(State(b): State<Backend>, Query(q): Query<ListQuery>) -> Result<Json<Value>, Failure> {
    let t = b.access_token().await?;
    let mut url = format!("{}/api/v1/orders?per_page=20&page={}", b.0.cfg.orderveil, q.page.unwrap_or(1).max(1));
    if let Some(s) = q.status.filter(|s| s.bytes().all(|c| c.is_ascii_lowercase() || c == b'_')) {
        url.push_str(&format!("&status={s}"));
    }
    let r = b.0.http.get(url).bearer_auth(&t.access_token).send().await.map_err(|e| unreachable_orderveil(&e))?;
    let page: OrderPage = match upstream(r).await {
        Ok(p) => p,
        Err(f) => {
            b.forget().await;
            return Err(f);
        }
    };
    let rows: Vec<Value> = page
        .orders
        .iter()
        .map(|o| json!({"order_id": o.order_id, "status": o.status, "created_at": o.created_at, "amount_cents": o.amount_cents, "revealable": o.revealable,
                        "masked": o.masked, "ciphertext": o.ciphertext}))
        .collect();
    Ok(Json(json!({"shop_id": b.0.cfg.shop_id, "total": page.total, "orders": rows})))
}

/// Forward one call to OrderVeil with the app token; a refused token is forgotten, so the
/// next call gets a new one.
async fn forward(b: &Backend, method: Method, path: &str, body: Option<Value>) -> Result<Json<Value>, Failure> {
    let t = b.access_token().await?;
    let mut req = b.0.http.request(method, format!("{}{path}", b.0.cfg.orderveil)).bearer_auth(&t.access_token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let r = req.send().await.map_err(|e| unreachable_orderveil(&e))?;
    let unauthorized = r.status() == reqwest::StatusCode::UNAUTHORIZED;
    let out = upstream(r).await;
    if unauthorized {
        b.forget().await;
    }
    out.map(Json)
}

/// `GET /backend/waybill-accounts`: the shop's e-waybill accounts (`print` scope).
async fn waybill_accounts(State(b): State<Backend>) -> Result<Json<Value>, Failure> {
    forward(&b, Method::GET, "/api/v1/waybill-accounts", None).await
}

#[derive(serde::Deserialize)]
struct WaybillListQuery {
    status: Option<String>,
}

/// `GET /backend/waybills`: the shop's waybills, newest first (`print` scope).
async fn waybills(State(b): State<Backend>, Query(q): Query<WaybillListQuery>) -> Result<Json<Value>, Failure> {
    let mut path = "/api/v1/waybills".to_string();
    if let Some(s) = q.status.filter(|s| s.bytes().all(|c| c.is_ascii_lowercase())) {
        path.push_str(&format!("?status={s}"));
    }
    forward(&b, Method::GET, &path, None).await
}

/// `POST /backend/waybills`: allocate waybills for orders (`print` scope).
async fn allocate(State(b): State<Backend>, Json(req): Json<WaybillAllocate>) -> Result<Json<Value>, Failure> {
    forward(&b, Method::POST, "/api/v1/waybills", Some(json!(req))).await
}

/// `POST /backend/ship`: ship the orders of printed waybills (`ship` scope).
async fn ship(State(b): State<Backend>, Json(req): Json<WaybillShip>) -> Result<Json<Value>, Failure> {
    forward(&b, Method::POST, "/api/v1/waybills/ship", Some(json!(req))).await
}

/// `GET /backend/token`: the page's `getToken` (see the crate docs about who may call it).
async fn token(State(b): State<Backend>) -> Result<Response, Failure> {
    let t = b.access_token().await?;
    let mut resp = Json(json!({"access_token": t.access_token, "shop_id": t.shop_id})).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// `GET /backend/config`: where OrderVeil is, and the purpose the page reveals for by default.
async fn config(State(b): State<Backend>) -> Json<Value> {
    Json(json!({"orderveil": b.0.cfg.orderveil, "shop_id": b.0.cfg.shop_id, "purpose": b.0.cfg.purpose}))
}

/// The example's router: the pages, the package, and the backend calls.
pub fn router(b: Backend) -> Router {
    let pkg = tower_http::services::ServeDir::new(&b.0.cfg.package_dir);
    let page = tower_http::services::ServeDir::new(&b.0.cfg.static_dir);
    Router::new()
        .route("/backend/orders", get(orders))
        .route("/backend/token", get(token))
        .route("/backend/config", get(config))
        .route("/backend/waybill-accounts", get(waybill_accounts))
        .route("/backend/waybills", get(waybills).post(allocate))
        .route("/backend/ship", post(ship))
        .nest_service("/pkg", pkg)
        .fallback_service(page)
        .with_state(b)
}
