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
//!   transition is a conditional `UPDATE … WHERE status = 'pending'`, so two concurrent
//!   decisions cannot both apply (on PostgreSQL with several processes too).

use axum::Json;
use axum::extract::State;
use axum::routing::{get, post};
use orderveil_api::{
    ApiError, ApplicationContext, ApplicationDecision, ApplicationQuery, ApplicationStatus, ErrorCode, Permission, QuotaApplication, QuotaApplicationCreate,
    QuotaExtraSource, QuotaReason, Role,
};
use serde_json::json;
use sqlx::{Any, Executor};

use crate::guard::{require_admin, shop_with};
use crate::audit::{self, Event};
use crate::guard::User;
use crate::clock::{day_of, last_days, parse_day, rfc3339};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::quota;
use crate::state::AppState;

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

type Row = (i64, String, String, i64, String, String, String, Option<String>, i64, String, String, i64, Option<String>, Option<i64>, Option<String>);

const COLUMNS: &str = "a.id, a.shop_id, s.name, a.per_day, a.reason, a.description, a.start_day, a.end_day, a.long_term, a.status, a.applied_by, a.created_at, \
                       a.decided_by, a.decided_at, a.comment";

fn view(r: Row, today: &str) -> QuotaApplication {
    let (id, shop_id, shop_name, per_day, reason, description, start_day, end_day, long_term, status, applied_by, created_at, decided_by, decided_at, comment) = r;
    QuotaApplication {
        id,
        status: derive_status(&status, &start_day, end_day.as_deref(), today),
        shop_id,
        shop_name,
        per_day: u32::try_from(per_day).unwrap_or(0),
        reason: QuotaReason::parse(&reason).unwrap_or(QuotaReason::Other),
        description,
        start_day,
        end_day,
        long_term: long_term != 0,
        applied_by,
        created_at: rfc3339(created_at),
        decided_by,
        decided_at: decided_at.map(rfc3339),
        comment,
        context: None,
    }
}

async fn fetch<'e, E: Executor<'e, Database = Any>>(ex: E, id: i64) -> AppResult<Option<Row>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM quota_applications a JOIN shops s ON s.shop_id = a.shop_id WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?)
}

/// `POST /api/v1/quota/applications`.
pub async fn apply(state: &AppState, user: &User, req: QuotaApplicationCreate) -> AppResult<QuotaApplication> {
    let shop = shop_with(user, Permission::Quota)?;
    let now = state.now();
    let today = day_of(now);
    let (description, end_day) = validate(&req, &today)?;
    let mut tx = state.db.begin_write().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO quota_applications (shop_id, per_day, reason, description, start_day, end_day, long_term, status, applied_by, applied_by_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10) RETURNING id",
    )
    .bind(&shop)
    .bind(i64::from(req.per_day))
    .bind(req.reason.as_str())
    .bind(&description)
    .bind(&req.start_day)
    .bind(end_day.clone())
    .bind(i64::from(req.long_term))
    .bind(&user.username)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let mut ev = Event::new(&user.username, Some(user.id), Some(&shop), "quota_apply", "ok");
    ev.details = json!({"application_id": id, "per_day": req.per_day, "reason": req.reason.as_str(), "start_day": req.start_day, "end_day": end_day, "long_term": req.long_term});
    audit::append(&mut tx, now, &ev).await?;
    let row = fetch(&mut *tx, id).await?.ok_or_else(|| AppError::internal("application vanished"))?;
    tx.commit().await?;
    Ok(view(row, &today))
}

/// Why a conditional transition changed nothing: the application is missing (or another
/// shop's: NOT_FOUND) or not pending (APPLICATION_STATE_CONFLICT, with its state).
fn conflict(row: Option<&Row>, today: &str) -> AppError {
    match row {
        None => ErrorCode::NotFound.into(),
        Some(r) => AppError::new(ErrorCode::ApplicationStateConflict).with(json!({"status": derive_status(&r.9, &r.6, r.7.as_deref(), today).as_str()})),
    }
}

/// `POST /api/v1/quota/applications/{id}/withdraw` (the shop, while pending).
pub async fn withdraw(state: &AppState, user: &User, id: i64) -> AppResult<QuotaApplication> {
    let shop = shop_with(user, Permission::Quota)?;
    let now = state.now();
    let today = day_of(now);
    let mut tx = state.db.begin_write().await?;
    let row = fetch(&mut *tx, id).await?.filter(|r| r.1 == shop);
    let Some(row) = row else { return Err(ErrorCode::NotFound.into()) };
    let done = sqlx::query("UPDATE quota_applications SET status = 'withdrawn', decided_by = $1, decided_at = $2 WHERE id = $3 AND shop_id = $4 AND status = 'pending'")
        .bind(&user.username)
        .bind(now)
        .bind(id)
        .bind(&shop)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(conflict(Some(&row), &today));
    }
    let mut ev = Event::new(&user.username, Some(user.id), Some(&shop), "quota_withdraw", "ok");
    ev.details = json!({"application_id": id});
    audit::append(&mut tx, now, &ev).await?;
    let row = fetch(&mut *tx, id).await?.ok_or_else(|| AppError::internal("application vanished"))?;
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
    let Some(row) = fetch(&mut *tx, id).await? else { return Err(ErrorCode::NotFound.into()) };
    let new_status = if approve { "approved" } else { "rejected" };
    let done = sqlx::query("UPDATE quota_applications SET status = $1, decided_by = $2, decided_at = $3, comment = $4 WHERE id = $5 AND status = 'pending'")
        .bind(new_status)
        .bind(&user.username)
        .bind(now)
        .bind((!comment.is_empty()).then(|| comment.clone()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(conflict(Some(&row), &today));
    }
    let shop = row.1.clone();
    let mut details = json!({"application_id": id, "comment": comment});
    if approve {
        let end = row.7.clone().unwrap_or_else(|| LONG_TERM_END.to_string());
        let (extra_id,): (i64,) = sqlx::query_as(
            "INSERT INTO quota_extras (shop_id, per_day, start_day, end_day, status, reason, created_at, application_id) \
             VALUES ($1, $2, $3, $4, 'approved', $5, $6, $7) RETURNING id",
        )
        .bind(&shop)
        .bind(row.3)
        .bind(&row.6)
        .bind(&end)
        .bind(&row.4)
        .bind(now)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        details = json!({"application_id": id, "comment": comment, "extra_id": extra_id, "per_day": row.3, "start_day": row.6, "end_day": end, "long_term": row.8 != 0});
    }
    let mut ev = Event::new(&user.username, Some(user.id), Some(&shop), if approve { "quota_approve" } else { "quota_reject" }, "ok");
    ev.details = details;
    audit::append(&mut tx, now, &ev).await?;
    let row = fetch(&mut *tx, id).await?.ok_or_else(|| AppError::internal("application vanished"))?;
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
    let mut sql = format!("SELECT {COLUMNS} FROM quota_applications a JOIN shops s ON s.shop_id = a.shop_id WHERE 1 = 1");
    let mut n = 0;
    if shop.is_some() {
        n += 1;
        sql.push_str(&format!(" AND a.shop_id = ${n}"));
    }
    if stored.is_some() {
        n += 1;
        sql.push_str(&format!(" AND a.status = ${n}"));
    }
    let queue = admin && wanted == Some(ApplicationStatus::Pending);
    sql.push_str(if queue { " ORDER BY a.id ASC" } else { " ORDER BY a.id DESC" });
    sql.push_str(&format!(" LIMIT {MAX_LIST}"));
    let mut query = sqlx::query_as::<_, Row>(&sql);
    if let Some(s) = &shop {
        query = query.bind(s.clone());
    }
    if let Some(s) = stored {
        query = query.bind(s);
    }
    let rows = query.fetch_all(&state.db.pool).await?;
    let mut out: Vec<QuotaApplication> = rows.into_iter().map(|r| view(r, &today)).filter(|a| wanted.is_none_or(|w| a.status == w)).collect();
    if admin {
        let days = last_days(now, 30);
        let mut per_shop: Vec<(String, u64, u64)> = Vec::new();
        for a in &mut out {
            if !per_shop.iter().any(|p| p.0 == a.shop_id) {
                let orders = quota::orders_last_30_days(&state.db.pool, &a.shop_id, now).await?;
                let (used,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(SUM(used), 0) AS BIGINT) FROM quota_days WHERE shop_id = $1 AND day >= $2 AND day <= $3")
                    .bind(&a.shop_id)
                    .bind(&days[0])
                    .bind(&days[days.len() - 1])
                    .fetch_one(&state.db.pool)
                    .await?;
                per_shop.push((a.shop_id.clone(), orders, u64::try_from(used).unwrap_or(0)));
            }
            let (previous,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM quota_applications WHERE shop_id = $1 AND id < $2")
                .bind(&a.shop_id)
                .bind(a.id)
                .fetch_one(&state.db.pool)
                .await?;
            if let Some(p) = per_shop.iter().find(|p| p.0 == a.shop_id) {
                a.context = Some(ApplicationContext { orders_last_30_days: p.1, reveals_last_30_days: p.2, previous_applications: u64::try_from(previous).unwrap_or(0) });
            }
        }
    }
    Ok(out)
}

/// The approved extras of `shop` covering `day`, with their sources, oldest first.
pub async fn active_extras(state: &AppState, shop: &str, day: &str) -> AppResult<Vec<QuotaExtraSource>> {
    let rows: Vec<(Option<i64>, i64, String, String, String)> = sqlx::query_as(
        "SELECT application_id, per_day, start_day, end_day, reason FROM quota_extras \
         WHERE shop_id = $1 AND status = 'approved' AND start_day <= $2 AND end_day >= $2 ORDER BY id",
    )
    .bind(shop)
    .bind(day)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(application_id, per_day, start_day, end_day, reason)| QuotaExtraSource { application_id, per_day: u32::try_from(per_day).unwrap_or(0), start_day, end_day, reason })
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
