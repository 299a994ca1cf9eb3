//! SMS templates: a shop submits (a new name, or a new version of one), withdraws while
//! pending; the platform approves or rejects with a comment. Each step is one transaction
//! with its audit row on the shop's chain.

use orderveil_api::{ErrorCode, Permission, Role, SmsKind, SmsTemplate, SmsTemplateCreate, SmsTemplateQuery, SmsTemplateStatus};
use serde_json::json;

use super::{check_body, platform_host};
use crate::audit;
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::guard::{User, require_admin, shop_with};
use crate::state::AppState;
use crate::store::sms::{self as store, TemplateRow};

/// The API view of a stored version.
pub fn view(r: TemplateRow) -> AppResult<SmsTemplate> {
    Ok(SmsTemplate {
        kind: SmsKind::parse(&r.kind).ok_or_else(|| AppError::internal("bad sms kind"))?,
        status: SmsTemplateStatus::parse(&r.status).ok_or_else(|| AppError::internal("bad sms template status"))?,
        id: r.id,
        shop_id: r.shop_id,
        name: r.name,
        version: r.version,
        body: r.body,
        submitted_by: r.submitted_by,
        submitted_at: rfc3339(r.submitted_at),
        decided_by: r.decided_by,
        decided_at: r.decided_at.map(rfc3339),
        comment: r.comment,
    })
}

fn invalid(field: &str, reason: &str) -> AppError {
    AppError::new(ErrorCode::ValidationFailed).with(json!({"field": field, "reason": reason}))
}

/// `POST /api/v1/sms/templates` (owners, staff with `sms`): a pending version.
pub async fn submit(state: &AppState, user: &User, req: SmsTemplateCreate) -> AppResult<SmsTemplate> {
    let shop = shop_with(user, Permission::Sms)?;
    let name = req.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
        return Err(invalid("name", "1 to 40 characters"));
    }
    let body = req.body.trim().to_string();
    let problems = check_body(&body, platform_host(state.settings.public_url.as_deref()).as_deref());
    if !problems.is_empty() {
        return Err(AppError::new(ErrorCode::SmsTemplateForbidden).with(json!({"field": "body", "problems": problems})));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let version = store::next_version(&mut tx, &shop, &name).await?;
    let id = store::insert_template(&mut tx, &shop, &name, version, req.kind.as_str(), &body, &user.username, now).await?;
    let ev = user.event(&shop, "sms_template_submit", json!({"template_id": id, "name": name, "version": version, "kind": req.kind.as_str()}));
    audit::append(&mut tx, now, &ev).await?;
    let row = store::template(&mut tx, id).await?.ok_or_else(|| AppError::internal("template vanished"))?;
    tx.commit().await?;
    view(row)
}

/// `GET /api/v1/sms/templates`: the shop's (owners, staff with `sms`), or every shop's
/// (platform admins; pending first).
pub async fn list(state: &AppState, user: &User, q: SmsTemplateQuery) -> AppResult<Vec<SmsTemplate>> {
    let shop = if user.role == Role::Admin { q.shop_id.clone() } else { Some(shop_with(user, Permission::Sms)?) };
    let rows = store::templates(&state.db.pool, shop.as_deref(), q.status.map(SmsTemplateStatus::as_str)).await?;
    rows.into_iter().map(view).collect()
}

/// `POST /api/v1/sms/templates/{id}/approve|reject` (platform admins): a pending version is
/// decided; approving supersedes the name's older approved version; rejecting needs a comment.
pub async fn decide(state: &AppState, user: &User, id: i64, approve: bool, comment: &str) -> AppResult<SmsTemplate> {
    require_admin(user)?;
    let comment = comment.trim();
    if !approve && comment.is_empty() {
        return Err(invalid("comment", "a comment is required to reject"));
    }
    if comment.chars().count() > 500 {
        return Err(invalid("comment", "at most 500 characters"));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let row = store::template(&mut tx, id).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let to = if approve { "approved" } else { "rejected" };
    if store::decide(&mut tx, id, "pending", to, &user.username, now, (!comment.is_empty()).then_some(comment)).await? == 0 {
        return Err(AppError::new(ErrorCode::SmsTemplateStateConflict).with(json!({"status": row.status})));
    }
    if approve {
        store::supersede_others(&mut tx, &row.shop_id, &row.name, id).await?;
    }
    let action = if approve { "sms_template_approve" } else { "sms_template_reject" };
    let ev = user.event(&row.shop_id, action, json!({"template_id": id, "name": row.name, "version": row.version, "comment": comment}));
    audit::append(&mut tx, now, &ev).await?;
    let row = store::template(&mut tx, id).await?.ok_or_else(|| AppError::internal("template vanished"))?;
    tx.commit().await?;
    view(row)
}

/// `POST /api/v1/sms/templates/{id}/withdraw` (owners, staff with `sms`): a pending version
/// of the shop's is withdrawn.
pub async fn withdraw(state: &AppState, user: &User, id: i64) -> AppResult<SmsTemplate> {
    let shop = shop_with(user, Permission::Sms)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let row = store::template(&mut tx, id).await?.filter(|r| r.shop_id == shop).ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    if store::decide(&mut tx, id, "pending", "withdrawn", &user.username, now, None).await? == 0 {
        return Err(AppError::new(ErrorCode::SmsTemplateStateConflict).with(json!({"status": row.status})));
    }
    let ev = user.event(&shop, "sms_template_withdraw", json!({"template_id": id, "name": row.name, "version": row.version}));
    audit::append(&mut tx, now, &ev).await?;
    let row = store::template(&mut tx, id).await?.ok_or_else(|| AppError::internal("template vanished"))?;
    tx.commit().await?;
    view(row)
}
