//! ISV apps, their tokens, CORS origins and shop authorizations.

use sqlx::{Any, AnyConnection, Executor};

use super::Owner;

// ---------------------------------------------------------------------------------------
// Apps

crate::row_struct! {
    /// A registered app.
    #[allow(missing_docs)] // the columns of the same name
    pub struct AppRow { pub app_id: String, pub name: String, pub origins: String, pub disabled: i64, pub created_at: i64 }
}

crate::row_struct! {
    /// An app's secret digest and disabled flag.
    #[allow(missing_docs)] // the columns of the same name
    pub struct AppSecretRow { pub secret_hash: String, pub disabled: i64 }
}

const APP_COLUMNS: &str = "app_id, name, origins, disabled, created_at";

/// The `origins` column (JSON arrays) of every enabled app.
pub async fn enabled_origins<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT origins FROM isv_apps WHERE disabled = 0").fetch_all(ex).await
}

/// A new app.
#[derive(Debug)]
pub struct NewApp<'a> {
    /// `app_…`.
    pub app_id: &'a str,
    /// Display name.
    pub name: &'a str,
    /// SHA-256 of the secret, hex.
    pub secret_hash: &'a str,
    /// Web origins, a JSON array.
    pub origins: &'a str,
    /// The admin who registered it.
    pub created_by: i64,
    /// Registration time.
    pub created_at: i64,
}

/// Register an enabled app.
pub async fn insert_app(conn: &mut AnyConnection, app: &NewApp<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO isv_apps (app_id, name, secret_hash, origins, disabled, created_by, created_at) VALUES ($1, $2, $3, $4, 0, $5, $6)")
        .bind(app.app_id)
        .bind(app.name)
        .bind(app.secret_hash)
        .bind(app.origins)
        .bind(app.created_by)
        .bind(app.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// App `app_id`.
pub async fn app(conn: &mut AnyConnection, app_id: &str) -> Result<Option<AppRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM isv_apps WHERE app_id = $1")).bind(app_id).fetch_optional(conn).await
}

/// Disable or re-enable an app.
pub async fn set_app_disabled(conn: &mut AnyConnection, app_id: &str, disabled: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE isv_apps SET disabled = $1 WHERE app_id = $2").bind(i64::from(disabled)).bind(app_id).execute(conn).await?;
    Ok(())
}

/// Every app, or only the enabled ones, oldest first.
pub async fn apps<'e, E: Executor<'e, Database = Any>>(ex: E, enabled_only: bool) -> Result<Vec<AppRow>, sqlx::Error> {
    let sql = if enabled_only {
        format!("SELECT {APP_COLUMNS} FROM isv_apps WHERE disabled = 0 ORDER BY created_at, app_id")
    } else {
        format!("SELECT {APP_COLUMNS} FROM isv_apps ORDER BY created_at, app_id")
    };
    sqlx::query_as(&sql).fetch_all(ex).await
}

/// Is app `app_id` disabled? `None` if there is no such app.
pub async fn app_disabled(conn: &mut AnyConnection, app_id: &str) -> Result<Option<bool>, sqlx::Error> {
    let d: Option<i64> = sqlx::query_scalar("SELECT disabled FROM isv_apps WHERE app_id = $1").bind(app_id).fetch_optional(conn).await?;
    Ok(d.map(|d| d != 0))
}

/// An app's secret digest and disabled flag.
pub async fn app_secret(conn: &mut AnyConnection, app_id: &str) -> Result<Option<AppSecretRow>, sqlx::Error> {
    sqlx::query_as("SELECT secret_hash, disabled FROM isv_apps WHERE app_id = $1").bind(app_id).fetch_optional(conn).await
}

// ---------------------------------------------------------------------------------------
// Authorizations

crate::row_struct! {
    /// An authorization with its app's name.
    #[allow(missing_docs)] // the columns of the same name
    pub struct AuthorizationRow {
        pub id: i64,
        pub app_id: String,
        pub app_name: String,
        pub shop_id: Option<String>,
        pub factory_id: Option<String>,
        pub scopes: String,
        pub granted_by: String,
        pub created_at: i64,
        pub revoked_at: Option<i64>,
        pub purposes: String,
    }
}

crate::row_struct! {
    /// Which app an authorization is for, and whether it is revoked.
    #[allow(missing_docs)] // the columns of the same name
    pub struct AuthorizationStateRow { pub app_id: String, pub revoked_at: Option<i64> }
}

crate::row_struct! {
    /// A live authorization's id and scopes.
    #[allow(missing_docs)] // the columns of the same name
    pub struct LiveAuthorizationRow { pub id: i64, pub scopes: String }
}

const AUTH_SELECT: &str = "SELECT a.id AS id, a.app_id AS app_id, p.name AS app_name, a.shop_id AS shop_id, a.factory_id AS factory_id, a.scopes AS scopes, a.granted_by AS granted_by, \
                           a.created_at AS created_at, a.revoked_at AS revoked_at, a.purposes AS purposes \
                           FROM isv_authorizations a JOIN isv_apps p ON p.app_id = a.app_id";

/// Authorization `id`.
pub async fn authorization(conn: &mut AnyConnection, id: i64) -> Result<AuthorizationRow, sqlx::Error> {
    sqlx::query_as(&format!("{AUTH_SELECT} WHERE a.id = $1")).bind(id).fetch_one(conn).await
}

/// Every authorization (live and revoked), or only one shop's or factory's, newest first.
pub async fn authorizations<'e, E: Executor<'e, Database = Any>>(ex: E, owner: Option<Owner<'_>>) -> Result<Vec<AuthorizationRow>, sqlx::Error> {
    match owner {
        None => sqlx::query_as(&format!("{AUTH_SELECT} ORDER BY a.id DESC")).fetch_all(ex).await,
        Some(o) => sqlx::query_as(&format!("{AUTH_SELECT} WHERE a.{} = $1 ORDER BY a.id DESC", o.column())).bind(o.id()).fetch_all(ex).await,
    }
}

/// Revoke the live authorization of `app_id` for `owner`, if any.
pub async fn revoke_live(conn: &mut AnyConnection, app_id: &str, owner: Owner<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("UPDATE isv_authorizations SET revoked_at = $1 WHERE app_id = $2 AND {} = $3 AND revoked_at IS NULL", owner.column()))
        .bind(now)
        .bind(app_id)
        .bind(owner.id())
        .execute(conn)
        .await?;
    Ok(())
}

/// A new authorization.
#[derive(Debug)]
pub struct NewAuthorization<'a> {
    /// The app.
    pub app_id: &'a str,
    /// The shop or factory that authorizes it.
    pub owner: Owner<'a>,
    /// Comma-separated scopes.
    pub scopes: &'a str,
    /// Comma-separated reveal purposes.
    pub purposes: &'a str,
    /// The owner's user name.
    pub granted_by: &'a str,
    /// When.
    pub created_at: i64,
}

/// Insert a live authorization; returns its id.
pub async fn insert_authorization(conn: &mut AnyConnection, a: &NewAuthorization<'_>) -> Result<i64, sqlx::Error> {
    let (shop, factory) = a.owner.split();
    sqlx::query_scalar("INSERT INTO isv_authorizations (app_id, shop_id, factory_id, scopes, purposes, granted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(a.app_id)
        .bind(shop)
        .bind(factory)
        .bind(a.scopes)
        .bind(a.purposes)
        .bind(a.granted_by)
        .bind(a.created_at)
        .fetch_one(conn)
        .await
}

/// Authorization `id` of `owner`: its app and revocation.
pub async fn authorization_state(conn: &mut AnyConnection, id: i64, owner: Owner<'_>) -> Result<Option<AuthorizationStateRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT app_id, revoked_at FROM isv_authorizations WHERE id = $1 AND {} = $2", owner.column())).bind(id).bind(owner.id()).fetch_optional(conn).await
}

/// Revoke authorization `id` and delete its refresh tokens (its access tokens die with it,
/// checked on every request).
pub async fn revoke(conn: &mut AnyConnection, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE isv_authorizations SET revoked_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM isv_tokens WHERE authorization_id = $1 AND kind = 'refresh'").bind(id).execute(conn).await?;
    Ok(())
}

/// The live authorization of `app_id` for `owner`.
pub async fn live_authorization(conn: &mut AnyConnection, app_id: &str, owner: Owner<'_>) -> Result<Option<LiveAuthorizationRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT id, scopes FROM isv_authorizations WHERE app_id = $1 AND {} = $2 AND revoked_at IS NULL", owner.column()))
        .bind(app_id)
        .bind(owner.id())
        .fetch_optional(conn)
        .await
}

// ---------------------------------------------------------------------------------------
// Tokens

crate::row_struct! {
    /// An access token with its authorization and app, as every app request checks it.
    #[allow(missing_docs)] // the columns of the same name
    pub struct AccessTokenRow {
        pub kind: String,
        pub expires_at: i64,
        pub scopes: String,
        pub authorization_id: i64,
        pub shop_id: Option<String>,
        pub factory_id: Option<String>,
        pub factory_suspended: i64,
        pub revoked_at: Option<i64>,
        pub app_id: String,
        pub app_name: String,
        pub origins: String,
        pub disabled: i64,
        pub purposes: String,
    }
}

crate::row_struct! {
    /// A refresh token with its authorization.
    #[allow(missing_docs)] // the columns of the same name
    pub struct RefreshTokenRow {
        pub token_hash: String,
        pub expires_at: i64,
        pub scopes: String,
        pub authorization_id: i64,
        pub app_id: String,
        pub shop_id: Option<String>,
        pub factory_id: Option<String>,
        pub revoked_at: Option<i64>,
    }
}

/// The token whose digest is `token_hash`, with its authorization and app.
pub async fn access_token<'e, E: Executor<'e, Database = Any>>(ex: E, token_hash: &str) -> Result<Option<AccessTokenRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.kind AS kind, t.expires_at AS expires_at, t.scopes AS scopes, a.id AS authorization_id, a.shop_id AS shop_id, a.factory_id AS factory_id, \
         COALESCE(f.suspended, 0) AS factory_suspended, a.revoked_at AS revoked_at, \
         p.app_id AS app_id, p.name AS app_name, p.origins AS origins, p.disabled AS disabled, a.purposes AS purposes \
         FROM isv_tokens t JOIN isv_authorizations a ON a.id = t.authorization_id JOIN isv_apps p ON p.app_id = a.app_id \
         LEFT JOIN factories f ON f.factory_id = a.factory_id \
         WHERE t.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(ex)
    .await
}

/// The refresh token whose digest is `token_hash`, with its authorization.
pub async fn refresh_token(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<RefreshTokenRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.token_hash AS token_hash, t.expires_at AS expires_at, t.scopes AS scopes, a.id AS authorization_id, a.app_id AS app_id, \
         a.shop_id AS shop_id, a.factory_id AS factory_id, a.revoked_at AS revoked_at \
         FROM isv_tokens t JOIN isv_authorizations a ON a.id = t.authorization_id WHERE t.token_hash = $1 AND t.kind = 'refresh'",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

/// Delete the token whose digest is `token_hash`; returns the rows deleted.
pub async fn delete_token(conn: &mut AnyConnection, token_hash: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM isv_tokens WHERE token_hash = $1").bind(token_hash).execute(conn).await?.rows_affected())
}

/// Delete an authorization's tokens that expired by `now`.
pub async fn delete_expired_tokens(conn: &mut AnyConnection, authorization_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM isv_tokens WHERE authorization_id = $1 AND expires_at <= $2").bind(authorization_id).bind(now).execute(conn).await?;
    Ok(())
}

/// Store a token's digest.
pub async fn insert_token(conn: &mut AnyConnection, token_hash: &str, kind: &str, authorization_id: i64, scopes: &str, created_at: i64, expires_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO isv_tokens (token_hash, kind, authorization_id, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(token_hash)
        .bind(kind)
        .bind(authorization_id)
        .bind(scopes)
        .bind(created_at)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Batch helpers

crate::row_struct! {
    /// An order's shop and wrapped key (the batch mask helper decrypts with it).
    #[allow(missing_docs)] // the columns of the same name
    pub struct OrderKeyRow { pub shop_id: String, pub kek_version: i64, pub wrapped_dek: Option<Vec<u8>> }
}

/// Order `order_id`'s shop and wrapped key.
pub async fn order_key<'e, E: Executor<'e, Database = Any>>(ex: E, order_id: &str) -> Result<Option<OrderKeyRow>, sqlx::Error> {
    sqlx::query_as("SELECT shop_id, kek_version, wrapped_dek FROM orders WHERE order_id = $1").bind(order_id).fetch_optional(ex).await
}
