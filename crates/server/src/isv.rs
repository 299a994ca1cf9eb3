//! Third-party (ISV) apps.
//!
//! * The platform admin **registers** an app (name, allowed web origins) and receives its id
//!   and secret once; only the secret's SHA-256 is stored.
//! * A shop owner **authorizes** an app for the shop with scopes (`orders.read`, `reveal`,
//!   `print`, `ship`) and can **revoke** it; revocation takes effect on the app's next request
//!   because every request re-reads the authorization.
//! * The app's backend obtains **short-lived access tokens** for a shop with its credentials
//!   (client credentials bound to the live authorization) and refreshes them with one-time
//!   refresh tokens.
//! * [`Caller`] accepts either a session user or an app access token on the order and grant
//!   endpoints; an app's grants are charged to the shop's quota and audited as `app:<id>`.
//! * [`cors`]: browser requests from another origin are answered only for an app token whose
//!   app registered that origin; preflights only for registered origins. A session cookie is
//!   never honoured cross-origin.
//! * Batch helpers for an ISV's own storage: masking of stored ciphertext and blind-index
//!   tokens for search terms (≤ 50 each).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use orderveil_api::{
    BatchMaskRequest, BatchMaskResponse, ErrorCode, IsvApp, IsvAppCreate, IsvAppCreated, IsvAuthorization, IsvAuthorizationCreate, MaskedItem,
    Role, Scope, SearchIndexItem, SearchIndexRequest, SearchIndexResponse, TokenRequest, TokenResponse, valid_origin,
};
use orderveil_cipher::{FieldCiphertext, FieldKind, OrderId, ShopId};
use serde_json::json;

use crate::guard::require_admin;
use crate::audit::{self, Event};
use crate::auth::{random_token, sha256_hex};
use crate::guard::{Caller, User, app_for_token, bearer, require_owner, join_purposes, join_scopes, parse_origins, parse_purposes, parse_scopes};
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::ApiError;
use utoipa::OpenApi;
use crate::extract::{ApiJson, ApiPath};

/// Prefix of access tokens.
pub use crate::guard::ACCESS_PREFIX;
/// Prefix of refresh tokens.
pub const REFRESH_PREFIX: &str = "ovrt_";
/// Prefix of app secrets.
pub const SECRET_PREFIX: &str = "ovas_";
/// Lifetime of an access token.
pub const ACCESS_TTL_SECS: i64 = 2 * 3600;
/// Lifetime of a refresh token.
pub const REFRESH_TTL_SECS: i64 = 30 * 86_400;
/// Most origins an app registers.
pub const MAX_ORIGINS: usize = orderveil_api::ISV_MAX_ORIGINS;
/// Most items of a batch helper request.
pub const MAX_BATCH: usize = 50;

// ---------------------------------------------------------------------------------------
// CORS

/// Is `origin` the origin this request was addressed to (the web app itself)?
fn same_origin(origin: &str, headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    !host.is_empty() && (origin.strip_prefix("http://") == Some(host) || origin.strip_prefix("https://") == Some(host))
}

/// The web origins of every enabled app.
pub async fn registered_origins(state: &AppState) -> AppResult<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT origins FROM isv_apps WHERE disabled = 0").fetch_all(&state.db.pool).await?;
    let mut all: Vec<String> = rows.iter().flat_map(|(o,)| parse_origins(o)).collect();
    all.sort();
    all.dedup();
    Ok(all)
}

fn allow_origin(h: &mut HeaderMap, origin: &str) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// CORS for `/api/`: a browser on another origin may call the API only with an app token
/// whose app registered that origin. Preflights are answered for registered origins only;
/// credentials (cookies) are never allowed cross-origin.
pub async fn cors(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        return next.run(req).await;
    };
    if same_origin(&origin, req.headers()) {
        return next.run(req).await;
    }
    let registered = match registered_origins(&state).await {
        Ok(all) => all.contains(&origin),
        Err(e) => return e.into_response(),
    };
    if req.method() == Method::OPTIONS {
        if !registered {
            return AppError::new(ErrorCode::OriginNotAllowed).into_response();
        }
        let mut resp = StatusCode::NO_CONTENT.into_response();
        let h = resp.headers_mut();
        allow_origin(h, &origin);
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        return resp;
    }
    let checked = match bearer(req.headers()).filter(|t| t.starts_with(ACCESS_PREFIX)) {
        None => Err(AppError::new(ErrorCode::OriginNotAllowed).with(json!({"reason": "cross-origin requests need an app access token"}))),
        Some(token) => match app_for_token(&state, token).await {
            Ok(app) if app.origins.contains(&origin) => Ok(app),
            Ok(_) => Err(AppError::new(ErrorCode::OriginNotAllowed)),
            Err(e) => Err(e),
        },
    };
    let mut resp = match checked {
        Ok(app) => {
            req.extensions_mut().insert(app);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    };
    // A registered origin may read the answer (refusals included, so its code reaches the
    // page); any other origin's page cannot.
    if registered {
        allow_origin(resp.headers_mut(), &origin);
    }
    resp
}

// ---------------------------------------------------------------------------------------
// Registration, authorization, tokens

type AppRow = (String, String, String, i64, i64);

fn app_view((app_id, name, origins, disabled, created_at): AppRow) -> IsvApp {
    IsvApp { app_id, name, origins: parse_origins(&origins), disabled: disabled != 0, created_at: rfc3339(created_at) }
}

/// `POST /api/v1/isv-apps` (platform admin).
pub async fn register(state: &AppState, user: &User, req: IsvAppCreate) -> AppResult<IsvAppCreated> {
    require_admin(user)?;
    let name = req.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "name", "reason": "1 to 64 characters"})));
    }
    let mut origins = req.origins.clone();
    origins.sort();
    origins.dedup();
    if origins.is_empty() || origins.len() > MAX_ORIGINS {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "origins", "reason": "1 to 10 origins"})));
    }
    if let Some(bad) = origins.iter().find(|o| !valid_origin(o)) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "origins", "reason": "an origin is scheme://host[:port] in lower case", "origin": bad})));
    }
    let app_id = format!("app_{}", random_token(12)?);
    let secret = format!("{SECRET_PREFIX}{}", random_token(32)?);
    let now = state.now();
    let origins_json = serde_json::to_string(&origins).map_err(AppError::internal)?;
    let mut tx = state.db.begin_write().await?;
    sqlx::query("INSERT INTO isv_apps (app_id, name, secret_hash, origins, disabled, created_by, created_at) VALUES ($1, $2, $3, $4, 0, $5, $6)")
        .bind(&app_id)
        .bind(&name)
        .bind(sha256_hex(&secret))
        .bind(&origins_json)
        .bind(user.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let mut ev = Event::new(&user.username, Some(user.id), None, "isv_app_register", "ok");
    ev.details = json!({"app_id": app_id, "name": name, "origins": origins});
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(IsvAppCreated { app: app_view((app_id, name, origins_json, 0, now)), app_secret: secret })
}

/// `POST /api/v1/isv-apps/{app_id}` (platform admin): disable or re-enable an app. Its
/// tokens are checked against `disabled` on every request, so disabling stops them at once;
/// a disabled app gets no new token and its origins leave CORS and `frame-ancestors`.
pub async fn set_disabled(state: &AppState, user: &User, app_id: &str, disabled: bool) -> AppResult<IsvApp> {
    require_admin(user)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let row: Option<AppRow> =
        sqlx::query_as("SELECT app_id, name, origins, disabled, created_at FROM isv_apps WHERE app_id = $1").bind(app_id).fetch_optional(&mut *tx).await?;
    let Some(mut row) = row else {
        return Err(ErrorCode::NotFound.into());
    };
    let before = row.3 != 0;
    sqlx::query("UPDATE isv_apps SET disabled = $1 WHERE app_id = $2").bind(i64::from(disabled)).bind(app_id).execute(&mut *tx).await?;
    let mut ev = Event::new(&user.username, Some(user.id), None, if disabled { "isv_app_disable" } else { "isv_app_enable" }, "ok");
    ev.details = json!({"app_id": app_id, "name": row.1, "disabled_before": before});
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    row.3 = i64::from(disabled);
    Ok(app_view(row))
}

/// `GET /api/v1/isv-apps`: every app for admins; enabled apps for shop owners.
pub async fn list_apps(state: &AppState, user: &User) -> AppResult<Vec<IsvApp>> {
    let sql = match user.role {
        Role::Admin => "SELECT app_id, name, origins, disabled, created_at FROM isv_apps ORDER BY created_at, app_id",
        Role::Owner => "SELECT app_id, name, origins, disabled, created_at FROM isv_apps WHERE disabled = 0 ORDER BY created_at, app_id",
        _ => return Err(ErrorCode::Forbidden.into()),
    };
    let rows: Vec<AppRow> = sqlx::query_as(sql).fetch_all(&state.db.pool).await?;
    Ok(rows.into_iter().map(app_view).collect())
}

type AuthRow = (i64, String, String, String, String, String, i64, Option<i64>, String);

const AUTH_COLUMNS: &str = "a.id, a.app_id, p.name, a.shop_id, a.scopes, a.granted_by, a.created_at, a.revoked_at, a.purposes";

fn auth_view((id, app_id, app_name, shop_id, scopes, granted_by, created_at, revoked_at, purposes): AuthRow) -> IsvAuthorization {
    IsvAuthorization {
        id,
        app_id,
        app_name,
        shop_id,
        scopes: parse_scopes(&scopes),
        purposes: parse_purposes(&purposes),
        granted_by,
        created_at: rfc3339(created_at),
        revoked_at: revoked_at.map(rfc3339),
    }
}

/// One authorization, read inside the transaction that changed it.
async fn authorization_in(tx: &mut sqlx::AnyConnection, id: i64) -> AppResult<IsvAuthorization> {
    let row: AuthRow = sqlx::query_as(&format!("SELECT {AUTH_COLUMNS} FROM isv_authorizations a JOIN isv_apps p ON p.app_id = a.app_id WHERE a.id = $1"))
        .bind(id)
        .fetch_one(tx)
        .await?;
    Ok(auth_view(row))
}

/// `GET /api/v1/isv-authorizations`: the owner's shop's (live and revoked), or all for admins.
pub async fn list_authorizations(state: &AppState, user: &User) -> AppResult<Vec<IsvAuthorization>> {
    let rows: Vec<AuthRow> = match user.role {
        Role::Admin => {
            sqlx::query_as(&format!("SELECT {AUTH_COLUMNS} FROM isv_authorizations a JOIN isv_apps p ON p.app_id = a.app_id ORDER BY a.id DESC"))
                .fetch_all(&state.db.pool)
                .await?
        }
        Role::Owner => {
            sqlx::query_as(&format!("SELECT {AUTH_COLUMNS} FROM isv_authorizations a JOIN isv_apps p ON p.app_id = a.app_id WHERE a.shop_id = $1 ORDER BY a.id DESC"))
                .bind(user.own_shop()?)
                .fetch_all(&state.db.pool)
                .await?
        }
        _ => return Err(ErrorCode::Forbidden.into()),
    };
    Ok(rows.into_iter().map(auth_view).collect())
}

/// `POST /api/v1/isv-authorizations` (shop owner): authorize an enabled app with scopes.
/// An existing live authorization of the same app is replaced (revoked, its tokens dead).
pub async fn authorize(state: &AppState, user: &User, req: IsvAuthorizationCreate) -> AppResult<IsvAuthorization> {
    let shop = require_owner(user)?.to_string();
    let mut scopes = req.scopes.clone();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "scopes", "reason": "at least one"})));
    }
    let mut purposes = req.purposes.clone();
    purposes.sort();
    purposes.dedup();
    if scopes.contains(&Scope::Reveal) && purposes.is_empty() {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "purposes", "reason": "at least one purpose with the reveal scope"})));
    }
    if !scopes.contains(&Scope::Reveal) {
        purposes.clear();
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let app: Option<(String, i64)> = sqlx::query_as("SELECT name, disabled FROM isv_apps WHERE app_id = $1").bind(&req.app_id).fetch_optional(&mut *tx).await?;
    match app {
        Some((_, 0)) => {}
        _ => return Err(AppError::new(ErrorCode::NotFound).with(json!({"app_id": req.app_id}))),
    }
    sqlx::query("UPDATE isv_authorizations SET revoked_at = $1 WHERE app_id = $2 AND shop_id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(&req.app_id)
        .bind(&shop)
        .execute(&mut *tx)
        .await?;
    let (id,): (i64,) = sqlx::query_as("INSERT INTO isv_authorizations (app_id, shop_id, scopes, purposes, granted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(&req.app_id)
        .bind(&shop)
        .bind(join_scopes(&scopes))
        .bind(join_purposes(&purposes))
        .bind(&user.username)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    let mut ev = Event::new(&user.username, Some(user.id), Some(&shop), "isv_authorize", "ok");
    ev.details = json!({"app_id": req.app_id, "authorization_id": id, "scopes": scopes, "purposes": purposes});
    audit::append(&mut tx, now, &ev).await?;
    let view = authorization_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(view)
}

/// `POST /api/v1/isv-authorizations/{id}/revoke` (shop owner): the app's tokens for the
/// shop stop working at once.
pub async fn revoke(state: &AppState, user: &User, id: i64) -> AppResult<IsvAuthorization> {
    let shop = require_owner(user)?.to_string();
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let found: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT app_id, revoked_at FROM isv_authorizations WHERE id = $1 AND shop_id = $2").bind(id).bind(&shop).fetch_optional(&mut *tx).await?;
    let Some((app_id, revoked_at)) = found else { return Err(ErrorCode::NotFound.into()) };
    if revoked_at.is_none() {
        sqlx::query("UPDATE isv_authorizations SET revoked_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM isv_tokens WHERE authorization_id = $1 AND kind = 'refresh'").bind(id).execute(&mut *tx).await?;
        let mut ev = Event::new(&user.username, Some(user.id), Some(&shop), "isv_revoke", "ok");
        ev.details = json!({"app_id": app_id, "authorization_id": id});
        audit::append(&mut tx, now, &ev).await?;
    }
    let view = authorization_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(view)
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && std::hint::black_box(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))) == 0
}

/// `POST /api/v1/isv/token`: client credentials for a shop, or a refresh (the refresh token
/// is single-use: a refresh replaces it).
pub async fn token(state: &AppState, req: TokenRequest) -> AppResult<TokenResponse> {
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let app: Option<(String, i64)> = sqlx::query_as("SELECT secret_hash, disabled FROM isv_apps WHERE app_id = $1").bind(&req.app_id).fetch_optional(&mut *tx).await?;
    let app_ok = app.as_ref().is_some_and(|(hash, disabled)| *disabled == 0 && ct_eq(hash.as_bytes(), sha256_hex(&req.app_secret).as_bytes()));
    if !app_ok {
        return Err(ErrorCode::AppCredentialsInvalid.into());
    }
    let (authorization_id, shop_id, granted) = match req.grant_type.as_str() {
        "client_credentials" => {
            let shop = req.shop_id.as_deref().ok_or_else(|| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "shop_id"})))?;
            let live: Option<(i64, String)> = sqlx::query_as("SELECT id, scopes FROM isv_authorizations WHERE app_id = $1 AND shop_id = $2 AND revoked_at IS NULL")
                .bind(&req.app_id)
                .bind(shop)
                .fetch_optional(&mut *tx)
                .await?;
            let (id, scopes) = live.ok_or_else(|| AppError::new(ErrorCode::AppNotAuthorized))?;
            (id, shop.to_string(), parse_scopes(&scopes))
        }
        "refresh_token" => {
            let rt = req.refresh_token.as_deref().ok_or_else(|| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "refresh_token"})))?;
            type Row = (String, i64, String, i64, String, String, Option<i64>);
            let row: Option<Row> = sqlx::query_as(
                "SELECT t.token_hash, t.expires_at, t.scopes, a.id, a.app_id, a.shop_id, a.revoked_at \
                 FROM isv_tokens t JOIN isv_authorizations a ON a.id = t.authorization_id WHERE t.token_hash = $1 AND t.kind = 'refresh'",
            )
            .bind(sha256_hex(rt))
            .fetch_optional(&mut *tx)
            .await?;
            let Some((hash, expires_at, scopes, id, app_id, shop, revoked_at)) = row.filter(|r| r.4 == req.app_id) else {
                return Err(ErrorCode::TokenInvalid.into());
            };
            if revoked_at.is_some() {
                return Err(ErrorCode::AppNotAuthorized.into());
            }
            if expires_at <= now {
                return Err(ErrorCode::TokenExpired.into());
            }
            // Single use: of two concurrent refreshes with one token, one deletes it.
            let gone = sqlx::query("DELETE FROM isv_tokens WHERE token_hash = $1").bind(&hash).execute(&mut *tx).await?;
            if gone.rows_affected() != 1 {
                return Err(ErrorCode::TokenInvalid.into());
            }
            debug_assert_eq!(app_id, req.app_id);
            (id, shop, parse_scopes(&scopes))
        }
        _ => return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "grant_type", "reason": "client_credentials or refresh_token"}))),
    };
    let scopes = match &req.scopes {
        None => granted.clone(),
        Some(wanted) => {
            if let Some(s) = wanted.iter().find(|s| !granted.contains(s)) {
                return Err(AppError::new(ErrorCode::ScopeMissing).with(json!({"scope": s.as_str(), "granted": granted})));
            }
            let mut w = wanted.clone();
            w.sort();
            w.dedup();
            w
        }
    };
    let access = format!("{ACCESS_PREFIX}{}", random_token(32)?);
    let refresh = format!("{REFRESH_PREFIX}{}", random_token(32)?);
    sqlx::query("DELETE FROM isv_tokens WHERE authorization_id = $1 AND expires_at <= $2").bind(authorization_id).bind(now).execute(&mut *tx).await?;
    for (t, kind, ttl) in [(&access, "access", ACCESS_TTL_SECS), (&refresh, "refresh", REFRESH_TTL_SECS)] {
        sqlx::query("INSERT INTO isv_tokens (token_hash, kind, authorization_id, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(sha256_hex(t))
            .bind(kind)
            .bind(authorization_id)
            .bind(join_scopes(&scopes))
            .bind(now)
            .bind(now + ttl)
            .execute(&mut *tx)
            .await?;
    }
    let mut ev = Event::new(&format!("app:{}", req.app_id), None, Some(&shop_id), "isv_token", "ok");
    ev.details = json!({"grant_type": req.grant_type, "authorization_id": authorization_id, "scopes": scopes});
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TTL_SECS,
        refresh_token: refresh,
        refresh_expires_in: REFRESH_TTL_SECS,
        scopes,
        shop_id,
    })
}

// ---------------------------------------------------------------------------------------
// Batch helpers

fn batch_len(n: usize) -> AppResult<()> {
    if n == 0 {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "items", "reason": "empty"})));
    }
    if n > MAX_BATCH {
        return Err(AppError::new(ErrorCode::TooManyOrders).with(json!({"max": MAX_BATCH, "got": n})));
    }
    Ok(())
}

/// `POST /api/v1/isv/batch-mask`: the masked text of ciphertexts an ISV stores. The server
/// decrypts each with its order's key (the ciphertext must belong to that order of the
/// caller's shop) and returns only the mask.
pub async fn batch_mask(state: &AppState, caller: &Caller, req: BatchMaskRequest) -> AppResult<BatchMaskResponse> {
    let shop = caller.readable_shop(None)?;
    batch_len(req.items.len())?;
    let shop_id = ShopId::new(&shop).map_err(AppError::internal)?;
    let mut parsed = Vec::with_capacity(req.items.len());
    for (i, item) in req.items.iter().enumerate() {
        let ct = FieldCiphertext::parse(&item.ciphertext).map_err(|e| AppError::new(ErrorCode::CiphertextInvalid).with(json!({"index": i, "reason": e.to_string()})))?;
        let order = OrderId::new(&item.order_id).map_err(|_| AppError::new(ErrorCode::OrderNotFound).with(json!({"index": i})))?;
        parsed.push((order, ct));
    }
    let mut out = Vec::with_capacity(parsed.len());
    let mut keys: Vec<(OrderId, orderveil_cipher::Dek)> = Vec::new();
    for (i, (order, ct)) in parsed.iter().enumerate() {
        if !keys.iter().any(|(o, _)| o == order) {
            let row: Option<(String, i64, Option<Vec<u8>>)> =
                sqlx::query_as("SELECT shop_id, kek_version, wrapped_dek FROM orders WHERE order_id = $1").bind(order.as_str()).fetch_optional(&state.db.pool).await?;
            let (_, version, wrapped) = row.filter(|r| r.0 == shop).ok_or_else(|| AppError::new(ErrorCode::OrderNotFound).with(json!({"index": i, "order_id": order.as_str()})))?;
            let wrapped = wrapped.ok_or_else(|| AppError::new(ErrorCode::OrderShredded).with(json!({"order_id": order.as_str()})))?;
            let dek = crate::grants::unwrap_dek(state, order, version, &wrapped)?;
            keys.push((order.clone(), dek));
        }
        let dek = keys.iter().find(|(o, _)| o == order).map(|(_, d)| d).ok_or_else(|| AppError::internal("key vanished"))?;
        let kind = ct.kind();
        let plain = ct
            .decrypt(&dek.field_key(kind), &shop_id, order)
            .map_err(|_| AppError::new(ErrorCode::CiphertextInvalid).with(json!({"index": i, "reason": "not a ciphertext of this order"})))?;
        out.push(MaskedItem { order_id: order.as_str().to_string(), field: kind.as_str().to_string(), masked: orderveil_cipher::mask(kind, &plain) });
    }
    Ok(BatchMaskResponse { items: out })
}

/// `POST /api/v1/isv/search-index`: the blind-index tokens of search terms under the shop's
/// index key, to match against the index segment of the ciphertexts an ISV stores. The
/// terms are never stored or logged.
pub async fn search_index(state: &AppState, caller: &Caller, req: SearchIndexRequest) -> AppResult<SearchIndexResponse> {
    let shop = caller.readable_shop(None)?;
    batch_len(req.items.len())?;
    let key = state.keys.index_key(&ShopId::new(&shop).map_err(AppError::internal)?);
    let mut kinds = Vec::with_capacity(req.items.len());
    for (i, term) in req.items.iter().enumerate() {
        let kind = FieldKind::from_name(&term.field).ok_or_else(|| AppError::new(ErrorCode::UnknownField).with(json!({"index": i, "field": term.field})))?;
        if term.value.chars().count() > 200 {
            return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"index": i, "field": "value", "reason": "at most 200 characters"})));
        }
        if kind == FieldKind::Phone {
            crate::search::check_phone_term("value", &term.value).map_err(|e| e.with(json!({"index": i, "field": "value", "reason": "a whole phone number"})))?;
        }
        kinds.push(kind);
    }
    // The app matches these tokens against stored ciphertext itself, each on its own: a phone
    // item is one search unit, a name or address item one unit per window token. Charged and
    // audited before any token leaves (matches are the app's to know).
    let out: Vec<SearchIndexItem> =
        req.items.iter().zip(&kinds).map(|(term, kind)| SearchIndexItem { field: kind.as_str().to_string(), tokens: key.query_tokens(*kind, &term.value) }).collect();
    let units: usize = out.iter().map(|i| i.tokens.len().max(1)).sum();
    if let Some(meter) = crate::search::Meter::begin(state, caller, &shop, &kinds, u32::try_from(units).unwrap_or(u32::MAX), "isv_search_index").await? {
        meter.finish(None).await?;
    }
    Ok(SearchIndexResponse { items: out })
}

// ---------------------------------------------------------------------------------------
// Routes

/// The ISV routes: app registration and authorization (web app), tokens and batch helpers (app backends).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/isv-apps", get(list_isv_apps).post(register_isv_app))
        .route("/api/v1/isv-authorizations", get(list_isv_authorizations).post(authorize_isv_app))
        .route("/api/v1/isv-authorizations/{id}/revoke", post(revoke_isv_authorization))
        .route("/api/v1/isv/token", post(isv_token))
        .route("/api/v1/isv/batch-mask", post(isv_batch_mask))
        .route("/api/v1/isv/search-index", post(isv_search_index))
}

/// Third-party apps: every app (platform admins) or the enabled ones (shop owners).
#[utoipa::path(get, path = "/api/v1/isv-apps", responses((status = 200, body = Vec<IsvApp>), (status = 403, body = ApiError)))]
async fn list_isv_apps(State(state): State<AppState>, user: User) -> AppResult<Json<Vec<IsvApp>>> {
    list_apps(&state, &user).await.map(Json)
}

/// Register a third-party app (platform admins); the secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/isv-apps", request_body = IsvAppCreate,
    responses((status = 200, body = IsvAppCreated), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn register_isv_app(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<IsvAppCreate>) -> AppResult<Json<IsvAppCreated>> {
    register(&state, &user, req).await.map(Json)
}

/// The shop's app authorizations (owners), or all of them (platform admins).
#[utoipa::path(get, path = "/api/v1/isv-authorizations", responses((status = 200, body = Vec<IsvAuthorization>), (status = 403, body = ApiError)))]
async fn list_isv_authorizations(State(state): State<AppState>, user: User) -> AppResult<Json<Vec<IsvAuthorization>>> {
    list_authorizations(&state, &user).await.map(Json)
}

/// Authorize an app for the owner's shop with scopes (replaces a live authorization of it).
#[utoipa::path(post, path = "/api/v1/isv-authorizations", request_body = IsvAuthorizationCreate,
    responses((status = 200, body = IsvAuthorization), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn authorize_isv_app(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<IsvAuthorizationCreate>) -> AppResult<Json<IsvAuthorization>> {
    authorize(&state, &user, req).await.map(Json)
}

/// Revoke an app's authorization; its tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/isv-authorizations/{id}/revoke", params(("id" = i64, Path)),
    responses((status = 200, body = IsvAuthorization), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn revoke_isv_authorization(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>) -> AppResult<Json<IsvAuthorization>> {
    revoke(&state, &user, id).await.map(Json)
}

/// Access tokens for an app's backend: `client_credentials` (app id + secret + shop) or
/// `refresh_token`.
#[utoipa::path(post, path = "/api/v1/isv/token", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn isv_token(State(state): State<AppState>, ApiJson(req): ApiJson<TokenRequest>) -> AppResult<Json<TokenResponse>> {
    token(&state, req).await.map(Json)
}

/// The masked text of ciphertexts an app stores (≤ 50), never the plaintext.
#[utoipa::path(post, path = "/api/v1/isv/batch-mask", request_body = BatchMaskRequest,
    responses((status = 200, body = BatchMaskResponse), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)),
    security(("app_token" = [])))]
async fn isv_batch_mask(State(state): State<AppState>, caller: Caller, ApiJson(req): ApiJson<BatchMaskRequest>) -> AppResult<Json<BatchMaskResponse>> {
    batch_mask(&state, &caller, req).await.map(Json)
}

/// Blind-index tokens of search terms (≤ 50) under the shop's index key.
#[utoipa::path(post, path = "/api/v1/isv/search-index", request_body = SearchIndexRequest,
    responses((status = 200, body = SearchIndexResponse), (status = 403, body = ApiError), (status = 422, body = ApiError)),
    security(("app_token" = [])))]
async fn isv_search_index(State(state): State<AppState>, caller: Caller, ApiJson(req): ApiJson<SearchIndexRequest>) -> AppResult<Json<SearchIndexResponse>> {
    search_index(&state, &caller, req).await.map(Json)
}

/// The OpenAPI paths of these routes.
#[derive(OpenApi)]
#[openapi(paths(list_isv_apps, register_isv_app, list_isv_authorizations, authorize_isv_app, revoke_isv_authorization, isv_token, isv_batch_mask, isv_search_index))]
pub struct IsvDoc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_compares_scheme_less_host() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin("http://127.0.0.1:8080", &h));
        assert!(!same_origin("http://127.0.0.1:8081", &h));
        assert!(!same_origin("null", &h));
        assert!(!same_origin("http://127.0.0.1:8080.evil", &h));
        assert!(!same_origin("http://127.0.0.1:8080", &HeaderMap::new()));
    }
}
