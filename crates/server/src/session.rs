//! Sessions of the web app: log in (password → HttpOnly session cookie + CSRF token), log
//! out, and who am I.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::{ApiError, ErrorCode, LoginRequest, PasswordChange, PasswordChanged, SessionInfo};
use serde_json::json;
use utoipa::OpenApi;

use crate::audit::{self, Event};
use crate::auth::{self, SESSION_COOKIE};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ClientAddr};
use crate::login_throttle::{NewLock, Refusal, Subject};
use crate::guard::{User, user_for_session};
use crate::state::AppState;
use crate::store::{sessions, users};

/// The session routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/me/password", post(change_password))
}

/// The session cookie: `HttpOnly`, `SameSite=Strict`, and `Secure` when the public URL is HTTPS.
fn session_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    let secure = if state.settings.https() { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static("ov_session=; Path=/; Max-Age=0"))
}

/// Log in with user name and password; sets the HttpOnly session cookie.
///
/// Throttled per account name and per client address ([`crate::login_throttle`]): an attempt
/// that is not admitted is refused with `LOGIN_LOCKED` before any read or hash. Every admitted
/// attempt costs one password verification — against the stored hash, or a dummy one for an
/// unknown name, and also for a disabled account — so the answer's timing does not tell
/// which accounts exist or are disabled. Failures are not audited one by one; a lock is,
/// once, and so is a successful login.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = ApiError), (status = 429, body = ApiError), (status = 503, body = ApiError)))]
async fn login(State(state): State<AppState>, ClientAddr(addr): ClientAddr, ApiJson(req): ApiJson<LoginRequest>) -> AppResult<Response> {
    let now = state.now();
    let (account, address) = (Subject::account(&req.username), Subject::Address(addr));
    let attempt = match state.login_throttle.admit(account.clone(), address.clone(), now) {
        Ok(a) => a,
        Err(Refusal::Wait { retry_after_secs, locked, scope }) => return Err(locked_error(retry_after_secs, locked, scope)),
        Err(Refusal::Full) => return Err(AppError::new(ErrorCode::ServerBusy).with(json!({"retry_after_secs": 5}))),
    };
    // A lock set by another process on the same store.
    if let Some(lock) = sessions::login_lock(&state.db.pool, &[account.key(), address.key()], now).await? {
        let subject = if lock.subject == account.key() { &account } else { &address };
        state.login_throttle.lock(subject, lock.locked_until);
        return Err(locked_error(lock.locked_until - now, true, subject.scope()));
    }
    let row = users::login_row(&state.db.pool, &req.username).await?;
    let verified = auth::verify(req.password.clone(), row.as_ref().map(|r| r.password_hash.clone())).await?;
    let user = row.filter(|r| verified && r.disabled == 0);
    let Some(user) = user else {
        let locks = attempt.failed(now);
        record_locks(&state, now, &req.username, locks).await?;
        return Err(ErrorCode::InvalidCredentials.into());
    };
    attempt.succeeded();
    let token = auth::random_token(32)?;
    let csrf = auth::random_token(24)?;
    sessions::insert(&state.db.pool, &auth::sha256_hex(&token), user.id, &csrf, now, now + state.settings.session_ttl_secs).await?;
    audit::record(&state.db, now, &Event::new(&req.username, Some(user.id), user.shop_id.as_deref(), "login", "ok")).await?;
    let me = user_for_session(&state, &token).await?.ok_or_else(|| AppError::internal("session vanished"))?;
    let mut resp = Json(SessionInfo { user: me.info.clone(), csrf_token: csrf }).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, &token, state.settings.session_ttl_secs));
    Ok(resp)
}

/// `LOGIN_LOCKED` with when to come back.
fn locked_error(retry_after_secs: i64, locked: bool, scope: &str) -> AppError {
    AppError::new(ErrorCode::LoginLocked).with(json!({"retry_after_secs": retry_after_secs.max(1), "locked": locked, "scope": scope}))
}

/// Store and audit the locks a failure set: one row each in `login_locks` and in the audit
/// trail (the account's shop chain if the name is a shop's user, else the platform chain).
async fn record_locks(state: &AppState, now: i64, typed_name: &str, locks: Vec<NewLock>) -> AppResult<()> {
    for lock in locks {
        let shop = match &lock.subject {
            Subject::Account(_) => users::login_row(&state.db.pool, typed_name).await?.and_then(|r| r.shop_id),
            Subject::Address(_) => None,
        };
        let mut tx = state.db.begin_write().await?;
        sessions::set_login_lock(&mut tx, &lock.subject.key(), lock.until).await?;
        let actor: String = typed_name.chars().take(64).collect();
        let mut ev = Event::new(&actor, None, shop.as_deref(), "login_locked", "refused");
        ev.code = Some(ErrorCode::LoginLocked.as_str());
        ev.details = json!({"subject": lock.subject.key(), "scope": lock.subject.scope(), "failures": lock.failures, "locked_until": crate::clock::rfc3339(lock.until)});
        audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Change one's own password: the current one is required, the new one must pass the rules
/// ([`auth::check_new_password`]). The account's other sessions end; this one stays. A wrong
/// current password counts as a failed login of the account.
#[utoipa::path(post, path = "/api/v1/me/password", request_body = PasswordChange,
    responses((status = 200, body = PasswordChanged), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
async fn change_password(State(state): State<AppState>, ClientAddr(addr): ClientAddr, user: User, ApiJson(req): ApiJson<PasswordChange>) -> AppResult<Json<PasswordChanged>> {
    let now = state.now();
    let (account, address) = (Subject::account(&user.username), Subject::Address(addr));
    let attempt = match state.login_throttle.admit(account, address, now) {
        Ok(a) => a,
        Err(Refusal::Wait { retry_after_secs, locked, scope }) => return Err(locked_error(retry_after_secs, locked, scope)),
        Err(Refusal::Full) => return Err(AppError::new(ErrorCode::ServerBusy).with(json!({"retry_after_secs": 5}))),
    };
    let stored = users::login_row(&state.db.pool, &user.username).await?.map(|r| r.password_hash);
    if !auth::verify(req.current_password, stored).await? {
        let locks = attempt.failed(now);
        record_locks(&state, now, &user.username, locks).await?;
        return Err(ErrorCode::CurrentPasswordWrong.into());
    }
    attempt.succeeded();
    auth::check_new_password(&user.username, &req.new_password)?;
    let password_hash = auth::hash(req.new_password).await?;
    let mut tx = state.db.begin_write().await?;
    users::set_password_hash(&mut tx, user.id, &password_hash).await?;
    let sessions_ended = sessions::delete_others(&mut tx, user.id, &user.csrf_token).await?;
    let mut ev = Event::new(&user.username, Some(user.id), user.shop_id.as_deref(), "password_change", "ok");
    ev.details = json!({"sessions_ended": sessions_ended});
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(Json(PasswordChanged { sessions_ended }))
}

/// End the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn logout(State(state): State<AppState>, user: User) -> AppResult<Response> {
    sessions::delete(&state.db.pool, user.id, &user.csrf_token).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(resp)
}

/// The current user and the session's CSRF token.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = SessionInfo), (status = 401, body = ApiError)))]
async fn me(user: User) -> Json<SessionInfo> {
    let csrf_token = user.csrf_token.clone();
    Json(SessionInfo { user: user.info.clone(), csrf_token })
}

/// The OpenAPI paths of these routes.
#[derive(OpenApi)]
#[openapi(paths(login, logout, me, change_password), components(schemas(PasswordChange, PasswordChanged)))]
pub struct SessionDoc;
