//! Routes. Handlers are thin: extract identity and input, call the domain module, map the
//! result. Every rejection (bad JSON, oversized body, bad query) becomes a coded error.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::*;
use serde::de::DeserializeOwned;
use serde_json::json;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

use crate::audit::{self, Event};
use crate::auth::{self, OrderSystem, SESSION_COOKIE, User};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::isv::{self, Caller};
use crate::{ingest, orders, quota, reveal};

/// Largest request body accepted (a full ingest batch of 500 orders is ~300 KB).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// JSON body whose rejections are coded errors. Serde's messages can quote input values, so
/// they are never echoed: plaintext could be among them.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> AppResult<Self> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(JsonRejection::JsonDataError(_)) => Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"reason": "a field is unknown, missing or of the wrong type"}))),
            Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::new(ErrorCode::PayloadTooLarge).with(json!({"max_bytes": BODY_LIMIT}))),
            Err(_) => Err(AppError::new(ErrorCode::BadRequest).with(json!({"reason": "body is not JSON (Content-Type: application/json)"}))),
        }
    }
}

/// Query string whose rejections are coded errors.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|_: QueryRejection| AppError::new(ErrorCode::ValidationFailed).with(json!({"reason": "a query parameter is unknown or malformed"})))
    }
}

/// Path parameters whose rejections (e.g. bytes that are not UTF-8) are coded errors.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|_| AppError::new(ErrorCode::ValidationFailed).with(json!({"reason": "a path parameter is malformed"})))
    }
}

/// The API router.
pub fn router(state: AppState, web_dir: Option<&std::path::Path>) -> Router {
    let app = Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/orders/ingest", post(ingest_orders))
        .route("/api/v1/orders", get(list_orders))
        .route("/api/v1/orders/{id}", get(get_order))
        .route("/api/v1/reveal-grants", post(reveal_grants))
        .route("/api/v1/quota", get(get_quota))
        .route("/api/v1/audit", get(get_audit))
        .route("/api/v1/isv-apps", get(list_isv_apps).post(register_isv_app))
        .route("/api/v1/isv-authorizations", get(list_isv_authorizations).post(authorize_isv_app))
        .route("/api/v1/isv-authorizations/{id}/revoke", post(revoke_isv_authorization))
        .route("/api/v1/isv/token", post(isv_token))
        .route("/api/v1/isv/batch-mask", post(isv_batch_mask))
        .route("/api/v1/isv/search-index", post(isv_search_index))
        .route("/api/openapi.json", get(openapi))
        .route("/healthz", get(|| async { "ok" }))
        .merge(crate::staff::routes())
        .merge(crate::audit_query::routes())
        .merge(crate::applications::routes())
        .merge(crate::admin::routes())
        .merge(crate::export::routes())
        .merge(crate::shipping::routes())
        .merge(crate::waybills::routes())
        // Unknown API paths stay coded JSON errors even when the web app is served.
        .route("/api/{*rest}", axum::routing::any(|| async { AppError::new(ErrorCode::NotFound) }))
        .method_not_allowed_fallback(|| async { AppError::new(ErrorCode::MethodNotAllowed) });
    // The Trunk-built web app at `/`; any other path is a client-side route (index.html).
    // Gzipped for clients that accept it (the .wasm shrinks to ~40 %); only the app's own
    // static files, never API answers (no secret-bearing response is compressed).
    let app = match web_dir {
        Some(dir) => app.fallback_service(
            tower_http::compression::Compression::new(tower_http::services::ServeDir::new(dir).fallback(spa_index(dir))).gzip(true),
        ),
        None => app.fallback(|| async { AppError::new(ErrorCode::NotFound) }),
    };
    app
        .layer(axum::middleware::from_fn_with_state(state.clone(), isv::cors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), web_headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(
            // Log the path only: query strings can carry a searched phone number or name.
            TraceLayer::new_for_http().make_span_with(|req: &Request| tracing::info_span!("http", method = %req.method(), path = %req.uri().path())),
        )
        .with_state(state)
}

/// The `index.html` of the bundle a client route belongs to (`orderveil_api::is_console_route`):
/// `console/index.html` for the console's routes (when that bundle was built), the main one
/// for every other path.
fn spa_index(
    dir: &std::path::Path,
) -> impl tower::Service<Request, Response = Response<tower_http::services::fs::ServeFileSystemResponseBody>, Error = std::convert::Infallible, Future: Send> + Clone + Send + 'static
{
    use tower::ServiceExt as _;
    let main = tower_http::services::ServeFile::new(dir.join("index.html"));
    let console_path = dir.join("console").join("index.html");
    let console = console_path.is_file().then(|| tower_http::services::ServeFile::new(console_path));
    tower::service_fn(move |req: Request| {
        let file = match &console {
            Some(c) if orderveil_api::is_console_route(req.uri().path()) => c.clone(),
            _ => main.clone(),
        };
        async move { file.oneshot(req).await }
    })
}

/// The Content-Security-Policy of every page the server sends: the app's own files only,
/// WebAssembly compilation allowed (`'wasm-unsafe-eval'`), no inline script or style, no
/// eval, no plugins, no framing. The Trunk build has no inline script: `web/boot.js` starts
/// the app (see `Trunk.toml`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// `Cache-Control` of a build output whose file name carries its content hash.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Does the last path segment look like a Trunk output with a content hash in its name
/// (`orderveil-web-1a2b3c4d5e6f7a8b_bg.wasm`, `orderveil-web-….js`, `style-….css`)?
pub fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let Some((stem, ext)) = file.rsplit_once('.') else { return false };
    if !matches!(ext, "js" | "wasm" | "css") {
        return false;
    }
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((name, hash)) = stem.rsplit_once('-') else { return false };
    // Trunk writes a 64-bit hash as lower-case hex without leading zeros.
    !name.is_empty() && (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Security and cache headers. API answers are never stored by a cache. Pages get the CSP;
/// `index.html` (and the SPA fallback, which is index.html too) is revalidated on every
/// load so a new build replaces the old one at once, while hashed build outputs are cached
/// for a year: their names change with their content.
async fn web_headers(State(state): State<AppState>, req: Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/") || req.uri().path() == "/healthz";
    let hashed = is_hashed_asset(req.uri().path());
    let embed = req.uri().path().starts_with("/embed/");
    let mut resp = next.run(req).await;
    let ok = resp.status().is_success() || resp.status() == StatusCode::NOT_MODIFIED;
    let h = resp.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if api {
        h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
        return resp;
    }
    let html = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.starts_with("text/html"));
    let cache = if hashed && ok && !html { CACHE_IMMUTABLE } else { "no-cache" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    if embed && html {
        // The isolated reveal frame of the npm package: only registered apps' origins may
        // frame it (and nobody when none are registered).
        let ancestors = isv::registered_origins(&state).await.unwrap_or_default();
        let ancestors = if ancestors.is_empty() { "'none'".to_string() } else { ancestors.join(" ") };
        let csp = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", &format!("frame-ancestors {ancestors}"));
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    resp
}

fn session_cookie(token: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}"))
        .unwrap_or_else(|_| HeaderValue::from_static("ov_session=; Path=/; Max-Age=0"))
}

/// Log in with user name and password; sets the HttpOnly session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = ApiError)))]
async fn login(State(state): State<AppState>, ApiJson(req): ApiJson<LoginRequest>) -> AppResult<Response> {
    let now = state.now();
    let row: Option<(i64, String, Option<String>, i64)> = sqlx::query_as("SELECT id, password_hash, shop_id, disabled FROM users WHERE username = $1")
        .bind(&req.username)
        .fetch_optional(&state.db.pool)
        .await?;
    let ok = match &row {
        Some((_, hash, _, disabled)) => {
            let (pw, h) = (req.password.clone(), hash.clone());
            *disabled == 0 && tokio::task::spawn_blocking(move || auth::verify_password(&pw, &h)).await.unwrap_or(false)
        }
        None => {
            let pw = req.password.clone();
            let _ = tokio::task::spawn_blocking(move || auth::verify_against_dummy(&pw)).await;
            false
        }
    };
    let shop = row.as_ref().and_then(|r| r.2.clone());
    if !ok {
        let mut ev = Event::new(&req.username.chars().take(64).collect::<String>(), row.as_ref().map(|r| r.0), shop.as_deref(), "login", "refused");
        ev.code = Some(ErrorCode::InvalidCredentials.as_str());
        audit::record(&state.db, now, &ev).await?;
        return Err(ErrorCode::InvalidCredentials.into());
    }
    let Some((user_id, ..)) = row else { return Err(ErrorCode::InvalidCredentials.into()) };
    let token = auth::random_token(32)?;
    let csrf = auth::random_token(24)?;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(auth::sha256_hex(&token))
        .bind(user_id)
        .bind(&csrf)
        .bind(now)
        .bind(now + state.settings.session_ttl_secs)
        .execute(&state.db.pool)
        .await?;
    audit::record(&state.db, now, &Event::new(&req.username, Some(user_id), shop.as_deref(), "login", "ok")).await?;
    let user = auth::user_for_session(&state, &token).await?.ok_or_else(|| AppError::internal("session vanished"))?;
    let mut resp = Json(SessionInfo { user: user.info(), csrf_token: csrf }).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&token, state.settings.session_ttl_secs));
    Ok(resp)
}

/// End the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn logout(State(state): State<AppState>, user: User) -> AppResult<Response> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND csrf_token = $2").bind(user.id).bind(&user.csrf_token).execute(&state.db.pool).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie("", 0));
    Ok(resp)
}

/// The current user and the session's CSRF token.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = SessionInfo), (status = 401, body = ApiError)))]
async fn me(user: User) -> Json<SessionInfo> {
    let csrf_token = user.csrf_token.clone();
    Json(SessionInfo { user: user.info(), csrf_token })
}

/// Push orders from the platform's order system (service token). Up to 500; all or nothing.
#[utoipa::path(post, path = "/api/v1/orders/ingest", request_body = IngestRequest,
    responses((status = 200, body = IngestResponse), (status = 401, body = ApiError), (status = 422, body = ApiError)),
    security(("service_token" = [])))]
async fn ingest_orders(State(state): State<AppState>, _sys: OrderSystem, ApiJson(req): ApiJson<IngestRequest>) -> AppResult<Json<IngestResponse>> {
    ingest::ingest(&state, req.orders, "order-system").await.map(Json)
}

/// Masked orders of the caller's shop, with filters and blind-index search.
#[utoipa::path(get, path = "/api/v1/orders", params(OrderQuery), responses((status = 200, body = OrderPage), (status = 401, body = ApiError)))]
async fn list_orders(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<OrderQuery>) -> AppResult<Json<OrderPage>> {
    orders::list(&state, &caller, q).await.map(Json)
}

/// One masked order.
#[utoipa::path(get, path = "/api/v1/orders/{id}", params(("id" = String, Path)), responses((status = 200, body = OrderView), (status = 404, body = ApiError)))]
async fn get_order(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<String>) -> AppResult<Json<OrderView>> {
    orders::get(&state, &caller, &id).await.map(Json)
}

/// A one-time reveal grant for up to 50 orders, charged to the shop's daily quota.
#[utoipa::path(post, path = "/api/v1/reveal-grants", request_body = RevealGrantRequest,
    responses((status = 200, body = RevealGrantResponse), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 409, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
async fn reveal_grants(State(state): State<AppState>, caller: Caller, ApiJson(req): ApiJson<RevealGrantRequest>) -> AppResult<Json<RevealGrantResponse>> {
    reveal::grant(&state, &caller, req).await.map(Json)
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ShopParam {
    /// Shop (platform admins only).
    shop_id: Option<String>,
}

/// Today's quota and the last 30 days.
#[utoipa::path(get, path = "/api/v1/quota", params(ShopParam), responses((status = 200, body = QuotaResponse), (status = 401, body = ApiError)))]
async fn get_quota(State(state): State<AppState>, caller: Caller, ApiQuery(p): ApiQuery<ShopParam>) -> AppResult<Json<QuotaResponse>> {
    let shop = match caller {
        // An app sees the quota its reveals are charged to.
        Caller::App(app) => app.shop_id,
        Caller::User(user) => match user.role {
            Role::Admin => p.shop_id.ok_or_else(|| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "shop_id"})))?,
            Role::Owner | Role::Staff => user.own_shop()?.to_string(),
            Role::Factory => return Err(ErrorCode::Forbidden.into()),
        },
    };
    let today = quota::today(&state, &shop).await?;
    let extras = crate::applications::active_extras(&state, &shop, &today.day).await?;
    Ok(Json(QuotaResponse { today, history: quota::history(&state, &shop).await?, extras }))
}

/// The audit trail: own shop for owners, everything for platform admins.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), responses((status = 200, body = AuditPage), (status = 403, body = ApiError)))]
async fn get_audit(State(state): State<AppState>, user: User, ApiQuery(q): ApiQuery<AuditQuery>) -> AppResult<Json<AuditPage>> {
    crate::audit_query::list(&state, &user, q).await.map(Json)
}

/// Third-party apps: every app (platform admins) or the enabled ones (shop owners).
#[utoipa::path(get, path = "/api/v1/isv-apps", responses((status = 200, body = Vec<IsvApp>), (status = 403, body = ApiError)))]
async fn list_isv_apps(State(state): State<AppState>, user: User) -> AppResult<Json<Vec<IsvApp>>> {
    isv::list_apps(&state, &user).await.map(Json)
}

/// Register a third-party app (platform admins); the secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/isv-apps", request_body = IsvAppCreate,
    responses((status = 200, body = IsvAppCreated), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn register_isv_app(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<IsvAppCreate>) -> AppResult<Json<IsvAppCreated>> {
    isv::register(&state, &user, req).await.map(Json)
}

/// The shop's app authorizations (owners), or all of them (platform admins).
#[utoipa::path(get, path = "/api/v1/isv-authorizations", responses((status = 200, body = Vec<IsvAuthorization>), (status = 403, body = ApiError)))]
async fn list_isv_authorizations(State(state): State<AppState>, user: User) -> AppResult<Json<Vec<IsvAuthorization>>> {
    isv::list_authorizations(&state, &user).await.map(Json)
}

/// Authorize an app for the owner's shop with scopes (replaces a live authorization of it).
#[utoipa::path(post, path = "/api/v1/isv-authorizations", request_body = IsvAuthorizationCreate,
    responses((status = 200, body = IsvAuthorization), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn authorize_isv_app(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<IsvAuthorizationCreate>) -> AppResult<Json<IsvAuthorization>> {
    isv::authorize(&state, &user, req).await.map(Json)
}

/// Revoke an app's authorization; its tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/isv-authorizations/{id}/revoke", params(("id" = i64, Path)),
    responses((status = 200, body = IsvAuthorization), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn revoke_isv_authorization(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>) -> AppResult<Json<IsvAuthorization>> {
    isv::revoke(&state, &user, id).await.map(Json)
}

/// Access tokens for an app's backend: `client_credentials` (app id + secret + shop) or
/// `refresh_token`.
#[utoipa::path(post, path = "/api/v1/isv/token", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn isv_token(State(state): State<AppState>, ApiJson(req): ApiJson<TokenRequest>) -> AppResult<Json<TokenResponse>> {
    isv::token(&state, req).await.map(Json)
}

/// The masked text of ciphertexts an app stores (≤ 50), never the plaintext.
#[utoipa::path(post, path = "/api/v1/isv/batch-mask", request_body = BatchMaskRequest,
    responses((status = 200, body = BatchMaskResponse), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)),
    security(("app_token" = [])))]
async fn isv_batch_mask(State(state): State<AppState>, caller: Caller, ApiJson(req): ApiJson<BatchMaskRequest>) -> AppResult<Json<BatchMaskResponse>> {
    isv::batch_mask(&state, &caller, req).await.map(Json)
}

/// Blind-index tokens of search terms (≤ 50) under the shop's index key.
#[utoipa::path(post, path = "/api/v1/isv/search-index", request_body = SearchIndexRequest,
    responses((status = 200, body = SearchIndexResponse), (status = 403, body = ApiError), (status = 422, body = ApiError)),
    security(("app_token" = [])))]
async fn isv_search_index(State(state): State<AppState>, caller: Caller, ApiJson(req): ApiJson<SearchIndexRequest>) -> AppResult<Json<SearchIndexResponse>> {
    isv::search_index(&state, &caller, req).await.map(Json)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "OrderVeil API", description = "Encrypted receiver data, masked orders and one-time reveal grants. Every error is {code, message, message_zh}."),
    paths(login, logout, me, ingest_orders, list_orders, get_order, reveal_grants, get_quota, get_audit,
          list_isv_apps, register_isv_app, list_isv_authorizations, authorize_isv_app, revoke_isv_authorization,
          isv_token, isv_batch_mask, isv_search_index),
    components(schemas(ApiError, ErrorCode)),
    modifiers(&BearerSchemes)
)]
struct ApiDoc;

/// The two bearer credentials of the API: the order system's service token and an ISV app's
/// access token (`ovat_…`, from `POST /api/v1/isv/token`). Browsers use the session cookie.
struct BearerSchemes;

impl utoipa::Modify for BearerSchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, what) in [("service_token", "The order system's service token."), ("app_token", "An ISV app's access token for one shop (ovat_…).")] {
            components.add_security_scheme(name, SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some(what)).build()));
        }
    }
}

/// The OpenAPI document, generated from the handlers and types above.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::staff::StaffDoc::openapi());
    doc.merge(crate::applications::ApplicationsDoc::openapi());
    doc.merge(crate::admin::AdminDoc::openapi());
    doc.merge(crate::waybills::WaybillsDoc::openapi());
    doc.merge(crate::shipping::ShippingDoc::openapi());
    doc.merge(crate::export::ExportDoc::openapi());
    doc
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_doc())
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn only_trunk_outputs_with_a_content_hash_are_immutable() {
        assert!(is_hashed_asset("/orderveil-web-9f86d081884c7d65_bg.wasm"));
        assert!(is_hashed_asset("/orderveil-web-9f86d081884c7d65.js"));
        assert!(is_hashed_asset("/style-1e3a5b7c9d0f2a4.css"));
        assert!(is_hashed_asset("/boot-00a1b2c3d4e5f607.js"));
        for p in ["/", "/index.html", "/boot.js", "/orders/E2E-1", "/quota", "/style.css", "/orderveil-web-xyz.js", "/a-deadbeef.html", "/-9f86d081884c7d65.js", "/x-9F86D081884C7D65.js"] {
            assert!(!is_hashed_asset(p), "{p}");
        }
    }
}
