//! `GET /api/v1/quota`: today's quota of the caller's shop (or, for a platform admin, the
//! shop asked for), the last 30 days and the approved extras in force.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use orderveil_api::{ApiError, ErrorCode, QuotaResponse, Role};
use serde_json::json;
use utoipa::OpenApi;

use super::{history, today};
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::guard::Caller;
use crate::state::AppState;

/// The quota route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/quota", get(get_quota))
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
        Caller::FactoryApp(_) => return Err(ErrorCode::Forbidden.into()),
        Caller::User(user) => match user.role {
            Role::Admin => p.shop_id.ok_or_else(|| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "shop_id"})))?,
            Role::Owner | Role::Staff => user.own_shop()?.to_string(),
            Role::Factory | Role::FactoryStaff => return Err(ErrorCode::Forbidden.into()),
        },
    };
    let today = today(&state.db, state.now(), &shop).await?;
    let extras = crate::applications::active_extras(&state, &shop, &today.day).await?;
    Ok(Json(QuotaResponse { today, history: history(&state.db, state.now(), &shop).await?, extras }))
}

/// The OpenAPI paths of these routes.
#[derive(OpenApi)]
#[openapi(paths(get_quota))]
pub struct QuotaDoc;
