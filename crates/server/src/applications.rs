//! Quota raise applications.
//!
//! * A shop owner, or staff with the `quota` permission, **applies** for extra reveals per day
//!   (1–100000) with a reason, a description and a range of Asia/Shanghai days (at most 90,
//!   starting today or later) or long-term (no end day, flagged for stricter review).
//! * States: `pending` → `approved` / `rejected` (by a platform admin, a comment required to
//!   reject); `pending` → `withdrawn` (by the shop). Any other transition is
//!   `APPLICATION_STATE_CONFLICT`. An approved application reads as `active` on the days it
//!   covers and `expired` after them (derived when read, never stored).
//! * **Approval raises the limit at once**: it inserts the matching `quota_extras` row (long-term
//!   ends on `9999-12-31`), which the quota view and the settler read for every day it covers.
//! * Every action writes an audit row on the shop's chain in the same transaction; a
//!   transition is a conditional update (only while the status is still `pending`), so two
//!   concurrent decisions cannot both apply (on PostgreSQL with several processes too).

use axum::Json;
use axum::extract::State;
use axum::routing::{get, post};
use orderveil_api::{
    ApiError, ApplicationContext, ApplicationDecision, ApplicationQuery, ApplicationStatus, ErrorCode, Permission, QuotaApplication, QuotaApplicationCreate,
    QuotaExtraSource, QuotaReason, Role,
};
use serde_json::json;

use crate::guard::{require_admin, shop_with};
use crate::audit;
use crate::guard::User;
use crate::clock::{day_of, last_days, parse_day, rfc3339};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::store::applications::{self as store, ApplicationRow, NewApplication};

/// Most extra reveals per day one application asks for.
pub const MAX_PER_DAY: u32 = 100_000;
/// Longest range of days of an application that is not long-term.
pub const MAX_DAYS: i64 = 90;
/// Longest description, in characters (also the longest reviewer comment).
pub const MAX_TEXT: usize = 500;
/// Latest start day, in days from today.
pub const MAX_START_AHEAD_DAYS: i64 = 365;
/// The end day of a long-term extra in `quota_extras`.
pub const LONG_TERM_END: &str = "9999-12-31";
/// Most applications one list returns.
pub const MAX_LIST: i64 = 500;

fn invalid(field: &str, reason: &str) -> AppError {
    AppError::new(ErrorCode::ValidationFailed).with(json!({"field": field, "reason": reason}))
}

/// The state an application shows on `today`.
pub fn derive_status(stored: &str, start_day: &str, end_day: Option<&str>, today: &str) -> ApplicationStatus {
    match stored {
        "approved" if today < start_day => ApplicationStatus::Approved,
        "approved" if end_day.is_some_and(|e| today > e) => ApplicationStatus::Expired,
        "approved" => ApplicationStatus::Active,
        "rejected" => ApplicationStatus::Rejected,
        "withdrawn" => ApplicationStatus::Withdrawn,
        _ => ApplicationStatus::Pending,
    }
}

/// Check an application; returns (description trimmed, end day as stored or `None`).
fn validate(req: &QuotaApplicationCreate, today: &str) -> AppResult<(String, Option<String>)> {
    if req.per_day == 0 || req.per_day > MAX_PER_DAY {
        return Err(invalid("per_day", "1 to 100000"));
    }
    let description = req.description.trim().to_string();
    if description.is_empty() || description.chars().count() > MAX_TEXT {
        return Err(invalid("description", "1 to 500 characters"));
    }
    let start = parse_day(&req.start_day).ok_or_else(|| invalid("start_day", "a day YYYY-MM-DD"))?;
    let today_d = parse_day(today).ok_or_else(|| AppError::internal("today does not parse"))?;
    if start < today_d {
        return Err(invalid("start_day", "today or later (Asia/Shanghai)"));
    }
    if (start - today_d).whole_days() > MAX_START_AHEAD_DAYS {
        return Err(invalid("start_day", "at most 365 days ahead"));
    }
    match (req.long_term, req.end_day.as_deref()) {
        (true, None) => Ok((description, None)),
        (true, Some(_)) => Err(invalid("end_day", "a long-term application has no end day")),
        (false, None) => Err(invalid("end_day", "required unless long_term is set")),
        (false, Some(e)) => {
            let end = parse_day(e).ok_or_else(|| invalid("end_day", "a day YYYY-MM-DD"))?;
            if end < start {
                return Err(invalid("end_day", "not before start_day"));
            }
            if (end - start).whole_days() + 1 > MAX_DAYS {
                return Err(invalid("end_day", "at most 90 days in all; apply long-term for longer"));
            }
            Ok((description, Some(end.to_string())))
        }
    }
}

fn view(r: ApplicationRow, today: &str) -> QuotaApplication {
    QuotaApplication {
        status: derive_status(&r.status, &r.start_day, r.end_day.as_deref(), today),
        reason: QuotaReason::parse(&r.reason).unwrap_or(QuotaReason::Other),
        per_day: u32::try_from(r.per_day).unwrap_or(0),
        long_term: r.long_term != 0,
        created_at: rfc3339(r.created_at),
        decided_at: r.decided_at.map(rfc3339),
        id: r.id,
        shop_id: r.shop_id,
        shop_name: r.shop_name,
        description: r.description,
        start_day: r.start_day,
        end_day: r.end_day,
        applied_by: r.applied_by,
        decided_by: r.decided_by,
        comment: r.comment,
        context: None,
    }
}

/// `POST /api/v1/quota/applications`.
pub async fn apply(state: &AppState, user: &User, req: QuotaApplicationCreate) -> AppResult<QuotaApplication> {
    let shop = shop_with(user, Permission::Quota)?;
    let now = state.now();
    let today = day_of(now);
    let (description, end_day) = validate(&req, &today)?;
    let mut tx = state.db.begin_write().await?;
    let new = NewApplication {
        shop_id: &shop,
        per_day: i64::from(req.per_day),
        reason: req.reason.as_str(),
        description: &description,
        start_day: &req.start_day,
        end_day: end_day.as_deref(),
        long_term: req.long_term,
        applied_by: &user.username,
        applied_by_id: user.id,
        created_at: now,
    };
    let id = store::insert(&mut tx, &new).await?;
    let ev = user.event(&shop, "quota_apply", json!({"application_id": id, "per_day": req.per_day, "reason": req.reason.as_str(), "start_day": req.start_day, "end_day": end_day, "long_term": req.long_term}));
    audit::append(&mut tx, now, &ev).await?;
    let row = store::get(&mut tx, id).await?.ok_or_else(|| AppError::internal("application vanished"))?;
    tx.commit().await?;
    Ok(view(row, &today))
}

/// Why a conditional transition changed nothing: the application is missing (or another
/// shop's: NOT_FOUND) or not pending (APPLICATION_STATE_CONFLICT, with its state).
fn conflict(row: Option<&ApplicationRow>, today: &str) -> AppError {
    match row {
        None => ErrorCode::NotFound.into(),
        Some(r) => AppError::new(ErrorCode::ApplicationStateConflict).with(json!({"status": derive_status(&r.status, &r.start_day, r.end_day.as_deref(), today).as_str()})),
    }
}

/// `POST /api/v1/quota/applications/{id}/withdraw` (the shop, while pending).
pub async fn withdraw(state: &AppState, user: &User, id: i64) -> AppResult<QuotaApplication> {
    let shop = shop_with(user, Permission::Quota)?;
    let now = state.now();
    let today = day_of(now);
    let mut tx = state.db.begin_write().await?;
    let row = store::get(&mut tx, id).await?.filter(|r| r.shop_id == shop);
    let Some(row) = row else { return Err(ErrorCode::NotFound.into()) };
    if store::withdraw(&mut tx, id, &shop, &user.username, now).await? != 1 {
        return Err(conflict(Some(&row), &today));
    }
    let ev = user.event(&shop, "quota_withdraw", json!({"application_id": id}));
    audit::append(&mut tx, now, &ev).await?;
    let row = store::get(&mut tx, id).await?.ok_or_else(|| AppError::internal("application vanished"))?;
    tx.commit().await?;
    Ok(view(row, &today))
}

fn comment_of(d: &ApplicationDecision, required: bool) -> AppResult<String> {
    let c = d.comment.trim().to_string();
    if required && c.is_empty() {
        return Err(invalid("comment", "required to reject"));
    }
    if c.chars().count() > MAX_TEXT {
        return Err(invalid("comment", "at most 500 characters"));
    }
    Ok(c)
}

/// `POST /api/v1/quota/applications/{id}/approve` and `…/reject` (platform admins).
pub async fn decide(state: &AppState, user: &User, id: i64, approve: bool, d: ApplicationDecision) -> AppResult<QuotaApplication> {
    require_admin(user)?;
    let comment = comment_of(&d, !approve)?;
    let now = state.now();
    let today = day_of(now);
    let mut tx = state.db.begin_write().await?;
    let Some(row) = store::get(&mut tx, id).await? else { return Err(ErrorCode::NotFound.into()) };
    let new_status = if approve { "approved" } else { "rejected" };
    if store::decide(&mut tx, id, new_status, &user.username, now, (!comment.is_empty()).then_some(comment.as_str())).await? != 1 {
        return Err(conflict(Some(&row), &today));
    }
    let shop = row.shop_id.clone();
    let mut details = json!({"application_id": id, "comment": comment});
    if approve {
        let end = row.end_day.clone().unwrap_or_else(|| LONG_TERM_END.to_string());
        let extra_id = store::insert_extra(&mut tx, &shop, row.per_day, &row.start_day, &end, &row.reason, now, id).await?;
        details = json!({"application_id": id, "comment": comment, "extra_id": extra_id, "per_day": row.per_day, "start_day": row.start_day, "end_day": end, "long_term": row.long_term != 0});
    }
    let ev = user.event(&shop, if approve { "quota_approve" } else { "quota_reject" }, details);
    audit::append(&mut tx, now, &ev).await?;
    let row = store::get(&mut tx, id).await?.ok_or_else(|| AppError::internal("application vanished"))?;
    tx.commit().await?;
    Ok(view(row, &today))
}

/// `GET /api/v1/quota/applications`: the shop's (owners, staff with `quota`), or every shop's
/// for platform admins with each shop's context. Pending ones for admins come oldest first
/// (a queue); otherwise newest first.
pub async fn list(state: &AppState, user: &User, q: ApplicationQuery) -> AppResult<Vec<QuotaApplication>> {
    let now = state.now();
    let today = day_of(now);
    let admin = user.role == Role::Admin;
    let shop = if admin {
        q.shop_id.clone()
    } else {
        let own = shop_with(user, Permission::Quota)?;
        if q.shop_id.as_deref().is_some_and(|s| s != own) {
            return Err(ErrorCode::Forbidden.into());
        }
        Some(own)
    };
    let wanted = match q.status.as_deref() {
        None => None,
        Some(s) => Some(ApplicationStatus::parse(s).ok_or_else(|| invalid("status", "pending, approved, active, expired, rejected or withdrawn"))?),
    };
    let stored = wanted.map(|w| match w {
        ApplicationStatus::Approved | ApplicationStatus::Active | ApplicationStatus::Expired => "approved",
        other => other.as_str(),
    });
    let queue = admin && wanted == Some(ApplicationStatus::Pending);
    let rows = store::list(&mut *state.db.pool.acquire().await?, shop.as_deref(), stored, queue, MAX_LIST).await?;
    let mut out: Vec<QuotaApplication> = rows.into_iter().map(|r| view(r, &today)).filter(|a| wanted.is_none_or(|w| a.status == w)).collect();
    if admin {
        let days = last_days(now, 30);
        let mut per_shop: Vec<(String, u64, u64)> = Vec::new();
        for a in &mut out {
            if !per_shop.iter().any(|p| p.0 == a.shop_id) {
                let orders = crate::store::orders::created_between(&state.db.pool, &a.shop_id, now - 30 * 86_400, now).await?;
                let used = store::reveals_between(&state.db.pool, &a.shop_id, &days[0], &days[days.len() - 1]).await?;
                per_shop.push((a.shop_id.clone(), u64::try_from(orders).unwrap_or(0), u64::try_from(used).unwrap_or(0)));
            }
            let previous = store::earlier_applications(&state.db.pool, &a.shop_id, a.id).await?;
            if let Some(p) = per_shop.iter().find(|p| p.0 == a.shop_id) {
                a.context = Some(ApplicationContext { orders_last_30_days: p.1, reveals_last_30_days: p.2, previous_applications: u64::try_from(previous).unwrap_or(0) });
            }
        }
    }
    Ok(out)
}

/// The approved extras of `shop` covering `day`, with their sources, oldest first.
pub async fn active_extras(state: &AppState, shop: &str, day: &str) -> AppResult<Vec<QuotaExtraSource>> {
    let rows = store::active_extras(&state.db.pool, shop, day).await?;
    Ok(rows
        .into_iter()
        .map(|r| QuotaExtraSource { application_id: r.application_id, per_day: u32::try_from(r.per_day).unwrap_or(0), start_day: r.start_day, end_day: r.end_day, reason: r.reason })
        .collect())
}

// ---------------------------------------------------------------------------------------
// HTTP

/// The application routes, merged into the API router.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/quota/applications", get(list_applications).post(create_application))
        .route("/api/v1/quota/applications/{id}/withdraw", post(withdraw_application))
        .route("/api/v1/quota/applications/{id}/approve", post(approve_application))
        .route("/api/v1/quota/applications/{id}/reject", post(reject_application))
}

/// Apply for a quota raise (shop owners, staff with `quota`).
#[utoipa::path(post, path = "/api/v1/quota/applications", request_body = QuotaApplicationCreate,
    responses((status = 200, body = QuotaApplication), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn create_application(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<QuotaApplicationCreate>) -> AppResult<Json<QuotaApplication>> {
    apply(&state, &user, req).await.map(Json)
}

/// Quota raise applications: the shop's own, or all (platform admins, with each shop's context).
#[utoipa::path(get, path = "/api/v1/quota/applications", params(ApplicationQuery),
    responses((status = 200, body = Vec<QuotaApplication>), (status = 403, body = ApiError)))]
async fn list_applications(State(state): State<AppState>, user: User, ApiQuery(q): ApiQuery<ApplicationQuery>) -> AppResult<Json<Vec<QuotaApplication>>> {
    list(&state, &user, q).await.map(Json)
}

/// Withdraw a pending application (the shop).
#[utoipa::path(post, path = "/api/v1/quota/applications/{id}/withdraw", params(("id" = i64, Path)),
    responses((status = 200, body = QuotaApplication), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn withdraw_application(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>) -> AppResult<Json<QuotaApplication>> {
    withdraw(&state, &user, id).await.map(Json)
}

/// Approve a pending application (platform admins); the limit rises at once on the days it covers.
#[utoipa::path(post, path = "/api/v1/quota/applications/{id}/approve", params(("id" = i64, Path)), request_body = ApplicationDecision,
    responses((status = 200, body = QuotaApplication), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn approve_application(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(d): ApiJson<ApplicationDecision>) -> AppResult<Json<QuotaApplication>> {
    decide(&state, &user, id, true, d).await.map(Json)
}

/// Reject a pending application with a comment (platform admins).
#[utoipa::path(post, path = "/api/v1/quota/applications/{id}/reject", params(("id" = i64, Path)), request_body = ApplicationDecision,
    responses((status = 200, body = QuotaApplication), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn reject_application(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(d): ApiJson<ApplicationDecision>) -> AppResult<Json<QuotaApplication>> {
    decide(&state, &user, id, false, d).await.map(Json)
}

/// The OpenAPI paths of this module, merged into the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create_application, list_applications, withdraw_application, approve_application, reject_application))]
pub struct ApplicationsDoc;

#[cfg(test)]
mod tests {
    use super::*;

    fn req(start: &str, end: Option<&str>, long_term: bool) -> QuotaApplicationCreate {
        QuotaApplicationCreate { per_day: 10, reason: QuotaReason::AfterSales, description: "售后回访".into(), start_day: start.into(), end_day: end.map(Into::into), long_term }
    }

    #[test]
    fn ranges_are_checked() {
        let today = "2026-11-28";
        assert!(validate(&req("2026-11-28", Some("2026-11-28"), false), today).is_ok());
        assert!(validate(&req("2026-11-28", Some("2027-02-25"), false), today).is_ok(), "exactly 90 days");
        assert!(validate(&req("2026-11-28", Some("2027-02-26"), false), today).is_err(), "91 days");
        assert!(validate(&req("2026-11-27", Some("2026-11-28"), false), today).is_err(), "starts yesterday");
        assert!(validate(&req("2026-11-29", Some("2026-11-28"), false), today).is_err(), "ends before it starts");
        assert!(validate(&req("2026-11-28", None, false), today).is_err(), "no end, not long-term");
        assert!(validate(&req("2026-11-28", Some("2026-11-29"), true), today).is_err(), "long-term with an end");
        assert!(validate(&req("2026-11-28", None, true), today).is_ok());
        assert!(validate(&req("2026-13-01", Some("2026-12-01"), false), today).is_err());
        let mut r = req("2026-11-28", None, true);
        r.per_day = 0;
        assert!(validate(&r, today).is_err());
        r.per_day = 100_001;
        assert!(validate(&r, today).is_err());
        r.per_day = 100_000;
        r.description = " ".into();
        assert!(validate(&r, today).is_err());
        r.description = "字".repeat(500);
        assert!(validate(&r, today).is_ok());
        r.description = "字".repeat(501);
        assert!(validate(&r, today).is_err());
    }

    #[test]
    fn approved_ones_are_active_then_expired() {
        assert_eq!(derive_status("approved", "2026-11-29", Some("2026-11-30"), "2026-11-28"), ApplicationStatus::Approved);
        assert_eq!(derive_status("approved", "2026-11-29", Some("2026-11-30"), "2026-11-29"), ApplicationStatus::Active);
        assert_eq!(derive_status("approved", "2026-11-29", Some("2026-11-30"), "2026-11-30"), ApplicationStatus::Active);
        assert_eq!(derive_status("approved", "2026-11-29", Some("2026-11-30"), "2026-12-01"), ApplicationStatus::Expired);
        assert_eq!(derive_status("approved", "2026-11-29", None, "2099-01-01"), ApplicationStatus::Active);
        assert_eq!(derive_status("pending", "2026-11-29", None, "2099-01-01"), ApplicationStatus::Pending);
        assert_eq!(derive_status("rejected", "2026-11-29", None, "2026-11-29"), ApplicationStatus::Rejected);
        assert_eq!(derive_status("withdrawn", "2026-11-29", None, "2026-11-29"), ApplicationStatus::Withdrawn);
    }
}
