//! The platform admin console's server side: shops (create with their owner, rename,
//! suspend, resume) and their users, the platform settings ([`crate::platform`]) and
//! disabling ISV apps ([`crate::isv::set_disabled`]).
//!
//! Only the `admin` role reaches any of it (`FORBIDDEN` for everyone else). Every change is
//! audited in its own transaction: shop events on the shop's chain (so its owner sees that
//! the platform suspended it), settings and app events on the platform chain. A suspended
//! shop keeps its orders, logins and exports; the reveal settler refuses its grants
//! (`SHOP_SUSPENDED`), read inside each batch's transaction, so a suspension applies to the
//! next reveal in every process.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::{
    ApiError, ErrorCode, IsvApp, IsvAppUpdate, PasswordChanged, Permission, PlatformSettings, PlatformSettingsUpdate, Role, ShopCreate, ShopSummary, ShopUpdate,
    ShopUser, StaffPasswordReset,
};
use serde_json::json;

use crate::audit;
use crate::auth;
use crate::guard::{User, parse_permissions, require_admin};
use crate::clock::{day_of, rfc3339};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath};
use crate::staff::valid_username;
use crate::state::AppState;
use crate::store::sessions;
use crate::store::users::{self, NewUser};
use sqlx::AnyConnection;

/// Longest shop name, in characters.
pub const MAX_SHOP_NAME: usize = 60;
/// Longest suspension reason, in characters.
pub const MAX_REASON: usize = 200;

/// The admin console's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/shops", get(list_shops).post(create_shop))
        .route("/api/v1/admin/shops/{shop_id}", post(update_shop))
        .route("/api/v1/admin/shops/{shop_id}/users", get(list_shop_users))
        .route("/api/v1/admin/shops/{shop_id}/users/{id}/password", post(reset_owner_password))
        .route("/api/v1/admin/settings", get(get_settings).put(put_settings))
        .route("/api/v1/isv-apps/{app_id}", post(update_isv_app))
}

fn invalid(field: &str, reason: &str) -> AppError {
    AppError::new(ErrorCode::ValidationFailed).with(json!({"field": field, "reason": reason}))
}

fn shop_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_SHOP_NAME || name.chars().any(char::is_control) {
        return Err(invalid("name", "1 to 60 characters, no control characters"));
    }
    Ok(name.to_string())
}

async fn summaries(conn: &mut AnyConnection, day: &str, shop: Option<&str>) -> AppResult<Vec<ShopSummary>> {
    let rows = users::shop_summaries(conn, day, shop).await?;
    let owners = users::shop_owners(conn).await?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|r| ShopSummary {
            owners: owners.iter().filter(|o| o.shop_id == r.shop_id).map(|o| o.username.clone()).collect(),
            shop_id: r.shop_id,
            name: r.name,
            suspended: r.suspended != 0,
            created_at: rfc3339(r.created_at),
            orders: n(r.orders),
            reveals_today: n(r.used_today),
            staff: n(r.staff),
        })
        .collect())
}

async fn summary(ex: &mut AnyConnection, day: &str, shop: &str) -> AppResult<ShopSummary> {
    summaries(ex, day, Some(shop)).await?.pop().ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

/// Every shop with its figures.
pub async fn list(state: &AppState, user: &User) -> AppResult<Vec<ShopSummary>> {
    require_admin(user)?;
    let day = day_of(state.now());
    summaries(&mut *state.db.pool.acquire().await?, &day, None).await
}

/// Create a shop and its owner account, in one transaction with its audit row.
pub async fn create(state: &AppState, user: &User, req: ShopCreate) -> AppResult<ShopSummary> {
    require_admin(user)?;
    if !valid_username(&req.shop_id) {
        return Err(invalid("shop_id", "[a-z0-9_-]{3,32}"));
    }
    let name = shop_name(&req.name)?;
    if !valid_username(&req.owner_username) {
        return Err(invalid("owner_username", "[a-z0-9_-]{3,32}"));
    }
    auth::check_new_password(&req.owner_username, &req.owner_password)?;
    let password_hash = auth::hash(req.owner_password).await?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    if users::shop_exists(&mut *tx, &req.shop_id).await? {
        return Err(ErrorCode::ShopExists.into());
    }
    if users::id_by_name(&mut tx, &req.owner_username).await?.is_some() {
        return Err(ErrorCode::UsernameTaken.into());
    }
    // A concurrent creation (PostgreSQL; SQLite writers serialize).
    let unique = |e: sqlx::Error, code: ErrorCode| if users::is_unique_violation(&e) { AppError::new(code) } else { e.into() };
    users::insert_shop(&mut tx, &req.shop_id, &name, now).await.map_err(|e| unique(e, ErrorCode::ShopExists))?;
    let owner = NewUser { username: &req.owner_username, password_hash: &password_hash, role: "owner", shop_id: &req.shop_id, permissions: "", created_at: now };
    let owner_id = users::insert(&mut tx, &owner).await.map_err(|e| unique(e, ErrorCode::UsernameTaken))?;
    let ev = user.event(&req.shop_id, "shop_create", json!({"name": name, "owner": req.owner_username, "owner_id": owner_id}));
    audit::append(&mut tx, now, &ev).await?;
    let out = summary(&mut tx, &day_of(now), &req.shop_id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Rename, suspend (a reason is required) or resume a shop.
pub async fn update(state: &AppState, user: &User, shop: &str, req: ShopUpdate) -> AppResult<ShopSummary> {
    require_admin(user)?;
    if req.name.is_none() && req.suspended.is_none() {
        return Err(invalid("suspended", "nothing to change: give name and/or suspended"));
    }
    let name = req.name.as_deref().map(shop_name).transpose()?;
    let reason = req.reason.as_deref().map(str::trim).unwrap_or("");
    if reason.chars().count() > MAX_REASON {
        return Err(invalid("reason", "at most 200 characters"));
    }
    if req.suspended == Some(true) && reason.is_empty() {
        return Err(invalid("reason", "a reason is required to suspend a shop"));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let Some(before) = users::shop_state(&mut tx, shop).await? else {
        return Err(ErrorCode::NotFound.into());
    };
    let (old_name, was_suspended) = (before.name, before.suspended);
    let suspended = req.suspended.unwrap_or(was_suspended != 0);
    let new_name = name.clone().unwrap_or_else(|| old_name.clone());
    users::update_shop(&mut tx, shop, &new_name, suspended).await?;
    let action = match req.suspended {
        Some(true) => "shop_suspend",
        Some(false) => "shop_resume",
        None => "shop_rename",
    };
    let mut details = json!({"suspended_before": was_suspended != 0, "suspended": suspended});
    if name.is_some() {
        details["name_before"] = json!(old_name);
        details["name"] = json!(new_name);
    }
    if !reason.is_empty() {
        details["reason"] = json!(reason);
    }
    let ev = user.event(shop, action, details);
    audit::append(&mut tx, now, &ev).await?;
    let out = summary(&mut tx, &day_of(now), shop).await?;
    tx.commit().await?;
    Ok(out)
}

/// A shop's owner and staff accounts.
pub async fn users(state: &AppState, user: &User, shop: &str) -> AppResult<Vec<ShopUser>> {
    require_admin(user)?;
    if !users::shop_exists(&state.db.pool, shop).await? {
        return Err(ErrorCode::NotFound.into());
    }
    let rows = users::shop_users(&state.db.pool, shop).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let role = Role::parse(&r.role)?;
            let permissions = if role == Role::Owner { Permission::ALL.to_vec() } else { parse_permissions(&r.permissions) };
            Some(ShopUser { id: r.id, username: r.username, role, permissions, disabled: r.disabled != 0, created_at: rfc3339(r.created_at) })
        })
        .collect())
}

/// Set a shop owner's password (an owner who lost theirs); the owner's sessions end. Staff
/// passwords are their owner's to reset (`POST /api/v1/staff/{id}/password`): a staff
/// account, or an account of another shop, is NOT_FOUND here.
pub async fn reset_owner(state: &AppState, user: &User, shop: &str, id: i64, req: StaffPasswordReset) -> AppResult<PasswordChanged> {
    require_admin(user)?;
    // Existence first, so a wrong id costs no hashing.
    let username = users::shop_owner(&mut *state.db.pool.acquire().await?, shop, id).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    auth::check_new_password(&username, &req.password)?;
    let password_hash = auth::hash(req.password).await?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    users::shop_owner(&mut tx, shop, id).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    users::set_password_hash(&mut tx, id, &password_hash).await?;
    let sessions_ended = sessions::delete_for_user(&mut tx, id).await?;
    audit::append(&mut tx, now, &user.event(shop, "owner_password_reset", json!({"owner_id": id, "username": username, "sessions_ended": sessions_ended}))).await?;
    tx.commit().await?;
    Ok(PasswordChanged { sessions_ended })
}

/// Create a platform admin account (`orderveil admin create`): how a real install gets its
/// first admin, and any further one. The password rules apply; the creation is audited on the
/// platform chain (actor `cli`).
pub async fn create_admin(state: &AppState, username: &str, password: String) -> AppResult<i64> {
    if !valid_username(username) {
        return Err(invalid("username", "[a-z0-9_-]{3,32}"));
    }
    auth::check_new_password(username, &password)?;
    let password_hash = auth::hash(password).await?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    if users::id_by_name(&mut tx, username).await?.is_some() {
        return Err(ErrorCode::UsernameTaken.into());
    }
    let id = users::insert_admin(&mut tx, username, &password_hash, now)
        .await
        .map_err(|e| if users::is_unique_violation(&e) { AppError::new(ErrorCode::UsernameTaken) } else { e.into() })?;
    let mut ev = audit::Event::new("cli", None, None, "admin_create", "ok");
    ev.details = json!({"admin_id": id, "username": username});
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(id)
}

/// Whether the store has a platform admin (`serve` says how to make one when it has not).
pub async fn has_admin(state: &AppState) -> AppResult<bool> {
    Ok(users::admin_exists(&state.db.pool).await?)
}

/// Every shop with its owners, staff count, stored orders and today's reveals (platform admins).
#[utoipa::path(get, path = "/api/v1/admin/shops", responses((status = 200, body = Vec<ShopSummary>), (status = 403, body = ApiError)))]
pub async fn list_shops(State(state): State<AppState>, user: User) -> AppResult<Json<Vec<ShopSummary>>> {
    list(&state, &user).await.map(Json)
}

/// Create a shop and its owner account (platform admins).
#[utoipa::path(post, path = "/api/v1/admin/shops", request_body = ShopCreate,
    responses((status = 200, body = ShopSummary), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_shop(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<ShopCreate>) -> AppResult<Json<ShopSummary>> {
    create(&state, &user, req).await.map(Json)
}

/// Rename, suspend (with a reason) or resume a shop (platform admins). A suspended shop's
/// reveals are refused with `SHOP_SUSPENDED`.
#[utoipa::path(post, path = "/api/v1/admin/shops/{shop_id}", params(("shop_id" = String, Path)), request_body = ShopUpdate,
    responses((status = 200, body = ShopSummary), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn update_shop(State(state): State<AppState>, user: User, ApiPath(shop): ApiPath<String>, ApiJson(req): ApiJson<ShopUpdate>) -> AppResult<Json<ShopSummary>> {
    update(&state, &user, &shop, req).await.map(Json)
}

/// A shop's owner and staff accounts (platform admins).
#[utoipa::path(get, path = "/api/v1/admin/shops/{shop_id}/users", params(("shop_id" = String, Path)),
    responses((status = 200, body = Vec<ShopUser>), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn list_shop_users(State(state): State<AppState>, user: User, ApiPath(shop): ApiPath<String>) -> AppResult<Json<Vec<ShopUser>>> {
    users(&state, &user, &shop).await.map(Json)
}

/// Reset a shop owner's password (platform admins); the owner's sessions end.
#[utoipa::path(post, path = "/api/v1/admin/shops/{shop_id}/users/{id}/password", params(("shop_id" = String, Path), ("id" = i64, Path)), request_body = StaffPasswordReset,
    responses((status = 200, body = PasswordChanged), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn reset_owner_password(
    State(state): State<AppState>,
    user: User,
    ApiPath((shop, id)): ApiPath<(String, i64)>,
    ApiJson(req): ApiJson<StaffPasswordReset>,
) -> AppResult<Json<PasswordChanged>> {
    reset_owner(&state, &user, &shop, id, req).await.map(Json)
}

/// The platform's quota and risk rules in force (platform admins).
#[utoipa::path(get, path = "/api/v1/admin/settings", responses((status = 200, body = PlatformSettings), (status = 403, body = ApiError)))]
pub async fn get_settings(State(state): State<AppState>, user: User) -> AppResult<Json<PlatformSettings>> {
    require_admin(&user)?;
    crate::platform::get(&state.db).await.map(Json)
}

/// Change the platform's quota and risk rules (platform admins); applies to the next reveal
/// in every server process. `SETTINGS_CHANGED` if someone saved since `expected_version`.
#[utoipa::path(put, path = "/api/v1/admin/settings", request_body = PlatformSettingsUpdate,
    responses((status = 200, body = PlatformSettings), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn put_settings(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<PlatformSettingsUpdate>) -> AppResult<Json<PlatformSettings>> {
    require_admin(&user)?;
    crate::platform::update(&state.db, state.now(), &user.info, req).await.map(Json)
}

/// Disable or re-enable a third-party app (platform admins); its tokens stop at once.
#[utoipa::path(post, path = "/api/v1/isv-apps/{app_id}", params(("app_id" = String, Path)), request_body = IsvAppUpdate,
    responses((status = 200, body = IsvApp), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn update_isv_app(State(state): State<AppState>, user: User, ApiPath(app_id): ApiPath<String>, ApiJson(req): ApiJson<IsvAppUpdate>) -> AppResult<Json<IsvApp>> {
    crate::isv::set_disabled(&state, &user, &app_id, req.disabled).await.map(Json)
}

/// The OpenAPI paths of the admin console.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_shops, create_shop, update_shop, list_shop_users, reset_owner_password, get_settings, put_settings, update_isv_app),
    components(schemas(ShopSummary, ShopCreate, ShopUpdate, ShopUser, PlatformSettings, PlatformSettingsUpdate, IsvAppUpdate))
)]
pub struct AdminDoc;
