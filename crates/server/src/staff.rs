//! Staff sub-accounts, managed by their shop's owner: list, create, change permissions,
//! disable or enable, reset the password.
//!
//! Only an owner manages staff, and only their own shop's (another shop's account looks
//! absent: NOT_FOUND). Permissions are re-read on every request (`guard::User`), so a change
//! applies to the staff member's next request; disabling the account or resetting its
//! password also deletes its sessions, logging it out at once. Every change is appended to
//! the shop's audit chain in the same transaction; a password never is.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::{ApiError, ErrorCode, Permission, StaffCreate, StaffMember, StaffPasswordReset, StaffUpdate};
use serde_json::json;

use crate::audit;
use crate::auth;
use crate::guard::{User, parse_permissions, require_owner};
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use crate::store::sessions;
use crate::store::users::{self, NewUser, StaffRow};
use sqlx::AnyConnection;

/// The staff routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/staff", get(list_staff).post(create_staff))
        .route("/api/v1/staff/{id}", post(update_staff))
        .route("/api/v1/staff/{id}/password", post(reset_staff_password))
        // A factory owner manages the factory's staff the same way (list and create:
        // `crate::dropship::factories`).
        .route("/api/v1/factory/staff/{id}", post(update_staff))
        .route("/api/v1/factory/staff/{id}/password", post(reset_staff_password))
}

/// Whose staff the owner user manages: a shop owner's shop, a factory owner's factory.
enum Team {
    Shop(String),
    Factory(String),
}

fn team(user: &User) -> AppResult<Team> {
    match user.role {
        orderveil_api::Role::Owner => Ok(Team::Shop(user.own_shop()?.to_string())),
        orderveil_api::Role::Factory => Ok(Team::Factory(user.own_factory()?.to_string())),
        _ => Err(ErrorCode::Forbidden.into()),
    }
}

impl Team {
    /// An `ok` event of `user` on the team's chain.
    fn event(&self, user: &User, action: &str, details: serde_json::Value) -> audit::Event {
        match self {
            Self::Shop(shop) => user.event(shop, action, details),
            Self::Factory(f) => {
                let mut ev = audit::Event::new(&user.username, Some(user.id), None, action, "ok");
                ev.details = details;
                ev.factory_id = Some(f.clone());
                ev
            }
        }
    }

    /// The permissions to store: a factory's staff hold only `print` and `ship`.
    fn permissions(&self, perms: &[Permission]) -> AppResult<Vec<Permission>> {
        let perms = normalize(perms);
        if matches!(self, Self::Factory(_)) && perms.iter().any(|p| !crate::guard::FACTORY_PERMISSIONS.contains(p)) {
            return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "permissions", "allowed": ["print", "ship"]})));
        }
        Ok(perms)
    }
}

/// `[a-z0-9_-]{3,32}`.
pub fn valid_username(s: &str) -> bool {
    (3..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Deduplicated, in `Permission::ALL` order.
fn normalize(perms: &[Permission]) -> Vec<Permission> {
    Permission::ALL.into_iter().filter(|p| perms.contains(p)).collect()
}

fn join(perms: &[Permission]) -> String {
    perms.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

fn names(perms: &[Permission]) -> Vec<&'static str> {
    perms.iter().map(|p| p.as_str()).collect()
}

fn member(r: StaffRow) -> StaffMember {
    StaffMember { id: r.id, username: r.username, permissions: parse_permissions(&r.permissions), disabled: r.disabled != 0, created_at: rfc3339(r.created_at) }
}

/// One staff account of the team, read inside the transaction; NOT_FOUND otherwise.
async fn load(tx: &mut AnyConnection, team: &Team, id: i64) -> AppResult<StaffRow> {
    let row = match team {
        Team::Shop(shop) => users::staff_member(tx, shop, id).await?,
        Team::Factory(f) => crate::store::dropship::factory_staff_member(tx, f, id).await?,
    };
    row.ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

/// The shop's staff accounts.
pub async fn list(state: &AppState, user: &User) -> AppResult<Vec<StaffMember>> {
    let shop = require_owner(user)?.to_string();
    let rows = users::staff_of(&state.db.pool, &shop).await?;
    Ok(rows.into_iter().map(member).collect())
}

/// Create a staff account in the owner's shop.
pub async fn create(state: &AppState, user: &User, req: StaffCreate) -> AppResult<StaffMember> {
    let shop = require_owner(user)?.to_string();
    if !valid_username(&req.username) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "username", "pattern": "[a-z0-9_-]{3,32}"})));
    }
    auth::check_new_password(&req.username, &req.password)?;
    let perms = normalize(&req.permissions);
    let password_hash = auth::hash(req.password).await?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    if users::id_by_name(&mut tx, &req.username).await?.is_some() {
        return Err(ErrorCode::UsernameTaken.into());
    }
    let permissions = join(&perms);
    let new = NewUser { username: &req.username, password_hash: &password_hash, role: "staff", shop_id: &shop, permissions: &permissions, created_at: now };
    let id = match users::insert(&mut tx, &new).await {
        Ok(id) => id,
        // A concurrent creation of the same name (PostgreSQL; SQLite writers serialize).
        Err(e) if users::is_unique_violation(&e) => return Err(ErrorCode::UsernameTaken.into()),
        Err(e) => return Err(e.into()),
    };
    let ev = user.event(&shop, "staff_create", json!({"staff_id": id, "username": req.username, "permissions": names(&perms)}));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(StaffMember { id, username: req.username, permissions: perms, disabled: false, created_at: rfc3339(now) })
}

/// Change a staff account's permissions and/or disable or enable it. Disabling deletes its
/// sessions.
pub async fn update(state: &AppState, user: &User, id: i64, req: StaffUpdate) -> AppResult<StaffMember> {
    let team = team(user)?;
    if req.permissions.is_none() && req.disabled.is_none() {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"reason": "nothing to change: give permissions and/or disabled"})));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let before = load(&mut tx, &team, id).await?;
    let old_perms = parse_permissions(&before.permissions);
    let perms = match req.permissions.as_deref() {
        Some(p) => team.permissions(p)?,
        None => old_perms.clone(),
    };
    let disabled = req.disabled.unwrap_or(before.disabled != 0);
    users::set_access(&mut tx, id, &join(&perms), disabled).await?;
    if disabled {
        sessions::delete_for_user(&mut tx, id).await?;
    }
    let mut details = json!({"staff_id": id, "username": before.username});
    if req.permissions.is_some() {
        details["permissions_before"] = json!(names(&old_perms));
        details["permissions"] = json!(names(&perms));
    }
    if let Some(d) = req.disabled {
        details["disabled_before"] = json!(before.disabled != 0);
        details["disabled"] = json!(d);
    }
    audit::append(&mut tx, now, &team.event(user, "staff_update", details)).await?;
    tx.commit().await?;
    Ok(StaffMember { id, username: before.username, permissions: perms, disabled, created_at: rfc3339(before.created_at) })
}

/// Set a staff account's password; its sessions end.
pub async fn reset_password(state: &AppState, user: &User, id: i64, req: StaffPasswordReset) -> AppResult<StaffMember> {
    let team = team(user)?;
    // Existence first, so a stranger's id costs no hashing.
    let target = load(&mut *state.db.pool.acquire().await?, &team, id).await?;
    auth::check_new_password(&target.username, &req.password)?;
    let password_hash = auth::hash(req.password).await?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let row = load(&mut tx, &team, id).await?;
    users::set_password_hash(&mut tx, id, &password_hash).await?;
    let ended = sessions::delete_for_user(&mut tx, id).await?;
    audit::append(&mut tx, now, &team.event(user, "staff_password_reset", json!({"staff_id": id, "username": row.username, "sessions_ended": ended}))).await?;
    tx.commit().await?;
    Ok(member(row))
}

/// The owner's staff accounts.
#[utoipa::path(get, path = "/api/v1/staff", responses((status = 200, body = Vec<StaffMember>), (status = 403, body = ApiError)))]
pub async fn list_staff(State(state): State<AppState>, user: User) -> AppResult<Json<Vec<StaffMember>>> {
    list(&state, &user).await.map(Json)
}

/// Create a staff account in the owner's shop.
#[utoipa::path(post, path = "/api/v1/staff", request_body = StaffCreate,
    responses((status = 200, body = StaffMember), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_staff(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<StaffCreate>) -> AppResult<Json<StaffMember>> {
    create(&state, &user, req).await.map(Json)
}

/// Change a staff account's permissions, disable or enable it (disabling logs it out).
#[utoipa::path(post, path = "/api/v1/staff/{id}", params(("id" = i64, Path)), request_body = StaffUpdate,
    responses((status = 200, body = StaffMember), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn update_staff(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<StaffUpdate>) -> AppResult<Json<StaffMember>> {
    update(&state, &user, id, req).await.map(Json)
}

/// Reset a staff account's password (logs it out).
#[utoipa::path(post, path = "/api/v1/staff/{id}/password", params(("id" = i64, Path)), request_body = StaffPasswordReset,
    responses((status = 200, body = StaffMember), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn reset_staff_password(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<StaffPasswordReset>) -> AppResult<Json<StaffMember>> {
    reset_password(&state, &user, id, req).await.map(Json)
}

/// The OpenAPI paths of this module and of the audit export and verification.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_staff, create_staff, update_staff, reset_staff_password, crate::audit_query::get_audit_export, crate::audit_query::get_audit_verify),
    components(schemas(StaffMember, StaffCreate, StaffUpdate, StaffPasswordReset, orderveil_api::AuditVerifyReport))
)]
pub struct StaffDoc;
