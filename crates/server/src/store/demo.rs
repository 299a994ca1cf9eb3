//! The seeded demo data: its shops, its factory and its users (its orders go through the
//! ingest path).

use sqlx::AnyPool;

/// Create or rename a demo shop.
pub async fn upsert_shop(pool: &AnyPool, shop: &str, name: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO shops (shop_id, name, suspended, created_at) VALUES ($1, $2, 0, $3) ON CONFLICT (shop_id) DO UPDATE SET name = $2")
        .bind(shop)
        .bind(name)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

/// Create a demo factory unless it exists.
pub async fn ensure_factory(pool: &AnyPool, id: &str, name: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO factories (factory_id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (factory_id) DO NOTHING")
        .bind(id)
        .bind(name)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

/// Does a user of this name exist?
pub async fn user_exists(pool: &AnyPool, username: &str) -> Result<bool, sqlx::Error> {
    let row: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(username).fetch_optional(pool).await?;
    Ok(row.is_some())
}

/// A demo user to create.
pub struct NewUser<'a> {
    /// Login name.
    pub username: &'a str,
    /// Argon2 hash of the password.
    pub password_hash: &'a str,
    /// Role name.
    pub role: &'a str,
    /// Shop, for shop users.
    pub shop_id: Option<&'a str>,
    /// Factory, for factory users.
    pub factory_id: Option<&'a str>,
    /// Comma-separated permissions.
    pub permissions: &'a str,
}

/// Create a user (enabled).
pub async fn insert_user(pool: &AnyPool, u: &NewUser<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO users (username, password_hash, role, shop_id, factory_id, permissions, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7)")
        .bind(u.username)
        .bind(u.password_hash)
        .bind(u.role)
        .bind(u.shop_id)
        .bind(u.factory_id)
        .bind(u.permissions)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}
