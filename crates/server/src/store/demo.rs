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

// ---------------------------------------------------------------------------------------
// The demo's past (crate::demo_history)

/// Whether the shop has any reveal charge (its history was seeded, or it was used).
pub async fn has_reveal_history(conn: &mut sqlx::AnyConnection, shop: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, String>("SELECT order_id FROM reveal_charges WHERE shop_id = $1 LIMIT 1").bind(shop).fetch_optional(conn).await?.is_some())
}

crate::row_struct! {
    /// An order as the history sees it.
    #[allow(missing_docs)] // the columns of the same name
    pub struct HistoryOrder { pub order_id: String, pub created_at: i64, pub status: String, pub receiver_key: String }
}

/// The shop's orders created since `since`, oldest first.
pub async fn history_orders(conn: &mut sqlx::AnyConnection, shop: &str, since: i64) -> Result<Vec<HistoryOrder>, sqlx::Error> {
    sqlx::query_as("SELECT order_id, created_at, status, receiver_key FROM orders WHERE shop_id = $1 AND created_at >= $2 ORDER BY created_at, order_id")
        .bind(shop)
        .bind(since)
        .fetch_all(conn)
        .await
}

/// The shop's accounts that may reveal (the owner, staff with `reveal`): `(id, name)`.
pub async fn revealers(conn: &mut sqlx::AnyConnection, shop: &str) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, username, role FROM users WHERE shop_id = $1 AND (role = 'owner' OR permissions LIKE '%reveal%') ORDER BY id").bind(shop).fetch_all(conn).await
}

/// A past day's quota row.
pub async fn insert_quota_day(conn: &mut sqlx::AnyConnection, shop: &str, day: &str, used: i64, base: i64, orders_30d: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO quota_days (shop_id, day, used, base, orders_30d) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shop_id, day) DO NOTHING")
        .bind(shop)
        .bind(day)
        .bind(used)
        .bind(base)
        .bind(orders_30d)
        .execute(conn)
        .await?;
    Ok(())
}

/// A past day's reveal charges: `(order, at, user)`.
pub async fn insert_charges(conn: &mut sqlx::AnyConnection, shop: &str, day: &str, charged: &[(String, i64, i64)]) -> Result<(), sqlx::Error> {
    for (i, (order, at, user)) in charged.iter().enumerate() {
        sqlx::query("INSERT INTO reveal_charges (shop_id, day, order_id, grant_id, user_id, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING")
            .bind(shop)
            .bind(day)
            .bind(order)
            .bind(format!("demo-{day}-{i}"))
            .bind(user)
            .bind(at)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The shop's approved demo e-waybill account (SF); returns its id.
pub async fn demo_waybill_account(conn: &mut sqlx::AnyConnection, shop: &str, at: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO waybill_accounts (shop_id, carrier, outlet, sender_name, sender_phone, sender_address, status, balance, applied_by, created_at, decided_by, decided_at) \
         VALUES ($1, 'SF', '演示网点', '演示仓', '0571-88886666', '浙江省杭州市余杭区仓前街道仓储路1号', 'approved', 2000, $1, $2, 'admin', $2) RETURNING id",
    )
    .bind(shop)
    .bind(at)
    .fetch_one(conn)
    .await
}

/// A past shipment of an order: its carrier and tracking number, and, if by e-waybill
/// (`(account, shop, receiver_key)`), the printed and shipped waybill.
pub async fn ship_history(conn: &mut sqlx::AnyConnection, order: &str, carrier: &str, no: &str, at: i64, waybill: Option<(i64, &str, &str)>) -> Result<(), sqlx::Error> {
    if let Some((account, shop, receiver_key)) = waybill {
        sqlx::query(
            "INSERT INTO waybills (waybill_no, account_id, shop_id, carrier, receiver_key, status, print_count, allocated_by, allocated_at, printed_at, shipped_at) \
             VALUES ($1, $2, $3, $4, $5, 'shipped', 1, 'demo', $6, $7, $8)",
        )
        .bind(no)
        .bind(account)
        .bind(shop)
        .bind(carrier)
        .bind(receiver_key)
        .bind(at - 1800)
        .bind(at - 1200)
        .bind(at)
        .execute(&mut *conn)
        .await?;
        sqlx::query("INSERT INTO waybill_orders (waybill_no, order_id, live) VALUES ($1, $2, 0)").bind(no).bind(order).execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE orders SET carrier = $1, tracking_no = $2, shipped_at = $3 WHERE order_id = $4").bind(carrier).bind(no).bind(at).bind(order).execute(conn).await?;
    Ok(())
}
