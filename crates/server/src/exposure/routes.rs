//! The transparency endpoints: the buyer's receipts (order system, signed link), the buyer
//! page, the admin's dashboard, flags and rules, and the regulator's CSV.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::{
    ApiError, BuyerLink, BuyerLinkRequest, DisclosureExportQuery, DisclosurePage, DisclosureQuery, ErrorCode, ExposureFlag, ExposurePage, ExposureQuery, ExposureRulesUpdate,
    ExposureRulesView, FlagDecision, FlagDetail, FlagPage, FlagQuery, ScanReport, SignedDisclosureQuery,
};
use serde_json::json;
use utoipa::OpenApi;

use super::{dashboard, flags, receipts};
use crate::audit::{self, Event};
use crate::clock::{day_start, parse_day};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::guard::{FormUser, OrderSystem, User, require_admin};
use crate::state::AppState;

/// The buyer page (no inline script: the CSP forbids it).
const BUYER_HTML: &str = include_str!("../../assets/buyer/index.html");
const BUYER_JS: &str = include_str!("../../assets/buyer/buyer.js");
const BUYER_CSS: &str = include_str!("../../assets/buyer/buyer.css");

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/buyer/orders/{order_id}/disclosures", get(order_disclosures))
        .route("/api/v1/buyer/orders/{order_id}/link", post(buyer_link))
        .route("/api/v1/buyer/disclosures", get(signed_disclosures))
        .route("/buyer", get(|| async { axum::response::Redirect::permanent("/buyer/") }))
        .route("/buyer/", get(|| async { asset(BUYER_HTML, "text/html; charset=utf-8") }))
        .route("/buyer/buyer.js", get(|| async { asset(BUYER_JS, "text/javascript; charset=utf-8") }))
        .route("/buyer/buyer.css", get(|| async { asset(BUYER_CSS, "text/css; charset=utf-8") }))
        .route("/api/v1/admin/exposure", get(exposure_page))
        .route("/api/v1/admin/exposure/scan", post(scan))
        .route("/api/v1/admin/exposure/flags", get(list_flags))
        .route("/api/v1/admin/exposure/flags/{id}", get(flag_detail))
        .route("/api/v1/admin/exposure/flags/{id}/acknowledge", post(acknowledge))
        .route("/api/v1/admin/exposure/flags/{id}/suspend", post(suspend))
        .route("/api/v1/admin/exposure/rules", get(get_rules).put(put_rules))
        .route("/api/v1/admin/exposure/disclosures.csv", post(export_csv))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// An order's disclosure receipts, newest first, for its buyer (the order system's service
/// token): when, which fields, which path, which kind of actor (an app by name), the purpose.
/// No user names, no receiver data; they outlive the order's crypto-shredding.
#[utoipa::path(get, path = "/api/v1/buyer/orders/{order_id}/disclosures", params(("order_id" = String, Path), DisclosureQuery),
    responses((status = 200, body = DisclosurePage), (status = 401, body = ApiError), (status = 404, body = ApiError)), security(("service_token" = [])))]
pub async fn order_disclosures(State(state): State<AppState>, _o: OrderSystem, ApiPath(order_id): ApiPath<String>, ApiQuery(q): ApiQuery<DisclosureQuery>) -> AppResult<Json<DisclosurePage>> {
    receipts::page(&state, &order_id, q.page, q.per_page).await.map(Json)
}

/// A signed link to the order's buyer page (`/buyer/`), valid for `days` (1–90, default 30).
/// The order system may also sign links itself (see `DESIGN.md`).
#[utoipa::path(post, path = "/api/v1/buyer/orders/{order_id}/link", params(("order_id" = String, Path)), request_body = BuyerLinkRequest,
    responses((status = 200, body = BuyerLink), (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)), security(("service_token" = [])))]
pub async fn buyer_link(State(state): State<AppState>, _o: OrderSystem, ApiPath(order_id): ApiPath<String>, ApiJson(req): ApiJson<BuyerLinkRequest>) -> AppResult<Json<BuyerLink>> {
    let mut conn = state.db.pool.acquire().await?;
    if crate::store::orders::by_id(&mut conn, &order_id).await?.is_none() {
        return Err(AppError::new(ErrorCode::OrderNotFound));
    }
    receipts::link(&state, &order_id, req.days).map(Json)
}

/// The buyer page's read: one order's receipts through its signed link (`BUYER_LINK_INVALID`
/// for a wrong signature or an expired link).
#[utoipa::path(get, path = "/api/v1/buyer/disclosures", params(SignedDisclosureQuery),
    responses((status = 200, body = DisclosurePage), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn signed_disclosures(State(state): State<AppState>, ApiQuery(q): ApiQuery<SignedDisclosureQuery>) -> AppResult<Json<DisclosurePage>> {
    receipts::check_link(&state, &q.order_id, q.expires, &q.sig)?;
    receipts::page(&state, &q.order_id, q.page, q.per_page).await.map(Json)
}

/// The exposure dashboard (platform admins): shops active in the last `days` days, most
/// reveals first, with every day's counts and their open flags.
#[utoipa::path(get, path = "/api/v1/admin/exposure", params(ExposureQuery), responses((status = 200, body = ExposurePage), (status = 403, body = ApiError)))]
pub async fn exposure_page(State(state): State<AppState>, user: User, ApiQuery(q): ApiQuery<ExposureQuery>) -> AppResult<Json<ExposurePage>> {
    dashboard::page(&state, &user, q).await.map(Json)
}

/// Run the flag rules now (every `serve` also runs them every 5 minutes).
#[utoipa::path(post, path = "/api/v1/admin/exposure/scan", responses((status = 200, body = ScanReport), (status = 403, body = ApiError)))]
pub async fn scan(State(state): State<AppState>, user: User) -> AppResult<Json<ScanReport>> {
    require_admin(&user)?;
    flags::scan(&state).await.map(Json)
}

/// Flags, newest day first (platform admins).
#[utoipa::path(get, path = "/api/v1/admin/exposure/flags", params(FlagQuery), responses((status = 200, body = FlagPage), (status = 403, body = ApiError)))]
pub async fn list_flags(State(state): State<AppState>, user: User, ApiQuery(q): ApiQuery<FlagQuery>) -> AppResult<Json<FlagPage>> {
    dashboard::flags(&state, &user, q).await.map(Json)
}

/// A flag with the audit rows behind it.
#[utoipa::path(get, path = "/api/v1/admin/exposure/flags/{id}", params(("id" = i64, Path)), responses((status = 200, body = FlagDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn flag_detail(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>) -> AppResult<Json<FlagDetail>> {
    dashboard::detail(&state, &user, id).await.map(Json)
}

/// Acknowledge a flag with a comment (audited).
#[utoipa::path(post, path = "/api/v1/admin/exposure/flags/{id}/acknowledge", params(("id" = i64, Path)), request_body = FlagDecision,
    responses((status = 200, body = ExposureFlag), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn acknowledge(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<FlagDecision>) -> AppResult<Json<ExposureFlag>> {
    dashboard::decide(&state, &user, id, &req.comment, false).await.map(Json)
}

/// Suspend the flag's shop from it, the comment being the reason (audited on the platform's
/// and the shop's chains).
#[utoipa::path(post, path = "/api/v1/admin/exposure/flags/{id}/suspend", params(("id" = i64, Path)), request_body = FlagDecision,
    responses((status = 200, body = ExposureFlag), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn suspend(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<FlagDecision>) -> AppResult<Json<ExposureFlag>> {
    dashboard::decide(&state, &user, id, &req.comment, true).await.map(Json)
}

/// The flag rules' thresholds (platform admins).
#[utoipa::path(get, path = "/api/v1/admin/exposure/rules", responses((status = 200, body = ExposureRulesView), (status = 403, body = ApiError)))]
pub async fn get_rules(State(state): State<AppState>, user: User) -> AppResult<Json<ExposureRulesView>> {
    require_admin(&user)?;
    let mut conn = state.db.pool.acquire().await?;
    flags::rules(&mut conn).await.map(Json)
}

/// Change the thresholds (`SETTINGS_CHANGED` if another admin saved in between).
#[utoipa::path(put, path = "/api/v1/admin/exposure/rules", request_body = ExposureRulesUpdate,
    responses((status = 200, body = ExposureRulesView), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn put_rules(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<ExposureRulesUpdate>) -> AppResult<Json<ExposureRulesView>> {
    flags::update_rules(&state, &user, req).await.map(Json)
}

/// Rows per read of the CSV stream.
const EXPORT_CHUNK: i64 = 1000;
/// Longest period of one export, days.
pub const MAX_EXPORT_DAYS: i64 = 366;

/// The form a browser posts to download the regulator CSV (JSON with the `X-CSRF-Token`
/// header works too).
#[derive(serde::Deserialize)]
struct ExportForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    query: DisclosureExportQuery,
}

/// A shop's disclosures of days `from..=to` as CSV for a regulator (platform admins): UTF-8
/// with a BOM, CRLF, formula-like cells neutralized; no receiver data. Audited, so a POST (a
/// GET never changes anything): JSON with the `X-CSRF-Token` header, or a plain form post
/// (`csrf_token`, `shop_id`, `from`, `to`) that the browser's download manager follows.
#[utoipa::path(post, path = "/api/v1/admin/exposure/disclosures.csv", request_body = DisclosureExportQuery,
    responses((status = 200, content_type = "text/csv"), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn export_csv(State(state): State<AppState>, FormUser(user): FormUser, headers: HeaderMap, body: axum::body::Bytes) -> AppResult<Response> {
    let json = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.starts_with("application/json"));
    let form: ExportForm = if json { serde_json::from_slice(&body).ok() } else { serde_urlencoded::from_bytes(&body).ok() }
        .ok_or_else(|| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "shop_id", "reason": "shop_id, from and to are required"})))?;
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map_or(form.csrf_token.clone(), str::to_string);
    user.check_csrf(&sent)?;
    require_admin(&user)?;
    let q = form.query;
    let invalid = |field: &str| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": field, "reason": "a day YYYY-MM-DD; at most 366 days from `from` to `to`"}));
    let (Some(from), Some(to)) = (parse_day(&q.from), parse_day(&q.to)) else {
        return Err(invalid(if parse_day(&q.from).is_none() { "from" } else { "to" }));
    };
    let span = (to - from).whole_days();
    if !(0..MAX_EXPORT_DAYS).contains(&span) {
        return Err(invalid("to"));
    }
    if !crate::store::users::shop_exists(&state.db.pool, &q.shop_id).await? {
        return Err(ErrorCode::NotFound.into());
    }
    let (from, to) = (from.to_string(), to.to_string());
    let mut ev = Event::new(&user.username, Some(user.id), None, "disclosure_export", "ok");
    ev.details = json!({"shop_id": q.shop_id, "from": from, "to": to, "from_unix": day_start(&from)});
    audit::record(&state.db, state.now(), &ev).await?;
    let filename = format!("orderveil-disclosures-{}-{from}-{to}.csv", q.shop_id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_', "_"));
    let head = futures_util::stream::once(async { Ok::<_, std::io::Error>(format!("{}{}\r\n", crate::sheet::BOM, receipts::CSV_HEADER.join(","))) });
    let cursor = (state.clone(), q.shop_id.clone(), from, to, 0i64, false);
    let rows = futures_util::stream::unfold(cursor, |(state, shop, from, to, after, done)| async move {
        if done {
            return None;
        }
        let read = async {
            let mut conn = state.db.pool.acquire().await?;
            crate::store::exposure::of_shop(&mut conn, &shop, (&from, &to), after, EXPORT_CHUNK).await
        };
        match read.await {
            Ok(rows) => {
                let done = i64::try_from(rows.len()).unwrap_or(0) < EXPORT_CHUNK;
                let after = rows.last().map_or(after, |r| r.id);
                let text = receipts::csv_lines(&rows).map_err(|e| std::io::Error::other(e.to_string()));
                Some((text, (state, shop, from, to, after, done)))
            }
            Err(e) => {
                tracing::error!("disclosure export: {e}");
                Some((Err(std::io::Error::other("disclosure export failed")), (state, shop, from, to, after, true)))
            }
        }
    });
    let mut resp = axum::body::Body::from_stream(futures_util::StreamExt::chain(head, rows)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// The OpenAPI paths of these routes.
#[derive(OpenApi)]
#[openapi(paths(order_disclosures, buyer_link, signed_disclosures, exposure_page, scan, list_flags, flag_detail, acknowledge, suspend, get_rules, put_rules, export_csv))]
pub struct ExposureDoc;
