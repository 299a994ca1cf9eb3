//! ISV apps and their authorizations: the platform admin registers, disables and re-enables
//! apps; a shop owner authorizes an app with scopes and purposes, and revokes it; a factory
//! owner does the same for its print software (`orders.read`, `print`, `ship`; never
//! `reveal`). Every change is audited in its own transaction, on the chain of the shop or
//! factory it concerns.

use orderveil_api::{ErrorCode, IsvApp, IsvAppCreate, IsvAppCreated, IsvAuthorization, IsvAuthorizationCreate, Role, Scope, valid_origin};
use serde_json::json;

use super::{MAX_ORIGINS, SECRET_PREFIX};
use crate::audit::{self, Event};
use crate::auth::{random_token, sha256_hex};
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::guard::{User, join_purposes, join_scopes, parse_origins, parse_purposes, parse_scopes, require_admin};
use crate::state::AppState;
use crate::store::Owner;
use crate::store::isv::{self, AppRow, AuthorizationRow, NewApp, NewAuthorization};

fn app_view(r: AppRow) -> IsvApp {
    IsvApp { app_id: r.app_id, name: r.name, origins: parse_origins(&r.origins), disabled: r.disabled != 0, created_at: rfc3339(r.created_at) }
}

/// `POST /api/v1/isv-apps` (platform admin).
pub async fn register(state: &AppState, user: &User, req: IsvAppCreate) -> AppResult<IsvAppCreated> {
    require_admin(user)?;
    let name = req.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "name", "reason": "1 to 64 characters"})));
    }
    let mut origins = req.origins.clone();
    origins.sort();
    origins.dedup();
    if origins.is_empty() || origins.len() > MAX_ORIGINS {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "origins", "reason": "1 to 10 origins"})));
    }
    if let Some(bad) = origins.iter().find(|o| !valid_origin(o)) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "origins", "reason": "an origin is scheme://host[:port] in lower case", "origin": bad})));
    }
    let app_id = format!("app_{}", random_token(12)?);
    let secret = format!("{SECRET_PREFIX}{}", random_token(32)?);
    let now = state.now();
    let origins_json = serde_json::to_string(&origins).map_err(AppError::internal)?;
    let mut tx = state.db.begin_write().await?;
    let secret_hash = sha256_hex(&secret);
    isv::insert_app(&mut tx, &NewApp { app_id: &app_id, name: &name, secret_hash: &secret_hash, origins: &origins_json, created_by: user.id, created_at: now }).await?;
    let mut ev = Event::new(&user.username, Some(user.id), None, "isv_app_register", "ok");
    ev.details = json!({"app_id": app_id, "name": name, "origins": origins});
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(IsvAppCreated { app: app_view(AppRow { app_id, name, origins: origins_json, disabled: 0, created_at: now }), app_secret: secret })
}

/// `POST /api/v1/isv-apps/{app_id}` (platform admin): disable or re-enable an app. Its
/// tokens are checked against `disabled` on every request, so disabling stops them at once;
/// a disabled app gets no new token and its origins leave CORS and `frame-ancestors`.
pub async fn set_disabled(state: &AppState, user: &User, app_id: &str, disabled: bool) -> AppResult<IsvApp> {
    require_admin(user)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let Some(mut row) = isv::app(&mut tx, app_id).await? else {
        return Err(ErrorCode::NotFound.into());
    };
    let before = row.disabled != 0;
    isv::set_app_disabled(&mut tx, app_id, disabled).await?;
    let mut ev = Event::new(&user.username, Some(user.id), None, if disabled { "isv_app_disable" } else { "isv_app_enable" }, "ok");
    ev.details = json!({"app_id": app_id, "name": row.name, "disabled_before": before});
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    row.disabled = i64::from(disabled);
    Ok(app_view(row))
}

/// The shop of a shop owner or the factory of a factory owner: who authorizes apps; FORBIDDEN
/// for everyone else.
fn authorizing(user: &User) -> AppResult<Owner<'_>> {
    match user.role {
        Role::Owner => Ok(Owner::Shop(user.own_shop()?)),
        Role::Factory => Ok(Owner::Factory(user.own_factory()?)),
        _ => Err(ErrorCode::Forbidden.into()),
    }
}

/// An `ok` audit event of `user` on the chain of `owner`.
fn owner_event(user: &User, owner: Owner<'_>, action: &str, details: serde_json::Value) -> Event {
    match owner {
        Owner::Shop(s) => user.event(s, action, details),
        Owner::Factory(f) => {
            let mut ev = Event::new(&user.username, Some(user.id), None, action, "ok");
            ev.details = details;
            ev.for_factory(f)
        }
    }
}

/// `GET /api/v1/isv-apps`: every app for admins; enabled apps for shop and factory owners.
pub async fn list_apps(state: &AppState, user: &User) -> AppResult<Vec<IsvApp>> {
    let enabled_only = match user.role {
        Role::Admin => false,
        Role::Owner | Role::Factory => true,
        _ => return Err(ErrorCode::Forbidden.into()),
    };
    let rows = isv::apps(&state.db.pool, enabled_only).await?;
    Ok(rows.into_iter().map(app_view).collect())
}

fn auth_view(r: AuthorizationRow) -> IsvAuthorization {
    IsvAuthorization {
        scopes: parse_scopes(&r.scopes),
        purposes: parse_purposes(&r.purposes),
        id: r.id,
        app_id: r.app_id,
        app_name: r.app_name,
        shop_id: r.shop_id,
        factory_id: r.factory_id,
        granted_by: r.granted_by,
        created_at: rfc3339(r.created_at),
        revoked_at: r.revoked_at.map(rfc3339),
    }
}

/// One authorization, read inside the transaction that changed it.
async fn authorization_in(tx: &mut sqlx::AnyConnection, id: i64) -> AppResult<IsvAuthorization> {
    Ok(auth_view(isv::authorization(tx, id).await?))
}

/// `GET /api/v1/isv-authorizations`: the owner's shop's or factory's (live and revoked), or
/// all for admins.
pub async fn list_authorizations(state: &AppState, user: &User) -> AppResult<Vec<IsvAuthorization>> {
    let rows = match user.role {
        Role::Admin => isv::authorizations(&state.db.pool, None).await?,
        _ => isv::authorizations(&state.db.pool, Some(authorizing(user)?)).await?,
    };
    Ok(rows.into_iter().map(auth_view).collect())
}

/// `POST /api/v1/isv-authorizations` (shop or factory owner): authorize an enabled app with
/// scopes. An existing live authorization of the same app is replaced (revoked, its tokens
/// dead). A factory's app may read the factory's orders, print and ship; never reveal.
pub async fn authorize(state: &AppState, user: &User, req: IsvAuthorizationCreate) -> AppResult<IsvAuthorization> {
    let owner = authorizing(user)?;
    let mut scopes = req.scopes.clone();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "scopes", "reason": "at least one"})));
    }
    if matches!(owner, Owner::Factory(_)) && scopes.contains(&Scope::Reveal) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "scopes", "reason": "a factory's app cannot reveal"})));
    }
    let mut purposes = req.purposes.clone();
    purposes.sort();
    purposes.dedup();
    if scopes.contains(&Scope::Reveal) && purposes.is_empty() {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "purposes", "reason": "at least one purpose with the reveal scope"})));
    }
    if !scopes.contains(&Scope::Reveal) {
        purposes.clear();
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    if isv::app_disabled(&mut tx, &req.app_id).await? != Some(false) {
        return Err(AppError::new(ErrorCode::NotFound).with(json!({"app_id": req.app_id})));
    }
    isv::revoke_live(&mut tx, &req.app_id, owner, now).await?;
    let (scopes_text, purposes_text) = (join_scopes(&scopes), join_purposes(&purposes));
    let new = NewAuthorization { app_id: &req.app_id, owner, scopes: &scopes_text, purposes: &purposes_text, granted_by: &user.username, created_at: now };
    let id = isv::insert_authorization(&mut tx, &new).await?;
    let ev = owner_event(user, owner, "isv_authorize", json!({"app_id": req.app_id, "authorization_id": id, "scopes": scopes, "purposes": purposes}));
    audit::append(&mut tx, now, &ev).await?;
    let view = authorization_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(view)
}

/// `POST /api/v1/isv-authorizations/{id}/revoke` (shop or factory owner): the app's tokens
/// for the shop or factory stop working at once.
pub async fn revoke(state: &AppState, user: &User, id: i64) -> AppResult<IsvAuthorization> {
    let owner = authorizing(user)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let Some(found) = isv::authorization_state(&mut tx, id, owner).await? else { return Err(ErrorCode::NotFound.into()) };
    let app_id = found.app_id;
    if found.revoked_at.is_none() {
        isv::revoke(&mut tx, id, now).await?;
        let ev = owner_event(user, owner, "isv_revoke", json!({"app_id": app_id, "authorization_id": id}));
        audit::append(&mut tx, now, &ev).await?;
    }
    let view = authorization_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(view)
}
