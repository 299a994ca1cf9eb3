//! The e-waybill endpoints: accounts and top-ups, waybills (allocate, list, cancel, ship)
//! and print grants.

use axum::Json;
use axum::extract::State;
use orderveil_api::{
    ApiError, ApplicationDecision, Label, LabelOrder, PrintGrantRequest, PrintGrantResponse, Waybill, WaybillAccount, WaybillAccountCreate, WaybillAccountStatus,
    WaybillAllocate, WaybillShip, WaybillShipped, WaybillStatus, WaybillTopup, WaybillTopupConfirm, WaybillTopupCreate, WaybillTopupStatus,
};

use super::accounts::{AccountQuery, TopupQuery, accounts, apply, confirm_topup_for, decide, reject_topup_for, request_topup_for, topups};
use super::allocation::{WaybillQuery, allocate, cancel, list, ship};
use super::print::grant;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::guard::{Caller, User};
use crate::state::AppState;

/// The shop's e-waybill accounts (owners, staff with `print`, apps with `print`), or all
/// (admins, pending first).
#[utoipa::path(get, path = "/api/v1/waybill-accounts", params(AccountQuery), responses((status = 200, body = Vec<WaybillAccount>), (status = 403, body = ApiError)))]
pub async fn list_accounts(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<AccountQuery>) -> AppResult<Json<Vec<WaybillAccount>>> {
    accounts(&state, &caller, q).await.map(Json)
}

/// Apply for an e-waybill account with a carrier's outlet (shop owners); the platform decides.
#[utoipa::path(post, path = "/api/v1/waybill-accounts", request_body = WaybillAccountCreate,
    responses((status = 200, body = WaybillAccount), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn apply_account(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<WaybillAccountCreate>) -> AppResult<Json<WaybillAccount>> {
    apply(&state, &user, req).await.map(Json)
}

/// Approve a pending e-waybill account (platform admins).
#[utoipa::path(post, path = "/api/v1/waybill-accounts/{id}/approve", params(("id" = i64, Path)), request_body = ApplicationDecision,
    responses((status = 200, body = WaybillAccount), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn approve_account(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<ApplicationDecision>) -> AppResult<Json<WaybillAccount>> {
    decide(&state, &user, id, true, req).await.map(Json)
}

/// Reject a pending e-waybill account with a comment (platform admins).
#[utoipa::path(post, path = "/api/v1/waybill-accounts/{id}/reject", params(("id" = i64, Path)), request_body = ApplicationDecision,
    responses((status = 200, body = WaybillAccount), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn reject_account(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<ApplicationDecision>) -> AppResult<Json<WaybillAccount>> {
    decide(&state, &user, id, false, req).await.map(Json)
}

/// Ask for waybill units on an approved account of the owner's shop. The balance rises only
/// when the platform confirms the payment.
#[utoipa::path(post, path = "/api/v1/waybill-accounts/{id}/topups", params(("id" = i64, Path)), request_body = WaybillTopupCreate,
    responses((status = 200, body = WaybillTopup), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn request_topup(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<WaybillTopupCreate>) -> AppResult<Json<WaybillTopup>> {
    request_topup_for(&state, &user, id, req).await.map(Json)
}

/// Top-up requests: the owner's shop's, or every shop's for platform admins (pending first).
#[utoipa::path(get, path = "/api/v1/waybill-topups", params(TopupQuery), responses((status = 200, body = Vec<WaybillTopup>), (status = 403, body = ApiError)))]
pub async fn list_topups(State(state): State<AppState>, user: User, ApiQuery(q): ApiQuery<TopupQuery>) -> AppResult<Json<Vec<WaybillTopup>>> {
    topups(&state, &user, q).await.map(Json)
}

/// Confirm a top-up's payment (platform admins, standing in for the carrier's outlet): the
/// units are added to the balance.
#[utoipa::path(post, path = "/api/v1/waybill-topups/{id}/confirm", params(("id" = i64, Path)), request_body = WaybillTopupConfirm,
    responses((status = 200, body = WaybillTopup), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn confirm_topup(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<WaybillTopupConfirm>) -> AppResult<Json<WaybillTopup>> {
    confirm_topup_for(&state, &user, id, req).await.map(Json)
}

/// Reject a top-up with a comment (platform admins).
#[utoipa::path(post, path = "/api/v1/waybill-topups/{id}/reject", params(("id" = i64, Path)), request_body = ApplicationDecision,
    responses((status = 200, body = WaybillTopup), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn reject_topup(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<ApplicationDecision>) -> AppResult<Json<WaybillTopup>> {
    reject_topup_for(&state, &user, id, req).await.map(Json)
}

/// The shop's waybills, newest first (owners, staff with `print`, apps with `print`).
#[utoipa::path(get, path = "/api/v1/waybills", params(WaybillQuery), responses((status = 200, body = Vec<Waybill>), (status = 403, body = ApiError)))]
pub async fn list_waybills(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<WaybillQuery>) -> AppResult<Json<Vec<Waybill>>> {
    if caller.is_factory() {
        return crate::dropship::fulfil::list(&state, &caller, q.status.map(super::allocation::waybill_status_str)).await.map(Json);
    }
    list(&state, &caller, q).await.map(Json)
}

/// Allocate waybills from an approved account for orders awaiting shipment (one unit each);
/// `merge` puts orders with the same receiver on one waybill.
#[utoipa::path(post, path = "/api/v1/waybills", request_body = WaybillAllocate,
    responses((status = 200, body = Vec<Waybill>), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn allocate_waybills(State(state): State<AppState>, caller: Caller, ApiJson(req): ApiJson<WaybillAllocate>) -> AppResult<Json<Vec<Waybill>>> {
    if caller.is_factory() {
        return crate::dropship::fulfil::allocate(&state, &caller, req).await.map(Json);
    }
    allocate(&state, &caller, req).await.map(Json)
}

/// Cancel an unprinted waybill; its unit returns to the account.
#[utoipa::path(post, path = "/api/v1/waybills/{no}/cancel", params(("no" = String, Path)),
    responses((status = 200, body = Waybill), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn cancel_waybill(State(state): State<AppState>, caller: Caller, ApiPath(no): ApiPath<String>) -> AppResult<Json<Waybill>> {
    if caller.is_factory() {
        return crate::dropship::fulfil::cancel(&state, &caller, &no).await.map(Json);
    }
    cancel(&state, &caller, &no).await.map(Json)
}

/// Ship the orders of printed waybills with them (owners, staff with `ship`, apps with
/// `ship`); all or nothing.
#[utoipa::path(post, path = "/api/v1/waybills/ship", request_body = WaybillShip,
    responses((status = 200, body = WaybillShipped), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn ship_waybills(State(state): State<AppState>, caller: Caller, ApiJson(req): ApiJson<WaybillShip>) -> AppResult<Json<WaybillShipped>> {
    if caller.is_factory() {
        return crate::dropship::fulfil::ship(&state, &caller, req).await.map(Json);
    }
    ship(&state, &caller, req).await.map(Json)
}

/// A print grant: the waybills' orders' field keys sealed to the client, bound to the
/// waybills, counted against the reprint limit and in the burst rules (never the reveal
/// quota); only waybills of the caller's own accounts and orders awaiting shipment.
#[utoipa::path(post, path = "/api/v1/print-grants", request_body = PrintGrantRequest,
    responses((status = 200, body = PrintGrantResponse), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub async fn print_grant(State(state): State<AppState>, caller: Caller, ApiJson(req): ApiJson<PrintGrantRequest>) -> AppResult<Json<PrintGrantResponse>> {
    grant(&state, &caller, req).await.map(Json)
}

/// The OpenAPI paths of e-waybills and printing.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_accounts, apply_account, approve_account, reject_account, request_topup, list_topups, confirm_topup, reject_topup, list_waybills, allocate_waybills,
        cancel_waybill, ship_waybills, print_grant),
    components(schemas(WaybillAccount, WaybillAccountCreate, WaybillAccountStatus, WaybillTopupCreate, WaybillTopup, WaybillTopupStatus, WaybillTopupConfirm,
        WaybillAllocate, Waybill, WaybillStatus,
        PrintGrantRequest, PrintGrantResponse, Label, LabelOrder, WaybillShip, WaybillShipped))
)]
pub struct WaybillsDoc;
