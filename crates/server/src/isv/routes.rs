//! The ISV routes and their OpenAPI paths: app registration and authorization (web app),
//! tokens and batch helpers (app backends).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::{
    ApiError, BatchMaskRequest, BatchMaskResponse, IsvApp, IsvAppCreate, IsvAppCreated, IsvAuthorization, IsvAuthorizationCreate, SearchIndexRequest, SearchIndexResponse,
    TokenRequest, TokenResponse,
};
use utoipa::OpenApi;

use super::{authorize, batch_mask, list_apps, list_authorizations, register, revoke, search_index, token};
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath};
use crate::guard::{Caller, User};
use crate::state::AppState;

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

/// Third-party apps: every app (platform admins) or the enabled ones (shop and factory owners).
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

/// The app authorizations of the owner's shop or factory, or all of them (platform admins).
#[utoipa::path(get, path = "/api/v1/isv-authorizations", responses((status = 200, body = Vec<IsvAuthorization>), (status = 403, body = ApiError)))]
async fn list_isv_authorizations(State(state): State<AppState>, user: User) -> AppResult<Json<Vec<IsvAuthorization>>> {
    list_authorizations(&state, &user).await.map(Json)
}

/// Authorize an app for the owner's shop or factory with scopes (replaces a live authorization
/// of it); a factory's app gets `orders.read`, `print` and `ship` at most, never `reveal`.
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

/// Access tokens for an app's backend: `client_credentials` (app id + secret + `shop_id` or
/// `factory_id`) or `refresh_token`.
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
