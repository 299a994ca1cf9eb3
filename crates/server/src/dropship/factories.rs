//! Factories as tenants: the platform creates a factory with its owner, suspends (with a
//! reason) and resumes it; the owner creates staff with `print` and `ship`.

use orderveil_api::{ErrorCode, Factory, FactoryCreate, FactorySuspension, Permission, Role, StaffCreate, StaffMember};
use serde_json::json;

use super::invalid;
use crate::audit::{self, Event};
use crate::auth;
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::guard::{FACTORY_PERMISSIONS, User, parse_permissions, require_admin, require_factory_owner};
use crate::staff::valid_username;
use crate::state::AppState;
use crate::store::{dropship as store, users};

fn view(r: store::FactoryRow) -> Factory {
    Factory { factory_id: r.factory_id, name: r.name, suspended: r.suspended != 0, created_at: rfc3339(r.created_at) }
}

/// Create a factory and its owner account (platform admins); audited on the platform's chain
/// and the factory's.
pub async fn create(state: &AppState, user: &User, req: FactoryCreate) -> AppResult<Factory> {
    require_admin(user)?;
    if !valid_username(&req.factory_id) {
        return Err(invalid("factory_id", "[a-z0-9_-]{3,32}"));
    }
    let name = req.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(invalid("name", "1 to 64 characters"));
    }
    if !valid_username(&req.owner_username) {
        return Err(invalid("owner_username", "[a-z0-9_-]{3,32}"));
    }
    auth::check_new_password(&req.owner_username, &req.owner_password)?;
    let password_hash = auth::hash(req.owner_password).await?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    if users::id_by_name(&mut tx, &req.owner_username).await?.is_some() {
        return Err(ErrorCode::UsernameTaken.into());
    }
    if !store::insert_factory(&mut tx, &req.factory_id, &name, now).await? {
        return Err(ErrorCode::FactoryExists.into());
    }
    let owner_id = match store::insert_user(&mut tx, &req.owner_username, &password_hash, "factory", &req.factory_id, "", now).await {
        Ok(id) => id,
        Err(e) if users::is_unique_violation(&e) => return Err(ErrorCode::UsernameTaken.into()),
        Err(e) => return Err(e.into()),
    };
    let mut ev = Event::new(&user.username, Some(user.id), None, "factory_create", "ok");
    ev.details = json!({"factory_id": req.factory_id, "name": name, "owner": req.owner_username, "owner_id": owner_id});
    let on_factory = ev.for_factory(&req.factory_id);
    audit::append_many(&mut tx, &[(now, ev), (now, on_factory)]).await?;
    let row = store::factory(&mut *tx, &req.factory_id).await?.ok_or_else(|| AppError::internal("factory vanished"))?;
    tx.commit().await?;
    Ok(view(row))
}

/// Longest suspension reason or resume comment, in characters.
pub const MAX_REASON: usize = 200;

/// Suspend (`suspend`, a reason required) or resume a factory (platform admins), audited on
/// the platform's chain and the factory's. Its users stay logged in and still read; their
/// actions are refused from their next request (`FACTORY_SUSPENDED`).
pub async fn set_suspended(state: &AppState, user: &User, factory: &str, suspend: bool, req: FactorySuspension) -> AppResult<Factory> {
    require_admin(user)?;
    let reason = req.reason.as_deref().map_or("", str::trim);
    if reason.chars().count() > MAX_REASON || reason.chars().any(char::is_control) {
        return Err(invalid("reason", "at most 200 characters, no control characters"));
    }
    if suspend && reason.is_empty() {
        return Err(invalid("reason", "a reason is required to suspend a factory"));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let before = store::factory(&mut *tx, factory).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    store::set_factory_suspended(&mut tx, factory, suspend).await?;
    let action = if suspend { "factory_suspend" } else { "factory_resume" };
    let mut ev = Event::new(&user.username, Some(user.id), None, action, "ok");
    ev.details = json!({"factory_id": factory, "suspended_before": before.suspended != 0, "suspended": suspend});
    if !reason.is_empty() {
        ev.details["reason"] = json!(reason);
    }
    let on_factory = ev.for_factory(factory);
    audit::append_many(&mut tx, &[(now, ev), (now, on_factory)]).await?;
    let row = store::factory(&mut *tx, factory).await?.ok_or_else(|| AppError::internal("factory vanished"))?;
    tx.commit().await?;
    Ok(view(row))
}

/// Every factory (platform admins), or one's own (factory users). Shops invite by id and see
/// names through their bindings, so they need no list of every factory.
pub async fn list(state: &AppState, user: &User) -> AppResult<Vec<Factory>> {
    let rows = match user.role {
        Role::Admin => store::factories(&state.db.pool).await?,
        Role::Factory | Role::FactoryStaff => store::factory(&state.db.pool, user.own_factory()?).await?.into_iter().collect(),
        _ => return Err(ErrorCode::Forbidden.into()),
    };
    Ok(rows.into_iter().map(view).collect())
}

/// The factory's staff (its owner).
pub async fn staff(state: &AppState, user: &User) -> AppResult<Vec<StaffMember>> {
    let factory = require_factory_owner(user)?.to_string();
    let rows = store::factory_staff(&state.db.pool, &factory).await?;
    Ok(rows
        .into_iter()
        .map(|r| StaffMember { id: r.id, username: r.username, permissions: parse_permissions(&r.permissions), disabled: r.disabled != 0, created_at: rfc3339(r.created_at) })
        .collect())
}

/// Create a staff account of the owner's factory, with `print` and/or `ship`.
pub async fn create_staff(state: &AppState, user: &User, req: StaffCreate) -> AppResult<StaffMember> {
    let factory = require_factory_owner(user)?.to_string();
    if !valid_username(&req.username) {
        return Err(invalid("username", "[a-z0-9_-]{3,32}"));
    }
    let mut perms: Vec<Permission> = req.permissions.clone();
    perms.sort();
    perms.dedup();
    if perms.iter().any(|p| !FACTORY_PERMISSIONS.contains(p)) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "permissions", "allowed": ["print", "ship"]})));
    }
    auth::check_new_password(&req.username, &req.password)?;
    let password_hash = auth::hash(req.password).await?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    if users::id_by_name(&mut tx, &req.username).await?.is_some() {
        return Err(ErrorCode::UsernameTaken.into());
    }
    let permissions = perms.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",");
    let id = match store::insert_user(&mut tx, &req.username, &password_hash, "factory_staff", &factory, &permissions, now).await {
        Ok(id) => id,
        Err(e) if users::is_unique_violation(&e) => return Err(ErrorCode::UsernameTaken.into()),
        Err(e) => return Err(e.into()),
    };
    let mut ev = Event::new(&user.username, Some(user.id), None, "staff_create", "ok");
    ev.factory_id = Some(factory.clone());
    ev.details = json!({"staff_id": id, "username": req.username, "permissions": permissions});
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(StaffMember { id, username: req.username, permissions: perms, disabled: false, created_at: rfc3339(now) })
}
