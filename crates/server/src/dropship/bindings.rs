//! Bindings between shops and factories: the shop owner invites, the factory owner accepts or
//! declines, either side ends an active binding (its open assignments are recalled with it).

use orderveil_api::{Binding, BindingEnded, BindingInvite, BindingStatus, ErrorCode, Role};
use serde_json::json;

use super::{audit_both, ensure_active, void_taken_back};
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::guard::{User, require_factory_owner, require_owner};
use crate::state::AppState;
use crate::store::{WriteTx, dropship as store};

/// The API view of a stored binding.
pub fn view(r: store::BindingRow) -> AppResult<Binding> {
    Ok(Binding {
        id: r.id,
        shop_id: r.shop_id,
        shop_name: r.shop_name,
        factory_id: r.factory_id,
        factory_name: r.factory_name,
        status: BindingStatus::parse(&r.status).ok_or_else(|| AppError::internal("bad binding status"))?,
        invited_by: r.invited_by,
        invited_at: rfc3339(r.invited_at),
        decided_at: r.decided_at.map(rfc3339),
        ended_at: r.ended_at.map(rfc3339),
        ended_by: r.ended_by,
        open_assignments: u64::try_from(r.open_assignments).unwrap_or(0),
    })
}

/// The caller's bindings: a shop's (owner, or staff with `assign`, who need the factories to
/// assign to), a factory's (its users), newest first.
pub async fn list(state: &AppState, user: &User) -> AppResult<Vec<Binding>> {
    let rows = match user.role {
        Role::Owner | Role::Staff if user.can(orderveil_api::Permission::Assign) || user.role == Role::Owner => {
            store::bindings(&state.db.pool, Some(user.own_shop()?), None).await?
        }
        Role::Factory | Role::FactoryStaff => store::bindings(&state.db.pool, None, Some(user.own_factory()?)).await?,
        _ => return Err(ErrorCode::Forbidden.into()),
    };
    rows.into_iter().map(view).collect()
}

/// A shop owner invites a factory. An unknown factory and one already invited or bound are
/// refused (`FACTORY_NOT_BOUND` would leak nothing more than the invitation itself does).
pub async fn invite(state: &AppState, user: &User, req: BindingInvite) -> AppResult<Binding> {
    let shop = require_owner(user)?.to_string();
    let factory = req.factory_id.trim().to_string();
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    if store::factory(&mut *tx, &factory).await?.is_none() {
        return Err(AppError::new(ErrorCode::NotFound).with(json!({"factory_id": factory})));
    }
    if let Some((id, status)) = store::live_binding(&mut tx, &shop, &factory).await? {
        return Err(AppError::new(ErrorCode::BindingStateConflict).with(json!({"binding_id": id, "status": status})));
    }
    let id = match store::insert_binding(&mut tx, &shop, &factory, &user.username, now).await {
        Ok(id) => id,
        // A concurrent invitation of the same factory (PostgreSQL; SQLite writers serialize).
        Err(e) if crate::store::users::is_unique_violation(&e) => return Err(ErrorCode::BindingStateConflict.into()),
        Err(e) => return Err(e.into()),
    };
    let ev = user.event(&shop, "binding_invite", json!({"binding_id": id, "factory_id": factory}));
    audit_both(&mut tx, now, &ev, &factory).await?;
    let out = view(store::binding(&mut *tx, id).await?.ok_or_else(|| AppError::internal("binding vanished"))?)?;
    tx.commit().await?;
    Ok(out)
}

/// The binding `id` if the caller is on one side of it (shop owner or factory owner);
/// another's is "not found".
async fn own(tx: &mut WriteTx<'_>, user: &User, id: i64) -> AppResult<store::BindingRow> {
    let row = store::binding(&mut **tx, id).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let mine = match user.role {
        Role::Owner => user.shop_id.as_deref() == Some(row.shop_id.as_str()),
        Role::Factory => user.factory_id.as_deref() == Some(row.factory_id.as_str()),
        _ => return Err(ErrorCode::Forbidden.into()),
    };
    if mine { Ok(row) } else { Err(AppError::new(ErrorCode::NotFound)) }
}

/// The factory owner accepts (`accept`; not while suspended) or declines an invitation.
pub async fn answer(state: &AppState, user: &User, id: i64, accept: bool) -> AppResult<Binding> {
    let factory = require_factory_owner(user)?.to_string();
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let row = own(&mut tx, user, id).await?;
    // A suspended factory may still decline (or end), not take on a shop.
    if accept {
        ensure_active(&mut tx, &factory).await?;
    }
    let to = if accept { "active" } else { "declined" };
    if !store::set_binding(&mut tx, id, "invited", to, &user.username, now).await? {
        return Err(AppError::new(ErrorCode::BindingStateConflict).with(json!({"status": row.status})));
    }
    let action = if accept { "binding_accept" } else { "binding_decline" };
    let ev = user.event(&row.shop_id, action, json!({"binding_id": id, "factory_id": factory}));
    audit_both(&mut tx, now, &ev, &factory).await?;
    let out = view(store::binding(&mut *tx, id).await?.ok_or_else(|| AppError::internal("binding vanished"))?)?;
    tx.commit().await?;
    Ok(out)
}

/// Either side's owner ends an invitation or an active binding; its open assignments are
/// recalled in the same transaction.
pub async fn end(state: &AppState, user: &User, id: i64) -> AppResult<BindingEnded> {
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let row = own(&mut tx, user, id).await?;
    if !(store::set_binding(&mut tx, id, "active", "ended", &user.username, now).await? || store::set_binding(&mut tx, id, "invited", "ended", &user.username, now).await?) {
        return Err(AppError::new(ErrorCode::BindingStateConflict).with(json!({"status": row.status})));
    }
    let recalled = store::recall_binding(&mut tx, id, &user.username, now).await?;
    let side = if user.role == Role::Owner { "shop" } else { "factory" };
    let mut ev = user.event(&row.shop_id, "binding_end", json!({"binding_id": id, "factory_id": row.factory_id, "by": side, "recalled": recalled.len()}));
    ev.order_ids.clone_from(&recalled);
    audit_both(&mut tx, now, &ev, &row.factory_id).await?;
    void_taken_back(&mut tx, now, user, &row.shop_id, &row.factory_id, &recalled).await?;
    let binding = view(store::binding(&mut *tx, id).await?.ok_or_else(|| AppError::internal("binding vanished"))?)?;
    tx.commit().await?;
    Ok(BindingEnded { binding, recalled: recalled.len() as u64 })
}
