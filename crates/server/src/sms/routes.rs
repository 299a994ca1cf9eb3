//! The SMS endpoints: templates (shop and platform), preview, send, the outbox.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::{
    ApiError, ApplicationDecision, ErrorCode, Permission, SmsKind, SmsMessage, SmsOutboxPage, SmsOutboxQuery, SmsPreview, SmsQueued, SmsRefusedOrder, SmsSend, SmsStatus,
    SmsTemplate, SmsTemplateCreate, SmsTemplateQuery, SmsTemplateStatus,
};
use utoipa::OpenApi;

use super::{send, templates};
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::guard::{User, shop_with};
use crate::state::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sms/templates", get(list_templates).post(submit_template))
        .route("/api/v1/sms/templates/{id}/approve", post(approve_template))
        .route("/api/v1/sms/templates/{id}/reject", post(reject_template))
        .route("/api/v1/sms/templates/{id}/withdraw", post(withdraw_template))
        .route("/api/v1/sms/preview", post(preview_sms))
        .route("/api/v1/sms/send", post(send_sms))
        .route("/api/v1/sms/outbox", get(outbox))
}

/// SMS templates: the shop's (owners, staff with `sms`) or every shop's (platform admins, pending first).
#[utoipa::path(get, path = "/api/v1/sms/templates", params(SmsTemplateQuery), responses((status = 200, body = Vec<SmsTemplate>), (status = 403, body = ApiError)))]
pub async fn list_templates(State(state): State<AppState>, user: User, ApiQuery(q): ApiQuery<SmsTemplateQuery>) -> AppResult<Json<Vec<SmsTemplate>>> {
    templates::list(&state, &user, q).await.map(Json)
}

/// Submit a template, or a new version of one by its name (owners, staff with `sms`); the
/// platform decides. Variables: `{order_id}`, `{carrier}`, `{tracking_no}`, `{shop_name}`; no
/// phone numbers, no links except the platform's.
#[utoipa::path(post, path = "/api/v1/sms/templates", request_body = SmsTemplateCreate,
    responses((status = 200, body = SmsTemplate), (status = 403, body = ApiError), (status = 422, body = ApiError, description = "SMS_TEMPLATE_FORBIDDEN with details.problems, VALIDATION_FAILED")))]
pub async fn submit_template(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<SmsTemplateCreate>) -> AppResult<Json<SmsTemplate>> {
    templates::submit(&state, &user, req).await.map(Json)
}

/// Approve a pending template version (platform admins); the name's older approved version is superseded.
#[utoipa::path(post, path = "/api/v1/sms/templates/{id}/approve", params(("id" = i64, Path)), request_body = ApplicationDecision,
    responses((status = 200, body = SmsTemplate), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn approve_template(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<ApplicationDecision>) -> AppResult<Json<SmsTemplate>> {
    templates::decide(&state, &user, id, true, &req.comment).await.map(Json)
}

/// Reject a pending template version with a comment (platform admins).
#[utoipa::path(post, path = "/api/v1/sms/templates/{id}/reject", params(("id" = i64, Path)), request_body = ApplicationDecision,
    responses((status = 200, body = SmsTemplate), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn reject_template(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<ApplicationDecision>) -> AppResult<Json<SmsTemplate>> {
    templates::decide(&state, &user, id, false, &req.comment).await.map(Json)
}

/// Withdraw a pending template version of the shop (owners, staff with `sms`).
#[utoipa::path(post, path = "/api/v1/sms/templates/{id}/withdraw", params(("id" = i64, Path)),
    responses((status = 200, body = SmsTemplate), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn withdraw_template(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>) -> AppResult<Json<SmsTemplate>> {
    templates::withdraw(&state, &user, id).await.map(Json)
}

/// Each order's filled text and masked number, checked as a send would be; nothing is sent.
#[utoipa::path(post, path = "/api/v1/sms/preview", request_body = SmsSend,
    responses((status = 200, body = Vec<SmsPreview>), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn preview_sms(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<SmsSend>) -> AppResult<Json<Vec<SmsPreview>>> {
    send::preview(&state, &user, req).await.map(Json)
}

/// Send an approved template to the receivers of up to 500 orders (owners, staff with `sms`):
/// all are queued or none (`SMS_NOT_SENDABLE` lists each refused order with its reason);
/// daily limits per order and per shop; marketing only to orders of the last 90 days and
/// never 21:00–08:00 (Asia/Shanghai). Never charged to the reveal quota.
#[utoipa::path(post, path = "/api/v1/sms/send", request_body = SmsSend,
    responses((status = 200, body = SmsQueued), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError, description = "SMS_NOT_SENDABLE with details.refused, SMS_TEMPLATE_STATE_CONFLICT, SMS_QUIET_HOURS"),
              (status = 422, body = ApiError), (status = 429, body = ApiError, description = "SMS_SHOP_LIMIT")))]
pub async fn send_sms(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<SmsSend>) -> AppResult<Json<SmsQueued>> {
    send::send(&state, &user, req).await.map(Json)
}

/// The shop's outbox, newest first: masked numbers and states (owners, staff with `sms`).
#[utoipa::path(get, path = "/api/v1/sms/outbox", params(SmsOutboxQuery), responses((status = 200, body = SmsOutboxPage), (status = 403, body = ApiError)))]
pub async fn outbox(State(state): State<AppState>, user: User, ApiQuery(q): ApiQuery<SmsOutboxQuery>) -> AppResult<Json<SmsOutboxPage>> {
    let shop = shop_with(&user, Permission::Sms)?;
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(50);
    if !(1..=200).contains(&per_page) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(serde_json::json!({"field": "per_page", "reason": "1 to 200"})));
    }
    let mut conn = state.db.pool.acquire().await?;
    let (rows, total) = crate::store::sms::outbox(&mut conn, &shop, q.status.map(SmsStatus::as_str), q.order_id.as_deref(), i64::from(per_page), i64::from(page - 1) * i64::from(per_page)).await?;
    let messages = rows
        .into_iter()
        .map(|r| {
            Ok(SmsMessage {
                kind: SmsKind::parse(&r.kind).ok_or_else(|| AppError::internal("bad sms kind"))?,
                status: SmsStatus::parse(&r.status).ok_or_else(|| AppError::internal("bad sms status"))?,
                id: r.id,
                order_id: r.order_id,
                template_id: r.template_id,
                text: r.body,
                phone_masked: r.phone_masked,
                attempts: u32::try_from(r.attempts).unwrap_or(0),
                last_error: r.last_error,
                created_by: r.created_by,
                created_at: rfc3339(r.created_at),
                sent_at: r.sent_at.map(rfc3339),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Json(SmsOutboxPage { messages, total: u64::try_from(total).unwrap_or(0), page, per_page }))
}

/// The OpenAPI paths of SMS.
#[derive(OpenApi)]
#[openapi(
    paths(list_templates, submit_template, approve_template, reject_template, withdraw_template, preview_sms, send_sms, outbox),
    components(schemas(SmsKind, SmsTemplateStatus, SmsTemplate, SmsTemplateCreate, SmsSend, SmsPreview, SmsRefusedOrder, SmsQueued, SmsStatus, SmsMessage, SmsOutboxPage))
)]
pub struct SmsDoc;
