//! E-waybill accounts and their balance: an owner applies, an admin approves or rejects;
//! the owner asks for units (top-ups) and only the platform's confirmation of the payment
//! raises the balance, in the transaction that marks the request confirmed.

use orderveil_api::carriers;
use orderveil_api::{
    ApplicationDecision, ErrorCode, Role, Scope, WaybillAccount, WaybillAccountCreate, WaybillAccountStatus, WaybillTopup, WaybillTopupConfirm, WaybillTopupCreate,
    WaybillTopupStatus,
};
use serde::Deserialize;
use serde_json::json;

use super::{MAX_LIST, MAX_PENDING_TOPUPS, MAX_TOPUP, MAX_TOPUP_CENTS, invalid, optional_text, print_shop, text};
use crate::audit;
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::audit::Event;
use crate::guard::{Caller, User, require_admin};
use crate::state::AppState;
use crate::store::waybills::{self as store, AccountRow, NewAccount, Owner, TopupConfirmation, TopupRow};

/// Whose accounts the owner user manages: a shop owner's shop, a factory owner's factory.
fn managing(user: &User) -> AppResult<(String, bool)> {
    match user.role {
        Role::Owner => Ok((user.own_shop()?.to_string(), false)),
        Role::Factory => Ok((user.own_factory()?.to_string(), true)),
        _ => Err(ErrorCode::Forbidden.into()),
    }
}

fn owner_of((id, factory): &(String, bool)) -> Owner<'_> {
    if *factory { Owner::Factory(id) } else { Owner::Shop(id) }
}

/// An `ok` event of `user` about an account of a shop (its chain) or of a factory (the
/// factory's chain).
fn account_event(user: &User, shop: &str, factory: Option<&str>, action: &str, details: serde_json::Value) -> Event {
    match factory {
        Some(f) => {
            let mut ev = Event::new(&user.username, Some(user.id), None, action, "ok");
            ev.details = details;
            ev.factory_id = Some(f.to_string());
            ev
        }
        None => user.event(shop, action, details),
    }
}

// ---------------------------------------------------------------------------------------
// Accounts

fn account_view(r: AccountRow) -> WaybillAccount {
    let status = match r.status.as_str() {
        "approved" => WaybillAccountStatus::Approved,
        "rejected" => WaybillAccountStatus::Rejected,
        _ => WaybillAccountStatus::Pending,
    };
    WaybillAccount {
        id: r.id,
        shop_id: r.shop_id,
        factory_id: r.factory_id,
        carrier: r.carrier,
        outlet: r.outlet,
        sender_name: r.sender_name,
        sender_phone: r.sender_phone,
        sender_address: r.sender_address,
        status,
        balance: u64::try_from(r.balance).unwrap_or(0),
        applied_by: r.applied_by,
        created_at: rfc3339(r.created_at),
        decided_by: r.decided_by,
        comment: r.comment,
    }
}

/// Apply for an account (shop owners for the shop, factory owners for the factory).
pub async fn apply(state: &AppState, user: &User, req: WaybillAccountCreate) -> AppResult<WaybillAccount> {
    let tenant = managing(user)?;
    let owner = owner_of(&tenant);
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
    if let Some(id) = store::live_account_id(&mut tx, owner, carrier.code, &outlet).await? {
        return Err(AppError::new(ErrorCode::ApplicationStateConflict).with(json!({"reason": "an account for this carrier and outlet exists or is pending", "account_id": id})));
    }
    let new = NewAccount {
        owner,
        carrier: carrier.code,
        outlet: &outlet,
        sender_name: &sender_name,
        sender_phone: phone,
        sender_address: &sender_address,
        applied_by: &user.username,
        now,
    };
    let id = store::insert_account(&mut tx, &new).await?;
    let factory = tenant.1.then_some(tenant.0.as_str());
    let ev = account_event(user, &tenant.0, factory, "waybill_account_apply", json!({"account_id": id, "carrier": carrier.code, "outlet": outlet}));
    audit::append(&mut tx, now, &ev).await?;
    let row = store::account(&mut tx, id).await?.ok_or_else(|| AppError::internal("account vanished"))?;
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
    let rows = match caller {
        Caller::User(u) if u.role == Role::Admin => store::all_accounts(&state.db.pool, status).await?,
        _ if caller.is_factory() => store::shop_accounts(&state.db.pool, Owner::Factory(&caller.acting_factory(None, Scope::Print)?), status).await?,
        _ => store::shop_accounts(&state.db.pool, Owner::Shop(&print_shop(caller)?), status).await?,
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
    let Some(row) = store::account(&mut tx, id).await? else {
        return Err(ErrorCode::NotFound.into());
    };
    let status = if approve { "approved" } else { "rejected" };
    let done = store::decide_account(&mut tx, id, status, &user.username, now, (!comment.is_empty()).then_some(comment.as_str())).await?;
    if done == 0 {
        return Err(AppError::new(ErrorCode::ApplicationStateConflict).with(json!({"status": row.status})));
    }
    let action = if approve { "waybill_account_approve" } else { "waybill_account_reject" };
    let details = json!({"account_id": id, "carrier": row.carrier, "outlet": row.outlet, "comment": comment});
    audit::append(&mut tx, now, &account_event(user, &row.shop_id, row.factory_id.as_deref(), action, details)).await?;
    let row = store::account(&mut tx, id).await?.ok_or_else(|| AppError::internal("account vanished"))?;
    tx.commit().await?;
    Ok(account_view(row))
}

// ---------------------------------------------------------------------------------------
// Top-ups

fn topup_view(r: TopupRow) -> WaybillTopup {
    WaybillTopup {
        id: r.id,
        account_id: r.account_id,
        shop_id: r.shop_id,
        factory_id: r.factory_id,
        carrier: r.carrier,
        outlet: r.outlet,
        units: u32::try_from(r.units).unwrap_or(0),
        note: r.note,
        status: WaybillTopupStatus::parse(&r.status).unwrap_or(WaybillTopupStatus::Pending),
        requested_by: r.requested_by,
        requested_at: rfc3339(r.requested_at),
        decided_by: r.decided_by,
        decided_at: r.decided_at.map(rfc3339),
        amount_cents: r.amount_cents,
        payment_ref: r.payment_ref,
        comment: r.comment,
        balance_after: r.balance_after.and_then(|b| u64::try_from(b).ok()),
    }
}

/// Ask for units on an approved account of the owner's shop; the balance does not change
/// until the platform confirms the payment.
pub async fn request_topup_for(state: &AppState, user: &User, account_id: i64, req: WaybillTopupCreate) -> AppResult<WaybillTopup> {
    let tenant = managing(user)?;
    let owner = owner_of(&tenant);
    let factory = tenant.1.then_some(tenant.0.as_str());
    if !(1..=MAX_TOPUP).contains(&req.units) {
        return Err(invalid("units", "1 to 100000"));
    }
    let note = optional_text("note", req.note.as_deref(), 200)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let mine = |r: &AccountRow| match owner {
        Owner::Shop(s) => r.shop_id == s,
        Owner::Factory(f) => r.factory_id.as_deref() == Some(f),
    };
    let account = store::account(&mut tx, account_id).await?.filter(mine).ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    if account.status != "approved" {
        return Err(AppError::new(ErrorCode::WaybillAccountInactive).with(json!({"status": account.status})));
    }
    // The platform's queue is not a place to flood: a few open requests per account.
    let pending = store::pending_topups(&mut tx, account_id).await?;
    if pending >= MAX_PENDING_TOPUPS {
        return Err(AppError::new(ErrorCode::RateLimited).with(json!({"reason": "too many pending top-up requests for this account", "max_pending": MAX_PENDING_TOPUPS})));
    }
    let id = store::insert_topup(&mut tx, account_id, owner, i64::from(req.units), note.as_deref(), &user.username, now).await?;
    let ev = account_event(user, &tenant.0, factory, "waybill_topup_request", json!({"topup_id": id, "account_id": account_id, "units": req.units}));
    audit::append(&mut tx, now, &ev).await?;
    let row = store::topup(&mut tx, id).await?.ok_or_else(|| AppError::internal("top-up vanished"))?;
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
    let rows = if user.role == Role::Admin {
        store::all_topups(&state.db.pool, status, MAX_LIST).await?
    } else {
        let tenant = managing(user)?;
        store::shop_topups(&state.db.pool, owner_of(&tenant), status, MAX_LIST).await?
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
    let Some(row) = store::topup(&mut tx, id).await? else {
        return Err(ErrorCode::NotFound.into());
    };
    let confirmation = TopupConfirmation { by: &user.username, now, amount_cents: req.amount_cents, payment_ref: &payment_ref, comment: comment.as_deref() };
    if store::confirm_topup(&mut tx, id, &confirmation).await? == 0 {
        return Err(AppError::new(ErrorCode::TopupStateConflict).with(json!({"status": row.status})));
    }
    let balance = store::add_balance(&mut tx, row.account_id, row.units).await?;
    store::set_balance_after(&mut tx, id, balance).await?;
    let details = json!({"topup_id": id, "account_id": row.account_id, "units": row.units, "amount_cents": req.amount_cents, "payment_ref": payment_ref, "balance": balance});
    audit::append(&mut tx, now, &account_event(user, &row.shop_id, row.factory_id.as_deref(), "waybill_topup_confirm", details)).await?;
    let row = store::topup(&mut tx, id).await?.ok_or_else(|| AppError::internal("top-up vanished"))?;
    tx.commit().await?;
    Ok(topup_view(row))
}

/// Reject a pending top-up with a comment (admins); the balance does not change.
pub async fn reject_topup_for(state: &AppState, user: &User, id: i64, req: ApplicationDecision) -> AppResult<WaybillTopup> {
    require_admin(user)?;
    let comment = text("comment", &req.comment, 500).map_err(|_| invalid("comment", "a comment (1 to 500 characters) is required to reject"))?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let Some(row) = store::topup(&mut tx, id).await? else {
        return Err(ErrorCode::NotFound.into());
    };
    if store::reject_topup(&mut tx, id, &user.username, now, &comment).await? == 0 {
        return Err(AppError::new(ErrorCode::TopupStateConflict).with(json!({"status": row.status})));
    }
    let details = json!({"topup_id": id, "account_id": row.account_id, "units": row.units, "comment": comment});
    audit::append(&mut tx, now, &account_event(user, &row.shop_id, row.factory_id.as_deref(), "waybill_topup_reject", details)).await?;
    let row = store::topup(&mut tx, id).await?.ok_or_else(|| AppError::internal("top-up vanished"))?;
    tx.commit().await?;
    Ok(topup_view(row))
}
