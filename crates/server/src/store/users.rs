//! Shops and users (owners, staff, admins, factories): log-in lookups, the admin console's
//! shop summaries and accounts, staff sub-accounts.

use sqlx::{Any, AnyConnection, Executor};

/// Is `e` a unique-constraint violation (a concurrent insert of the same key; PostgreSQL —
/// SQLite writers serialize)?
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

crate::row_struct! {
    /// What a log-in checks.
    #[allow(missing_docs)] // the columns of the same name
    pub struct LoginRow { pub id: i64, pub password_hash: String, pub shop_id: Option<String>, pub disabled: i64 }
}

/// The log-in facts of `username`.
pub async fn login_row<'e, E: Executor<'e, Database = Any>>(ex: E, username: &str) -> Result<Option<LoginRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, password_hash, shop_id, disabled FROM users WHERE username = $1").bind(username).fetch_optional(ex).await
}

/// The id of the user named `username`, if any.
pub async fn id_by_name(conn: &mut AnyConnection, username: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(username).fetch_optional(conn).await
}

/// A new account.
#[derive(Debug)]
pub struct NewUser<'a> {
    /// Login name.
    pub username: &'a str,
    /// Argon2 hash.
    pub password_hash: &'a str,
    /// `owner` or `staff`.
    pub role: &'a str,
    /// The shop.
    pub shop_id: &'a str,
    /// Comma-separated permissions (empty for owners).
    pub permissions: &'a str,
    /// Creation time.
    pub created_at: i64,
}

/// Insert an enabled shop account; returns its id.
pub async fn insert(conn: &mut AnyConnection, u: &NewUser<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, role, shop_id, factory_id, permissions, disabled, created_at) \
         VALUES ($1, $2, $3, $4, NULL, $5, 0, $6) RETURNING id",
    )
    .bind(u.username)
    .bind(u.password_hash)
    .bind(u.role)
    .bind(u.shop_id)
    .bind(u.permissions)
    .bind(u.created_at)
    .fetch_one(conn)
    .await
}

// ---------------------------------------------------------------------------------------
// Shops (admin console)

crate::row_struct! {
    /// A shop with its figures: stored orders, today's charges, staff count.
    #[allow(missing_docs)] // the columns of the same name
    pub struct ShopSummaryRow { pub shop_id: String, pub name: String, pub suspended: i64, pub created_at: i64, pub orders: i64, pub used_today: i64, pub staff: i64 }
}

crate::row_struct! {
    /// An owner of a shop.
    #[allow(missing_docs)] // the columns of the same name
    pub struct ShopOwnerRow { pub shop_id: String, pub username: String }
}

crate::row_struct! {
    /// A shop's name and suspension flag.
    #[allow(missing_docs)] // the columns of the same name
    pub struct ShopStateRow { pub name: String, pub suspended: i64 }
}

crate::row_struct! {
    /// An owner or staff account of a shop.
    #[allow(missing_docs)] // the columns of the same name
    pub struct ShopUserRow { pub id: i64, pub username: String, pub role: String, pub permissions: String, pub disabled: i64, pub created_at: i64 }
}

/// The summary columns, joined per shop: stored orders, today's charges, staff count.
const SUMMARY_SQL: &str = "SELECT s.shop_id AS shop_id, s.name AS name, s.suspended AS suspended, s.created_at AS created_at, \
       COALESCE((SELECT CAST(SUM(c.n) AS BIGINT) FROM shop_order_counts c WHERE c.shop_id = s.shop_id), 0) AS orders, \
       COALESCE((SELECT q.used FROM quota_days q WHERE q.shop_id = s.shop_id AND q.day = $1), 0) AS used_today, \
       (SELECT COUNT(*) FROM users u WHERE u.shop_id = s.shop_id AND u.role = 'staff') AS staff \
     FROM shops s";

/// Every shop's summary on `day` (oldest first), or only `shop`'s.
pub async fn shop_summaries(conn: &mut AnyConnection, day: &str, shop: Option<&str>) -> Result<Vec<ShopSummaryRow>, sqlx::Error> {
    match shop {
        Some(s) => sqlx::query_as(&format!("{SUMMARY_SQL} WHERE s.shop_id = $2")).bind(day).bind(s).fetch_all(conn).await,
        None => sqlx::query_as(&format!("{SUMMARY_SQL} ORDER BY s.created_at, s.shop_id")).bind(day).fetch_all(conn).await,
    }
}

/// Every shop owner, by account id.
pub async fn shop_owners(conn: &mut AnyConnection) -> Result<Vec<ShopOwnerRow>, sqlx::Error> {
    sqlx::query_as("SELECT shop_id, username FROM users WHERE role = 'owner' AND shop_id IS NOT NULL ORDER BY id").fetch_all(conn).await
}

/// Does `shop` exist?
pub async fn shop_exists<'e, E: Executor<'e, Database = Any>>(ex: E, shop: &str) -> Result<bool, sqlx::Error> {
    let found: Option<String> = sqlx::query_scalar("SELECT shop_id FROM shops WHERE shop_id = $1").bind(shop).fetch_optional(ex).await?;
    Ok(found.is_some())
}

/// Insert an active shop.
pub async fn insert_shop(conn: &mut AnyConnection, shop: &str, name: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO shops (shop_id, name, suspended, created_at) VALUES ($1, $2, 0, $3)").bind(shop).bind(name).bind(now).execute(conn).await?;
    Ok(())
}

/// A shop's name and suspension flag.
pub async fn shop_state(conn: &mut AnyConnection, shop: &str) -> Result<Option<ShopStateRow>, sqlx::Error> {
    sqlx::query_as("SELECT name, suspended FROM shops WHERE shop_id = $1").bind(shop).fetch_optional(conn).await
}

/// Set a shop's name and suspension flag.
pub async fn update_shop(conn: &mut AnyConnection, shop: &str, name: &str, suspended: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE shops SET name = $1, suspended = $2 WHERE shop_id = $3").bind(name).bind(i64::from(suspended)).bind(shop).execute(conn).await?;
    Ok(())
}

/// A shop's owner and staff accounts, owners first.
pub async fn shop_users<'e, E: Executor<'e, Database = Any>>(ex: E, shop: &str) -> Result<Vec<ShopUserRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, username, role, permissions, disabled, created_at FROM users WHERE shop_id = $1 AND role IN ('owner', 'staff') \
         ORDER BY CASE role WHEN 'owner' THEN 0 ELSE 1 END, id",
    )
    .bind(shop)
    .fetch_all(ex)
    .await
}

/// The owner account `id` of `shop`, if it is one: its user name.
pub async fn shop_owner(conn: &mut AnyConnection, shop: &str, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT username FROM users WHERE id = $1 AND role = 'owner' AND shop_id = $2").bind(id).bind(shop).fetch_optional(conn).await
}

/// Insert a platform admin account; returns its id.
pub async fn insert_admin(conn: &mut AnyConnection, username: &str, password_hash: &str, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, role, shop_id, factory_id, permissions, disabled, created_at) \
         VALUES ($1, $2, 'admin', NULL, NULL, '', 0, $3) RETURNING id",
    )
    .bind(username)
    .bind(password_hash)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Whether any platform admin account exists.
pub async fn admin_exists<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE role = 'admin' LIMIT 1").fetch_optional(ex).await?.is_some())
}

// ---------------------------------------------------------------------------------------
// Staff

crate::row_struct! {
    /// A staff account.
    #[allow(missing_docs)] // the columns of the same name
    pub struct StaffRow { pub id: i64, pub username: String, pub permissions: String, pub disabled: i64, pub created_at: i64 }
}

const STAFF_COLUMNS: &str = "id, username, permissions, disabled, created_at";

/// Staff account `id` of `shop`, if it is one.
pub async fn staff_member(conn: &mut AnyConnection, shop: &str, id: i64) -> Result<Option<StaffRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {STAFF_COLUMNS} FROM users WHERE id = $1 AND role = 'staff' AND shop_id = $2")).bind(id).bind(shop).fetch_optional(conn).await
}

/// The staff accounts of `shop`, by id.
pub async fn staff_of<'e, E: Executor<'e, Database = Any>>(ex: E, shop: &str) -> Result<Vec<StaffRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {STAFF_COLUMNS} FROM users WHERE role = 'staff' AND shop_id = $1 ORDER BY id")).bind(shop).fetch_all(ex).await
}

/// Set an account's permissions and disabled flag.
pub async fn set_access(conn: &mut AnyConnection, id: i64, permissions: &str, disabled: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET permissions = $1, disabled = $2 WHERE id = $3").bind(permissions).bind(i64::from(disabled)).bind(id).execute(conn).await?;
    Ok(())
}

/// Set an account's password hash.
pub async fn set_password_hash(conn: &mut AnyConnection, id: i64, password_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(password_hash).bind(id).execute(conn).await?;
    Ok(())
}
