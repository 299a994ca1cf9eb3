//! Sessions of the web app: log in (password → HttpOnly session cookie + CSRF token), log
//! out, and who am I.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::{ApiError, ErrorCode, LoginRequest, SessionInfo};
use utoipa::OpenApi;

use crate::audit::{self, Event};
use crate::auth::{self, SESSION_COOKIE};
use crate::error::{AppError, AppResult};
use crate::extract::ApiJson;
use crate::guard::{User, user_for_session};
use crate::state::AppState;
use crate::store::{sessions, users};

/// The session routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/me", get(me))
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
    let row = users::login_row(&state.db.pool, &req.username).await?;
    let ok = match &row {
        Some(r) => {
            let (pw, h) = (req.password.clone(), r.password_hash.clone());
            r.disabled == 0 && tokio::task::spawn_blocking(move || auth::verify_password(&pw, &h)).await.unwrap_or(false)
        }
        None => {
            let pw = req.password.clone();
            let _ = tokio::task::spawn_blocking(move || auth::verify_against_dummy(&pw)).await;
            false
        }
    };
    let shop = row.as_ref().and_then(|r| r.shop_id.clone());
    if !ok {
        let mut ev = Event::new(&req.username.chars().take(64).collect::<String>(), row.as_ref().map(|r| r.id), shop.as_deref(), "login", "refused");
        ev.code = Some(ErrorCode::InvalidCredentials.as_str());
        audit::record(&state.db, now, &ev).await?;
        return Err(ErrorCode::InvalidCredentials.into());
    }
    let Some(user_id) = row.map(|r| r.id) else { return Err(ErrorCode::InvalidCredentials.into()) };
    let token = auth::random_token(32)?;
    let csrf = auth::random_token(24)?;
    sessions::insert(&state.db.pool, &auth::sha256_hex(&token), user_id, &csrf, now, now + state.settings.session_ttl_secs).await?;
    audit::record(&state.db, now, &Event::new(&req.username, Some(user_id), shop.as_deref(), "login", "ok")).await?;
    let user = user_for_session(&state, &token).await?.ok_or_else(|| AppError::internal("session vanished"))?;
    let mut resp = Json(SessionInfo { user: user.info.clone(), csrf_token: csrf }).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&token, state.settings.session_ttl_secs));
    Ok(resp)
}

/// End the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn logout(State(state): State<AppState>, user: User) -> AppResult<Response> {
    sessions::delete(&state.db.pool, user.id, &user.csrf_token).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie("", 0));
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
#[openapi(paths(login, logout, me))]
pub struct SessionDoc;
