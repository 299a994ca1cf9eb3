//! E-waybill accounts, waybill allocation and cancellation, and the print grant.
//!
//! * **Accounts**: a shop owner applies for an account per carrier and outlet (网点) with the
//!   sender details its labels show; a platform admin approves or rejects it (a comment is
//!   required to reject).
//! * **Top-ups**: waybill balance is bought. The owner asks for units; only the platform's
//!   confirmation of the payment (standing in for the carrier's outlet; with the amount and a
//!   payment reference) raises the balance, in the same transaction that marks the request
//!   confirmed. Nothing else raises a balance (a cancelled, unprinted waybill returns its unit).
//! * **Allocation** takes one unit of balance per waybill in the same transaction that creates
//!   the waybills, with one conditional update (`balance = balance - n` where `balance >= n`):
//!   concurrent allocations can never take the balance below zero, on either store. Numbers
//!   follow the carrier's format ([`orderveil_api::carriers`]). With `merge`, orders that
//!   share a `receiver_key` and a state share one waybill. An order holds at most one live
//!   (allocated or printed) waybill.
//! * **Cancelling** an unused waybill (allocated, never printed) returns its unit.
//! * **The print grant** is the reveal protocol with another purpose: sealed to the client's
//!   fresh key, each order's field keys bound to its waybill number, counted against the
//!   reprint limit ([`PRINT_LIMIT`] prints per waybill, one conditional update) and never
//!   against the reveal quota. It is only as cheap as a label: only waybills of the caller's
//!   own accounts, only orders awaiting shipment, and every printed order counts in the same
//!   burst rules as a revealed one ([`crate::risk`], per account and per shop). The first
//!   print marks the waybill printed.
//! * **Apps** (print software, warehouses) with the `print` scope list accounts, allocate,
//!   cancel and print; with `ship` they ship. Without the scope: `SCOPE_MISSING`.
//! * **Shipping** printed waybills ships their orders with the waybill number as tracking
//!   number ([`crate::shipping`]).
//!
//! Every change and every print (refusals included) is audited on the shop's chain.
//!
//! The rooms: [`accounts`](mod@accounts) (accounts and top-ups), [`allocation`] (allocate, list, cancel,
//! ship), [`print`](mod@print) (the print grant), [`routes`](mod@routes) (the endpoints).

pub mod accounts;
pub mod allocation;
pub mod print;
pub mod routes;

use axum::Router;
use axum::routing::{get, post};
use orderveil_api::{ErrorCode, Permission, Scope};
use serde_json::json;

use crate::error::{AppError, AppResult};
use crate::guard::Caller;
use crate::state::AppState;

pub use accounts::{AccountQuery, TopupQuery, accounts, apply, confirm_topup_for, decide, reject_topup_for, request_topup_for, topups};
pub use allocation::{WaybillQuery, allocate, cancel, list, ship};
pub use print::grant;
pub use routes::*;

/// Prints allowed per waybill (DESIGN.md: default 3).
pub const PRINT_LIMIT: u32 = 3;
/// Most orders (and waybills) per allocation or print grant.
pub const MAX_ORDERS: usize = orderveil_cipher::GRANT_MAX_ORDERS;
/// Most units per top-up request.
pub const MAX_TOPUP: u32 = 100_000;
/// Most pending top-up requests per account.
pub const MAX_PENDING_TOPUPS: i64 = 5;
/// Most fen a confirmed top-up records (1,000,000 yuan).
pub const MAX_TOPUP_CENTS: i64 = 100_000_000;
/// Most waybills shipped in one request.
pub const MAX_SHIP: usize = 500;
/// Most waybills one list returns.
pub const MAX_LIST: i64 = 500;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/waybill-accounts", get(list_accounts).post(apply_account))
        .route("/api/v1/waybill-accounts/{id}/approve", post(approve_account))
        .route("/api/v1/waybill-accounts/{id}/reject", post(reject_account))
        .route("/api/v1/waybill-accounts/{id}/topups", post(request_topup))
        .route("/api/v1/waybill-topups", get(list_topups))
        .route("/api/v1/waybill-topups/{id}/confirm", post(confirm_topup))
        .route("/api/v1/waybill-topups/{id}/reject", post(reject_topup))
        .route("/api/v1/waybills", get(list_waybills).post(allocate_waybills))
        .route("/api/v1/waybills/{no}/cancel", post(cancel_waybill))
        .route("/api/v1/waybills/ship", post(ship_waybills))
        .route("/api/v1/print-grants", post(print_grant))
}

fn invalid(field: &str, reason: &str) -> AppError {
    AppError::new(ErrorCode::ValidationFailed).with(json!({"field": field, "reason": reason}))
}

fn text(field: &str, v: &str, max: usize) -> AppResult<String> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(invalid(field, &format!("1 to {max} characters, no control characters")));
    }
    Ok(v.to_string())
}

/// The shop a caller prints for: owners, staff with `print`, apps with the `print` scope.
fn print_shop(caller: &Caller) -> AppResult<String> {
    caller.acting_shop(Permission::Print, Scope::Print)
}

fn optional_text(field: &str, v: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
}

fn distinct_ids(ids: &[String], field: &str) -> AppResult<Vec<String>> {
    distinct_ids_max(ids, field, MAX_ORDERS)
}

fn distinct_ids_max(ids: &[String], field: &str, max: usize) -> AppResult<Vec<String>> {
    if ids.is_empty() {
        return Err(invalid(field, "empty"));
    }
    if ids.len() > max {
        return Err(AppError::new(ErrorCode::TooManyOrders).with(json!({"max": max, "got": ids.len()})));
    }
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id.trim();
        if id.is_empty() || id.len() > 64 {
            return Err(invalid(field, "1 to 64 characters each"));
        }
        if !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
    }
    Ok(out)
}
