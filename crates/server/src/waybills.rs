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
//!   the waybills, with one conditional `UPDATE … SET balance = balance - n WHERE balance >= n`:
//!   concurrent allocations can never take the balance below zero, on either store. Numbers
//!   follow the carrier's format ([`orderveil_api::carriers`]). With `merge`, orders that
//!   share a `receiver_key` and a state share one waybill. An order holds at most one live
//!   (allocated or printed) waybill.
//! * **Cancelling** an unused waybill (allocated, never printed) returns its unit.
//! * **The print grant** is the reveal protocol with another purpose: sealed to the client's
//!   fresh key, each order's field keys bound to its waybill number, counted against the
//!   reprint limit ([`PRINT_LIMIT`] prints per waybill, one conditional `UPDATE`) and never
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

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::carriers::{self, Carrier};
use orderveil_api::{
    ApiError, ApplicationDecision, ErrorCode, Item, Label, LabelOrder, OrderStatus, Permission, PrintGrantRequest, PrintGrantResponse, Role, Scope, Waybill,
    WaybillAccount, WaybillAccountCreate, WaybillAccountStatus, WaybillAllocate, WaybillShip, WaybillShipped, WaybillStatus, WaybillTopup, WaybillTopupConfirm,
    WaybillTopupCreate, WaybillTopupStatus, items_summary,
};
use orderveil_cipher::{FieldKind, GrantId, GrantPurpose, OrderId};
use serde::Deserialize;
use serde_json::json;

use crate::guard::{require_admin, require_owner};
use crate::audit;
use crate::guard::User;
use crate::clock::rfc3339;
use crate::store::{Stmt, Val, WriteTx};
use crate::error::{AppError, AppResult};
use crate::grants::{GrantFor, Sealable};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::guard::Caller;
use crate::risk::{self, Book, Limit};
use crate::shipping::{self, Actor, ShipRow};
use crate::state::AppState;

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

// ---------------------------------------------------------------------------------------
// Accounts

type AccountRow = (i64, String, String, String, String, String, String, String, i64, String, i64, Option<String>, Option<String>);
const ACCOUNT_COLUMNS: &str =
    "id, shop_id, carrier, outlet, sender_name, sender_phone, sender_address, status, balance, applied_by, created_at, decided_by, comment";

fn account_view(r: AccountRow) -> WaybillAccount {
    let status = match r.7.as_str() {
        "approved" => WaybillAccountStatus::Approved,
        "rejected" => WaybillAccountStatus::Rejected,
        _ => WaybillAccountStatus::Pending,
    };
    WaybillAccount {
        id: r.0,
        shop_id: r.1,
        carrier: r.2,
        outlet: r.3,
        sender_name: r.4,
        sender_phone: r.5,
        sender_address: r.6,
        status,
        balance: u64::try_from(r.8).unwrap_or(0),
        applied_by: r.9,
        created_at: rfc3339(r.10),
        decided_by: r.11,
        comment: r.12,
    }
}

async fn account_in(tx: &mut sqlx::AnyConnection, id: i64) -> AppResult<Option<AccountRow>> {
    Ok(sqlx::query_as(&format!("SELECT {ACCOUNT_COLUMNS} FROM waybill_accounts WHERE id = $1")).bind(id).fetch_optional(tx).await?)
}

/// Apply for an account (owners).
pub async fn apply(state: &AppState, user: &User, req: WaybillAccountCreate) -> AppResult<WaybillAccount> {
    let shop = require_owner(user)?.to_string();
    let carrier = carriers::carrier(&req.carrier).ok_or_else(|| AppError::new(ErrorCode::CarrierUnknown).with(json!({"field": "carrier"})))?;
    let outlet = text("outlet", &req.outlet, 60)?;
    let sender_name = text("sender_name", &req.sender_name, 30)?;
    let sender_address = text("sender_address", &req.sender_address, 120)?;
    let phone = req.sender_phone.trim();
    let digits = phone.bytes().filter(u8::is_ascii_digit).count();
    if !(7..=20).contains(&phone.len()) || !phone.bytes().all(|b| b.is_ascii_digit() || b == b'-') || digits < 7 {
        return Err(invalid("sender_phone", "7 to 20 digits, `-` allowed"));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let dup: Option<(i64,)> = sqlx::query_as("SELECT id FROM waybill_accounts WHERE shop_id = $1 AND carrier = $2 AND outlet = $3 AND status <> 'rejected'")
        .bind(&shop)
        .bind(carrier.code)
        .bind(&outlet)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some((id,)) = dup {
        return Err(AppError::new(ErrorCode::ApplicationStateConflict).with(json!({"reason": "an account for this carrier and outlet exists or is pending", "account_id": id})));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO waybill_accounts (shop_id, carrier, outlet, sender_name, sender_phone, sender_address, status, balance, applied_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8) RETURNING id",
    )
    .bind(&shop)
    .bind(carrier.code)
    .bind(&outlet)
    .bind(&sender_name)
    .bind(phone)
    .bind(&sender_address)
    .bind(&user.username)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit::append(&mut tx, now, &user.event(&shop, "waybill_account_apply", json!({"account_id": id, "carrier": carrier.code, "outlet": outlet}))).await?;
    let row = account_in(&mut tx, id).await?.ok_or_else(|| AppError::internal("account vanished"))?;
    tx.commit().await?;
    Ok(account_view(row))
}

/// `?status=` of the account list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AccountQuery {
    /// `pending`, `approved` or `rejected`.
    pub status: Option<WaybillAccountStatus>,
}

fn account_status_str(s: WaybillAccountStatus) -> &'static str {
    match s {
        WaybillAccountStatus::Pending => "pending",
        WaybillAccountStatus::Approved => "approved",
        WaybillAccountStatus::Rejected => "rejected",
    }
}

/// The shop's accounts (owners, staff with `print`, apps with `print`), or every shop's
/// (admins; pending first).
pub async fn accounts(state: &AppState, caller: &Caller, q: AccountQuery) -> AppResult<Vec<WaybillAccount>> {
    let status = q.status.map(account_status_str);
    let rows: Vec<AccountRow> = if matches!(caller, Caller::User(u) if u.role == Role::Admin) {
        sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM waybill_accounts WHERE ($1 IS NULL OR status = $1) ORDER BY CASE status WHEN 'pending' THEN 0 ELSE 1 END, id"
        ))
        .bind(status)
        .fetch_all(&state.db.pool)
        .await?
    } else {
        let shop = print_shop(caller)?;
        sqlx::query_as(&format!("SELECT {ACCOUNT_COLUMNS} FROM waybill_accounts WHERE shop_id = $1 AND ($2 IS NULL OR status = $2) ORDER BY id"))
            .bind(shop)
            .bind(status)
            .fetch_all(&state.db.pool)
            .await?
    };
    Ok(rows.into_iter().map(account_view).collect())
}

/// Approve or reject a pending account (admins).
pub async fn decide(state: &AppState, user: &User, id: i64, approve: bool, req: ApplicationDecision) -> AppResult<WaybillAccount> {
    require_admin(user)?;
    let comment = req.comment.trim().to_string();
    if !approve && comment.is_empty() {
        return Err(invalid("comment", "a comment is required to reject"));
    }
    if comment.chars().count() > 500 {
        return Err(invalid("comment", "at most 500 characters"));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let Some(row) = account_in(&mut tx, id).await? else {
        return Err(ErrorCode::NotFound.into());
    };
    let done = sqlx::query("UPDATE waybill_accounts SET status = $1, decided_by = $2, decided_at = $3, comment = $4 WHERE id = $5 AND status = 'pending'")
        .bind(if approve { "approved" } else { "rejected" })
        .bind(&user.username)
        .bind(now)
        .bind((!comment.is_empty()).then_some(comment.as_str()))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(AppError::new(ErrorCode::ApplicationStateConflict).with(json!({"status": row.7})));
    }
    let action = if approve { "waybill_account_approve" } else { "waybill_account_reject" };
    audit::append(&mut tx, now, &user.event(&row.1, action, json!({"account_id": id, "carrier": row.2, "outlet": row.3, "comment": comment}))).await?;
    let row = account_in(&mut tx, id).await?.ok_or_else(|| AppError::internal("account vanished"))?;
    tx.commit().await?;
    Ok(account_view(row))
}

// ---------------------------------------------------------------------------------------
// Top-ups

type TopupRow = (i64, i64, String, String, String, i64, Option<String>, String, String, i64, Option<String>, Option<i64>, Option<i64>, Option<String>, Option<String>, Option<i64>);
const TOPUP_COLUMNS: &str = "t.id, t.account_id, t.shop_id, a.carrier, a.outlet, t.units, t.note, t.status, t.requested_by, t.requested_at, t.decided_by, \
                             t.decided_at, t.amount_cents, t.payment_ref, t.comment, t.balance_after";

fn topup_view(r: TopupRow) -> WaybillTopup {
    WaybillTopup {
        id: r.0,
        account_id: r.1,
        shop_id: r.2,
        carrier: r.3,
        outlet: r.4,
        units: u32::try_from(r.5).unwrap_or(0),
        note: r.6,
        status: WaybillTopupStatus::parse(&r.7).unwrap_or(WaybillTopupStatus::Pending),
        requested_by: r.8,
        requested_at: rfc3339(r.9),
        decided_by: r.10,
        decided_at: r.11.map(rfc3339),
        amount_cents: r.12,
        payment_ref: r.13,
        comment: r.14,
        balance_after: r.15.and_then(|b| u64::try_from(b).ok()),
    }
}

async fn topup_in(tx: &mut sqlx::AnyConnection, id: i64) -> AppResult<Option<TopupRow>> {
    Ok(sqlx::query_as(&format!("SELECT {TOPUP_COLUMNS} FROM waybill_topups t JOIN waybill_accounts a ON a.id = t.account_id WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await?)
}

fn optional_text(field: &str, v: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
}

/// Ask for units on an approved account of the owner's shop; the balance does not change
/// until the platform confirms the payment.
pub async fn request_topup_for(state: &AppState, user: &User, account_id: i64, req: WaybillTopupCreate) -> AppResult<WaybillTopup> {
    let shop = require_owner(user)?.to_string();
    if !(1..=MAX_TOPUP).contains(&req.units) {
        return Err(invalid("units", "1 to 100000"));
    }
    let note = optional_text("note", req.note.as_deref(), 200)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let account = account_in(&mut tx, account_id).await?.filter(|r| r.1 == shop).ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    if account.7 != "approved" {
        return Err(AppError::new(ErrorCode::WaybillAccountInactive).with(json!({"status": account.7})));
    }
    // The platform's queue is not a place to flood: a few open requests per account.
    let (pending,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM waybill_topups WHERE account_id = $1 AND status = 'pending'").bind(account_id).fetch_one(&mut *tx).await?;
    if pending >= MAX_PENDING_TOPUPS {
        return Err(AppError::new(ErrorCode::RateLimited).with(json!({"reason": "too many pending top-up requests for this account", "max_pending": MAX_PENDING_TOPUPS})));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO waybill_topups (account_id, shop_id, units, note, status, requested_by, requested_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6) RETURNING id",
    )
    .bind(account_id)
    .bind(&shop)
    .bind(i64::from(req.units))
    .bind(note.as_deref())
    .bind(&user.username)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit::append(&mut tx, now, &user.event(&shop, "waybill_topup_request", json!({"topup_id": id, "account_id": account_id, "units": req.units}))).await?;
    let row = topup_in(&mut tx, id).await?.ok_or_else(|| AppError::internal("top-up vanished"))?;
    tx.commit().await?;
    Ok(topup_view(row))
}

/// `?status=` of the top-up list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TopupQuery {
    /// `pending`, `confirmed` or `rejected`.
    pub status: Option<WaybillTopupStatus>,
}

/// The shop's top-up requests (owners), or every shop's (admins; pending first).
pub async fn topups(state: &AppState, user: &User, q: TopupQuery) -> AppResult<Vec<WaybillTopup>> {
    let status = q.status.map(WaybillTopupStatus::as_str);
    let rows: Vec<TopupRow> = if user.role == Role::Admin {
        sqlx::query_as(&format!(
            "SELECT {TOPUP_COLUMNS} FROM waybill_topups t JOIN waybill_accounts a ON a.id = t.account_id WHERE ($1 IS NULL OR t.status = $1) \
             ORDER BY CASE t.status WHEN 'pending' THEN 0 ELSE 1 END, t.id DESC LIMIT {MAX_LIST}"
        ))
        .bind(status)
        .fetch_all(&state.db.pool)
        .await?
    } else {
        let shop = require_owner(user)?;
        sqlx::query_as(&format!(
            "SELECT {TOPUP_COLUMNS} FROM waybill_topups t JOIN waybill_accounts a ON a.id = t.account_id WHERE t.shop_id = $1 AND ($2 IS NULL OR t.status = $2) \
             ORDER BY t.id DESC LIMIT {MAX_LIST}"
        ))
        .bind(shop)
        .bind(status)
        .fetch_all(&state.db.pool)
        .await?
    };
    Ok(rows.into_iter().map(topup_view).collect())
}

/// Confirm a pending top-up (admins): the request becomes confirmed and the account's balance
/// rises by its units in one transaction; a second confirmation finds it decided.
pub async fn confirm_topup_for(state: &AppState, user: &User, id: i64, req: WaybillTopupConfirm) -> AppResult<WaybillTopup> {
    require_admin(user)?;
    if !(1..=MAX_TOPUP_CENTS).contains(&req.amount_cents) {
        return Err(invalid("amount_cents", "1 to 100000000"));
    }
    let payment_ref = text("payment_ref", &req.payment_ref, 64)?;
    let comment = optional_text("comment", req.comment.as_deref(), 500)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let Some(row) = topup_in(&mut tx, id).await? else {
        return Err(ErrorCode::NotFound.into());
    };
    let done = sqlx::query(
        "UPDATE waybill_topups SET status = 'confirmed', decided_by = $1, decided_at = $2, amount_cents = $3, payment_ref = $4, comment = $5 \
         WHERE id = $6 AND status = 'pending'",
    )
    .bind(&user.username)
    .bind(now)
    .bind(req.amount_cents)
    .bind(&payment_ref)
    .bind(comment.as_deref())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(AppError::new(ErrorCode::TopupStateConflict).with(json!({"status": row.7})));
    }
    let (balance,): (i64,) = sqlx::query_as("UPDATE waybill_accounts SET balance = balance + $1 WHERE id = $2 RETURNING balance")
        .bind(row.5)
        .bind(row.1)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query("UPDATE waybill_topups SET balance_after = $1 WHERE id = $2").bind(balance).bind(id).execute(&mut *tx).await?;
    let details = json!({"topup_id": id, "account_id": row.1, "units": row.5, "amount_cents": req.amount_cents, "payment_ref": payment_ref, "balance": balance});
    audit::append(&mut tx, now, &user.event(&row.2, "waybill_topup_confirm", details)).await?;
    let row = topup_in(&mut tx, id).await?.ok_or_else(|| AppError::internal("top-up vanished"))?;
    tx.commit().await?;
    Ok(topup_view(row))
}

/// Reject a pending top-up with a comment (admins); the balance does not change.
pub async fn reject_topup_for(state: &AppState, user: &User, id: i64, req: ApplicationDecision) -> AppResult<WaybillTopup> {
    require_admin(user)?;
    let comment = text("comment", &req.comment, 500).map_err(|_| invalid("comment", "a comment (1 to 500 characters) is required to reject"))?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let Some(row) = topup_in(&mut tx, id).await? else {
        return Err(ErrorCode::NotFound.into());
    };
    let done = sqlx::query("UPDATE waybill_topups SET status = 'rejected', decided_by = $1, decided_at = $2, comment = $3 WHERE id = $4 AND status = 'pending'")
        .bind(&user.username)
        .bind(now)
        .bind(&comment)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(AppError::new(ErrorCode::TopupStateConflict).with(json!({"status": row.7})));
    }
    audit::append(&mut tx, now, &user.event(&row.2, "waybill_topup_reject", json!({"topup_id": id, "account_id": row.1, "units": row.5, "comment": comment}))).await?;
    let row = topup_in(&mut tx, id).await?.ok_or_else(|| AppError::internal("top-up vanished"))?;
    tx.commit().await?;
    Ok(topup_view(row))
}

// ---------------------------------------------------------------------------------------
// Waybills

/// A random number in the carrier's first format, e.g. `SF` + 13 digits.
fn new_number(c: &Carrier) -> AppResult<String> {
    let f = c.formats[0];
    let mut bytes = vec![0u8; f.digits];
    getrandom::fill(&mut bytes).map_err(AppError::internal)?;
    let mut no = String::with_capacity(f.prefix.len() + f.digits);
    no.push_str(f.prefix);
    no.extend(bytes.iter().map(|b| char::from(b'0' + b % 10)));
    Ok(no)
}

fn status_of(s: &str) -> WaybillStatus {
    match s {
        "printed" => WaybillStatus::Printed,
        "shipped" => WaybillStatus::Shipped,
        "cancelled" => WaybillStatus::Cancelled,
        _ => WaybillStatus::Allocated,
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

type WaybillRow = (String, i64, String, String, i64, String, i64, String);
const WAYBILL_COLUMNS: &str = "w.waybill_no, w.account_id, w.carrier, w.status, w.print_count, w.receiver_key, w.allocated_at, w.allocated_by";

/// Views of these waybill rows with their orders.
async fn views(tx: &mut sqlx::AnyConnection, rows: Vec<WaybillRow>) -> AppResult<Vec<Waybill>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut st = Stmt::new(tx, "SELECT waybill_no, order_id FROM waybill_orders WHERE waybill_no IN (");
    st.list(rows.iter().map(|r| Val::S(r.0.clone()))).sql(") ORDER BY order_id");
    let links: Vec<(String, String)> = st.fetch_all(tx).await?;
    Ok(rows
        .into_iter()
        .map(|r| Waybill {
            order_ids: links.iter().filter(|l| l.0 == r.0).map(|l| l.1.clone()).collect(),
            waybill_no: r.0,
            account_id: r.1,
            carrier: r.2,
            status: status_of(&r.3),
            print_count: u32::try_from(r.4).unwrap_or(0),
            print_limit: PRINT_LIMIT,
            receiver_key: r.5,
            allocated_at: rfc3339(r.6),
            allocated_by: r.7,
        })
        .collect())
}

/// Allocate waybills for orders awaiting shipment: one per order, or one for all of them
/// with `merge`; all or nothing.
pub async fn allocate(state: &AppState, caller: &Caller, req: WaybillAllocate) -> AppResult<Vec<Waybill>> {
    let shop = print_shop(caller)?;
    let ids = distinct_ids(&req.order_ids, "order_ids")?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let account = account_in(&mut tx, req.account_id).await?.filter(|r| r.1 == shop).ok_or_else(|| AppError::new(ErrorCode::NotFound).with(json!({"field": "account_id"})))?;
    if account.7 != "approved" {
        return Err(AppError::new(ErrorCode::WaybillAccountInactive).with(json!({"status": account.7})));
    }
    let carrier = carriers::carrier(&account.2).ok_or_else(|| AppError::internal("stored carrier unknown"))?;

    // The orders: the shop's own, awaiting shipment, without a live waybill.
    let mut st = Stmt::new(&tx, "SELECT order_id, status, receiver_key FROM orders WHERE shop_id = ");
    st.arg(Val::S(shop.clone())).sql(" AND order_id IN (").list(ids.iter().map(|i| Val::S(i.clone()))).sql(")");
    let found: Vec<(String, String, String)> = st.fetch_all(&mut tx).await?;
    let missing: Vec<&String> = ids.iter().filter(|i| !found.iter().any(|f| &f.0 == *i)).collect();
    if !missing.is_empty() {
        return Err(AppError::new(ErrorCode::OrderNotFound).with(json!({"order_ids": missing})));
    }
    let not_ready: Vec<&String> = found.iter().filter(|f| !OrderStatus::parse(&f.1).is_some_and(OrderStatus::allows_print)).map(|f| &f.0).collect();
    if !not_ready.is_empty() {
        return Err(AppError::new(ErrorCode::OrderNotShippable).with(json!({"order_ids": not_ready})));
    }
    let mut st = Stmt::new(&tx, "SELECT wo.order_id, w.waybill_no FROM waybill_orders wo JOIN waybills w ON w.waybill_no = wo.waybill_no WHERE w.status IN ('allocated', 'printed') AND wo.order_id IN (");
    st.list(ids.iter().map(|i| Val::S(i.clone()))).sql(")");
    let live: Vec<(String, String)> = st.fetch_all(&mut tx).await?;
    if !live.is_empty() {
        return Err(AppError::new(ErrorCode::WaybillStateConflict)
            .with(json!({"reason": "these orders already have a waybill; cancel it first", "order_ids": live.iter().map(|l| &l.0).collect::<Vec<_>>(), "waybill_nos": live.iter().map(|l| &l.1).collect::<Vec<_>>()})));
    }
    // Groups: one per order, or all in one if they may merge.
    let groups: Vec<Vec<&(String, String, String)>> = if req.merge && found.len() > 1 {
        let first = &found[0];
        if found.iter().any(|f| f.2 != first.2 || f.1 != first.1) {
            return Err(ErrorCode::OrdersNotMergeable.into());
        }
        vec![found.iter().collect()]
    } else {
        found.iter().map(|f| vec![f]).collect()
    };
    // Keep the request's order.
    let mut groups = groups;
    groups.sort_by_key(|g| ids.iter().position(|i| *i == g[0].0).unwrap_or(usize::MAX));

    let n = i64::try_from(groups.len()).unwrap_or(i64::MAX);
    let took = sqlx::query("UPDATE waybill_accounts SET balance = balance - $1 WHERE id = $2 AND status = 'approved' AND balance >= $1")
        .bind(n)
        .bind(req.account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if took == 0 {
        return Err(AppError::new(ErrorCode::WaybillBalanceExhausted).with(json!({"balance": account.8, "needed": n})));
    }
    let mut numbers: Vec<String> = Vec::with_capacity(groups.len());
    for g in &groups {
        let no = insert_waybill(&mut tx, carrier, req.account_id, &shop, &g[0].2, &caller.actor(), now).await?;
        let mut st = Stmt::new(&tx, "INSERT INTO waybill_orders (waybill_no, order_id) VALUES ");
        st.rows(g.iter(), |s, o| {
            s.arg(Val::S(no.clone())).sql(", ").arg(Val::S(o.0.clone()));
        });
        st.execute(&mut tx).await?;
        numbers.push(no);
    }
    let details = json!({
        "account_id": req.account_id,
        "carrier": carrier.code,
        "merge": req.merge,
        "waybills": groups.iter().zip(&numbers).map(|(g, no)| json!({"waybill_no": no, "order_ids": g.iter().map(|o| &o.0).collect::<Vec<_>>()})).collect::<Vec<_>>(),
    });
    let mut ev = caller.event(&shop, "waybill_allocate", details);
    ev.order_ids = ids.clone();
    audit::append(&mut tx, now, &ev).await?;
    let rows = waybill_rows(&mut tx, &numbers).await?;
    let out = views(&mut tx, rows).await?;
    tx.commit().await?;
    Ok(out)
}

/// Insert a waybill with a fresh number (a taken number is drawn again).
async fn insert_waybill(tx: &mut WriteTx<'_>, carrier: &Carrier, account: i64, shop: &str, receiver_key: &str, by: &str, now: i64) -> AppResult<String> {
    for _ in 0..8 {
        let no = new_number(carrier)?;
        let inserted: Option<(String,)> = sqlx::query_as(
            "INSERT INTO waybills (waybill_no, account_id, shop_id, carrier, receiver_key, status, print_count, allocated_by, allocated_at) \
             VALUES ($1, $2, $3, $4, $5, 'allocated', 0, $6, $7) ON CONFLICT (waybill_no) DO NOTHING RETURNING waybill_no",
        )
        .bind(&no)
        .bind(account)
        .bind(shop)
        .bind(carrier.code)
        .bind(receiver_key)
        .bind(by)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
        if inserted.is_some() {
            return Ok(no);
        }
    }
    Err(AppError::internal("no free waybill number after 8 draws"))
}

/// Rows of these waybills, in the given order.
async fn waybill_rows(tx: &mut sqlx::AnyConnection, nos: &[String]) -> AppResult<Vec<WaybillRow>> {
    let mut st = Stmt::new(tx, &format!("SELECT {WAYBILL_COLUMNS} FROM waybills w WHERE w.waybill_no IN ("));
    st.list(nos.iter().map(|n| Val::S(n.clone()))).sql(")");
    let mut rows: Vec<WaybillRow> = st.fetch_all(tx).await?;
    rows.sort_by_key(|r| nos.iter().position(|n| *n == r.0));
    Ok(rows)
}

/// `?status=&order_id=` of the waybill list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WaybillQuery {
    /// Only waybills in this state.
    pub status: Option<WaybillStatus>,
    /// Only the waybills of this order.
    pub order_id: Option<String>,
}

fn waybill_status_str(s: WaybillStatus) -> &'static str {
    match s {
        WaybillStatus::Allocated => "allocated",
        WaybillStatus::Printed => "printed",
        WaybillStatus::Shipped => "shipped",
        WaybillStatus::Cancelled => "cancelled",
    }
}

/// The shop's waybills, newest first (owners, staff with `print`).
pub async fn list(state: &AppState, caller: &Caller, q: WaybillQuery) -> AppResult<Vec<Waybill>> {
    let shop = print_shop(caller)?;
    let mut conn = state.db.pool.acquire().await?;
    let mut st = Stmt::new(&conn, &format!("SELECT {WAYBILL_COLUMNS} FROM waybills w WHERE w.shop_id = "));
    st.arg(Val::S(shop));
    if let Some(s) = q.status {
        st.sql(" AND w.status = ").arg(Val::S(waybill_status_str(s).into()));
    }
    if let Some(o) = &q.order_id {
        st.sql(" AND w.waybill_no IN (SELECT waybill_no FROM waybill_orders WHERE order_id = ").arg(Val::S(o.clone())).sql(")");
    }
    st.sql(&format!(" ORDER BY w.allocated_at DESC, w.waybill_no LIMIT {MAX_LIST}"));
    let rows: Vec<WaybillRow> = st.fetch_all(&mut conn).await?;
    views(&mut conn, rows).await
}

/// Cancel an unused waybill; its unit returns to the account.
pub async fn cancel(state: &AppState, caller: &Caller, no: &str) -> AppResult<Waybill> {
    let shop = print_shop(caller)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let row: Option<(i64, String, i64)> =
        sqlx::query_as("SELECT account_id, status, print_count FROM waybills WHERE waybill_no = $1 AND shop_id = $2").bind(no).bind(&shop).fetch_optional(&mut *tx).await?;
    let Some((account, status, prints)) = row else {
        return Err(ErrorCode::NotFound.into());
    };
    let done = sqlx::query("UPDATE waybills SET status = 'cancelled', cancelled_at = $1 WHERE waybill_no = $2 AND status = 'allocated' AND print_count = 0")
        .bind(now)
        .bind(no)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(AppError::new(ErrorCode::WaybillStateConflict).with(json!({"status": status, "print_count": prints, "reason": "only an unprinted waybill can be cancelled"})));
    }
    sqlx::query("UPDATE waybill_accounts SET balance = balance + 1 WHERE id = $1").bind(account).execute(&mut *tx).await?;
    audit::append(&mut tx, now, &caller.event(&shop, "waybill_cancel", json!({"waybill_no": no, "account_id": account}))).await?;
    let rows = waybill_rows(&mut tx, &[no.to_string()]).await?;
    let out = views(&mut tx, rows).await?.pop().ok_or_else(|| AppError::internal("waybill vanished"))?;
    tx.commit().await?;
    Ok(out)
}

/// Ship the orders of printed waybills with them: carrier = the waybill's, tracking number =
/// the waybill number; all or nothing, one audit row (`ship_waybill`).
pub async fn ship(state: &AppState, caller: &Caller, req: WaybillShip) -> AppResult<WaybillShipped> {
    let shop = shipping::shipping_shop(caller)?;
    let nos = distinct_ids_max(&req.waybill_nos, "waybill_nos", MAX_SHIP)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let rows = waybill_rows(&mut tx, &nos).await?;
    let mut st = Stmt::new(&tx, "SELECT waybill_no FROM waybills WHERE shop_id = ");
    st.arg(Val::S(shop.clone())).sql(" AND waybill_no IN (").list(nos.iter().map(|n| Val::S(n.clone()))).sql(")");
    let mine: Vec<(String,)> = st.fetch_all(&mut tx).await?;
    let missing: Vec<&String> = nos.iter().filter(|n| !mine.iter().any(|m| &m.0 == *n)).collect();
    if !missing.is_empty() {
        return Err(AppError::new(ErrorCode::NotFound).with(json!({"waybill_nos": missing})));
    }
    let unready: Vec<(&String, &String)> = rows.iter().filter(|r| r.3 != "printed").map(|r| (&r.0, &r.3)).collect();
    if !unready.is_empty() {
        return Err(AppError::new(ErrorCode::WaybillStateConflict)
            .with(json!({"reason": "only printed waybills ship", "waybill_nos": unready.iter().map(|u| u.0).collect::<Vec<_>>(), "statuses": unready.iter().map(|u| u.1).collect::<Vec<_>>()})));
    }
    let waybills = views(&mut tx, rows).await?;
    let ship_rows: Vec<ShipRow> = waybills
        .iter()
        .flat_map(|w| w.order_ids.iter().map(move |o| (w, o)))
        .enumerate()
        .map(|(i, (w, o))| ShipRow { line: u32::try_from(i + 1).unwrap_or(u32::MAX), order_id: o.clone(), carrier: w.carrier.clone(), tracking_no: w.waybill_no.clone() })
        .collect();
    let order_ids = match shipping::apply_shipments(&mut tx, &shop, &ship_rows, &Actor::from(caller), "ship_waybill", now).await? {
        Ok(ids) => ids,
        Err(errors) => {
            let all: Vec<_> = errors.iter().map(shipping::RowError::to_api).collect();
            let mut first = errors.into_iter().next().map_or_else(|| AppError::internal("no row error"), shipping::RowError::into_app_error);
            let mut details = first.details.take().unwrap_or_else(|| json!({}));
            details["errors"] = json!(all);
            return Err(first.with(details));
        }
    };
    let mut st = Stmt::new(&tx, "UPDATE waybills SET status = 'shipped', shipped_at = ");
    st.arg(Val::I(now)).sql(" WHERE status = 'printed' AND waybill_no IN (").list(nos.iter().map(|n| Val::S(n.clone()))).sql(")");
    if st.execute(&mut tx).await? != nos.len() as u64 {
        return Err(AppError::new(ErrorCode::WaybillStateConflict).with(json!({"reason": "a waybill changed meanwhile"})));
    }
    let rows = waybill_rows(&mut tx, &nos).await?;
    let waybills = views(&mut tx, rows).await?;
    tx.commit().await?;
    Ok(WaybillShipped { waybills, order_ids })
}

// ---------------------------------------------------------------------------------------
// Print grant

/// `(waybill_no, shop, carrier, status, print_count, sender name, phone, address, account's shop)`.
type PrintRow = (String, String, String, String, i64, String, String, String, String);
/// `(waybill_no, order_id, status, completed_at, kek_version, wrapped_dek, items, name_ct, phone_ct, address_ct)`.
type PrintOrderRow = (String, String, String, Option<i64>, i64, Option<Vec<u8>>, String, String, String, String);

/// What the print transaction decided: the labels (without the grant) and the keys to seal.
struct Printed {
    labels: Vec<Label>,
    keys: Vec<(String, String, i64, Vec<u8>)>,
}

/// Issue a print grant for waybills of the caller's shop (owners, staff with `print`, apps
/// with the `print` scope).
pub async fn grant(state: &AppState, caller: &Caller, req: PrintGrantRequest) -> AppResult<PrintGrantResponse> {
    let shop = print_shop(caller)?;
    let nos = distinct_ids(&req.waybill_nos, "waybill_nos")?;
    let client_public = crate::grants::client_key(&req.client_public)?;
    let now = state.now();
    let grant_id = GrantId::generate().map_err(AppError::internal)?;
    let gid = grant_id.to_hex();
    let printed = match print_tx(state, caller, &shop, &nos, &gid, now).await {
        Ok(p) => p,
        Err(e) => {
            // A refusal is audited too (outside the rolled-back transaction).
            if e.code != ErrorCode::Internal {
                let mut ev = caller.event(&shop, "print", json!({"waybill_nos": nos, "grant_id": gid}));
                ev.outcome = "refused";
                ev.code = Some(e.code.as_str());
                if e.code == ErrorCode::RiskCooldown {
                    ev.details["risk"] = e.details.clone().unwrap_or_default();
                }
                audit::record(&state.db, now, &ev).await?;
            }
            return Err(e);
        }
    };
    // Seal every order's three field keys, bound to its waybill.
    let mut orders = Vec::with_capacity(printed.keys.len());
    for (waybill, id, kek_version, wrapped) in &printed.keys {
        let order_id = OrderId::new(id).map_err(AppError::internal)?;
        orders.push(Sealable { order_id, binding: waybill.clone(), kek_version: *kek_version, wrapped });
    }
    let to = GrantFor { grant_id, shop: &shop, purpose: GrantPurpose::Print, fields: &FieldKind::ALL, client_public: &client_public, now };
    let (sealed, expires_at) = crate::grants::seal(state, to, orders)?;
    Ok(PrintGrantResponse { grant_id: gid, sealed_grant: sealed.to_base64(), shop_id: shop, expires_at_unix: expires_at, labels: printed.labels })
}

/// Check and count the prints in one transaction with their audit row.
async fn print_tx(state: &AppState, caller: &Caller, shop: &str, nos: &[String], gid: &str, now: i64) -> AppResult<Printed> {
    let mut tx = state.db.begin_write().await?;
    if !crate::quota::suspended_among(&mut tx, &std::collections::BTreeSet::from([shop])).await?.is_empty() {
        return Err(ErrorCode::ShopSuspended.into());
    }
    let mut st = Stmt::new(
        &tx,
        "SELECT w.waybill_no, w.shop_id, w.carrier, w.status, w.print_count, a.sender_name, a.sender_phone, a.sender_address, a.shop_id \
         FROM waybills w JOIN waybill_accounts a ON a.id = w.account_id WHERE w.waybill_no IN (",
    );
    st.list(nos.iter().map(|n| Val::S(n.clone()))).sql(")");
    let rows: Vec<PrintRow> = st.fetch_all(&mut tx).await?;
    // Only waybills of the caller's own shop, allocated from its own e-waybill accounts.
    let mine = |n: &String| rows.iter().find(|r| &r.0 == n && r.1 == shop && r.8 == shop);
    let missing: Vec<&String> = nos.iter().filter(|n| mine(n).is_none()).collect();
    if !missing.is_empty() {
        return Err(AppError::new(ErrorCode::NotFound).with(json!({"waybill_nos": missing})));
    }
    let dead: Vec<&String> = rows.iter().filter(|r| r.3 != "allocated" && r.3 != "printed").map(|r| &r.0).collect();
    if !dead.is_empty() {
        return Err(AppError::new(ErrorCode::WaybillStateConflict).with(json!({"waybill_nos": dead, "reason": "only allocated or printed waybills print"})));
    }
    let limit = i64::from(PRINT_LIMIT);
    let spent: Vec<&String> = rows.iter().filter(|r| r.4 >= limit).map(|r| &r.0).collect();
    if !spent.is_empty() {
        return Err(AppError::new(ErrorCode::PrintLimitReached).with(json!({"waybill_nos": spent, "limit": PRINT_LIMIT})));
    }
    let mut st = Stmt::new(
        &tx,
        "SELECT wo.waybill_no, o.order_id, o.status, o.completed_at, o.kek_version, o.wrapped_dek, o.items, o.name_ct, o.phone_ct, o.address_ct \
         FROM waybill_orders wo JOIN orders o ON o.order_id = wo.order_id WHERE wo.waybill_no IN (",
    );
    st.list(nos.iter().map(|n| Val::S(n.clone()))).sql(") ORDER BY wo.waybill_no, o.order_id");
    let orders: Vec<PrintOrderRow> = st.fetch_all(&mut tx).await?;
    if orders.len() > MAX_ORDERS {
        return Err(AppError::new(ErrorCode::TooManyOrders).with(json!({"max": MAX_ORDERS, "got": orders.len()})));
    }
    // A label is printed to ship: only orders awaiting shipment (a shipped, completed or
    // after-sale order would make the print path a reveal without the quota).
    let forbidden: Vec<&String> = orders.iter().filter(|o| !OrderStatus::parse(&o.2).is_some_and(OrderStatus::allows_print)).map(|o| &o.1).collect();
    if !forbidden.is_empty() {
        return Err(AppError::new(ErrorCode::OrderNotShippable).with(json!({"order_ids": forbidden, "reason": "only orders awaiting shipment print"})));
    }
    if let Some(o) = orders.iter().find(|o| o.5.is_none()) {
        return Err(AppError::new(ErrorCode::OrderShredded).with(json!({"order_ids": [o.1]})));
    }
    // Every printed order counts in the reveal burst rules, per account and per shop.
    let rules = crate::platform::rules(&mut *tx).await?;
    let (account, shop_subject) = (caller.risk_subject(), risk::shop_subject(shop));
    let mut book = Book::load(&mut tx, &[account.clone(), shop_subject.clone()].into_iter().collect(), now).await?;
    let limits = [
        Limit { subject: &account, scope: "account", per_minute: rules.per_minute, per_hour: rules.per_hour },
        Limit { subject: &shop_subject, scope: "shop", per_minute: rules.shop_per_minute, per_hour: rules.shop_per_hour },
    ];
    let units = u32::try_from(orders.len()).unwrap_or(u32::MAX);
    if let Err(refused) = book.check(&limits, units, now, rules.cooldown_secs) {
        // The cool-down it starts is kept; the refusal is audited by the caller.
        book.write(&mut tx, Some(now)).await?;
        tx.commit().await?;
        return Err(AppError::new(ErrorCode::RiskCooldown).with(refused.details(now)));
    }
    book.add(&[&account, &shop_subject], units, now);
    book.write(&mut tx, Some(now)).await?;
    // Count the prints; a concurrent print that reached the limit first makes this one fail.
    let mut st = Stmt::new(&tx, "UPDATE waybills SET print_count = print_count + 1, status = 'printed', printed_at = ");
    st.arg(Val::I(now)).sql(" WHERE print_count < ").arg(Val::I(limit)).sql(" AND status IN ('allocated', 'printed') AND waybill_no IN (");
    st.list(nos.iter().map(|n| Val::S(n.clone()))).sql(")");
    let counted = st.execute(&mut tx).await?;
    if counted != nos.len() as u64 {
        return Err(AppError::new(ErrorCode::PrintLimitReached).with(json!({"waybill_nos": nos, "limit": PRINT_LIMIT})));
    }
    let mut labels = Vec::with_capacity(nos.len());
    let mut keys = Vec::with_capacity(orders.len());
    for no in nos {
        let Some(w) = mine(no) else { continue };
        let carrier_name = carriers::carrier(&w.2).map_or_else(|| w.2.clone(), |c| c.name_zh.to_string());
        let mut label_orders = Vec::new();
        for o in orders.iter().filter(|o| &o.0 == no) {
            let items: Vec<Item> = serde_json::from_str(&o.6).map_err(AppError::internal)?;
            label_orders.push(LabelOrder { order_id: o.1.clone(), items: items_summary(&items), name_ct: o.7.clone(), phone_ct: o.8.clone(), address_ct: o.9.clone() });
            if let Some(w) = &o.5 {
                keys.push((no.clone(), o.1.clone(), o.4, w.clone()));
            }
        }
        labels.push(Label {
            waybill_no: no.clone(),
            carrier: w.2.clone(),
            carrier_name,
            sender_name: w.5.clone(),
            sender_phone: w.6.clone(),
            sender_address: w.7.clone(),
            print_no: u32::try_from(w.4 + 1).unwrap_or(u32::MAX),
            orders: label_orders,
        });
    }
    let mut ev = caller.event(shop, "print", json!({"grant_id": gid, "waybills": labels.iter().map(|l| json!({"waybill_no": l.waybill_no, "print_no": l.print_no})).collect::<Vec<_>>()}));
    ev.order_ids = keys.iter().map(|k| k.1.clone()).collect();
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(Printed { labels, keys })
}

// ---------------------------------------------------------------------------------------
// Handlers

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
    list(&state, &caller, q).await.map(Json)
}

/// Allocate waybills from an approved account for orders awaiting shipment (one unit each);
/// `merge` puts orders with the same receiver on one waybill.
#[utoipa::path(post, path = "/api/v1/waybills", request_body = WaybillAllocate,
    responses((status = 200, body = Vec<Waybill>), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn allocate_waybills(State(state): State<AppState>, caller: Caller, ApiJson(req): ApiJson<WaybillAllocate>) -> AppResult<Json<Vec<Waybill>>> {
    allocate(&state, &caller, req).await.map(Json)
}

/// Cancel an unprinted waybill; its unit returns to the account.
#[utoipa::path(post, path = "/api/v1/waybills/{no}/cancel", params(("no" = String, Path)),
    responses((status = 200, body = Waybill), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn cancel_waybill(State(state): State<AppState>, caller: Caller, ApiPath(no): ApiPath<String>) -> AppResult<Json<Waybill>> {
    cancel(&state, &caller, &no).await.map(Json)
}

/// Ship the orders of printed waybills with them (owners, staff with `ship`, apps with
/// `ship`); all or nothing.
#[utoipa::path(post, path = "/api/v1/waybills/ship", request_body = WaybillShip,
    responses((status = 200, body = WaybillShipped), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn ship_waybills(State(state): State<AppState>, caller: Caller, ApiJson(req): ApiJson<WaybillShip>) -> AppResult<Json<WaybillShipped>> {
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
