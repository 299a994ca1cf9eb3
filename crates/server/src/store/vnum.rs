//! Virtual numbers: the pool and its bindings to orders (issue 19).

use sqlx::{Any, AnyConnection, Executor};

crate::row_struct! {
    /// A binding.
    #[allow(missing_docs)] // the columns of the same name
    pub struct BindingRow {
        pub id: i64,
        pub pool_id: i64,
        pub number: String,
        pub extension: String,
        pub order_id: String,
        pub shop_id: String,
        pub factory_id: Option<String>,
        pub requested_by: String,
        pub valid_from: i64,
        pub valid_to: Option<i64>,
        pub released_at: Option<i64>,
    }
}

const BINDING_COLUMNS: &str = "id, pool_id, number, extension, order_id, shop_id, factory_id, requested_by, valid_from, valid_to, released_at";

/// Add `(number, extension)` entries the pool lacks; returns how many were new.
pub async fn add_entries(conn: &mut AnyConnection, entries: &[(String, String)], now: i64) -> Result<u64, sqlx::Error> {
    let mut added = 0;
    for (n, e) in entries {
        added += sqlx::query("INSERT INTO virtual_numbers (number, extension, added_at) VALUES ($1, $2, $3) ON CONFLICT (number, extension) DO NOTHING")
            .bind(n)
            .bind(e)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(added)
}

/// Pool entries: (total, free).
pub async fn pool_size<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(CASE WHEN binding_id IS NULL THEN 1 ELSE 0 END), 0) FROM virtual_numbers").fetch_one(ex).await
}

/// Take a free pool entry (`FOR UPDATE SKIP LOCKED` on PostgreSQL); `None` when the pool is
/// exhausted. The caller binds it in the same transaction.
pub async fn take_free(conn: &mut AnyConnection, postgres: bool) -> Result<Option<(i64, String, String)>, sqlx::Error> {
    let lock = if postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    sqlx::query_as(&format!("SELECT id, number, extension FROM virtual_numbers WHERE binding_id IS NULL ORDER BY id LIMIT 1{lock}")).fetch_optional(conn).await
}

/// A new live binding of pool entry `pool` to an order; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn bind(
    conn: &mut AnyConnection,
    pool: (i64, &str, &str),
    order_id: &str,
    shop_id: &str,
    factory_id: Option<&str>,
    by: &str,
    now: i64,
    valid_to: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO virtual_number_bindings (pool_id, number, extension, order_id, shop_id, factory_id, requested_by, valid_from, valid_to) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(pool.0)
    .bind(pool.1)
    .bind(pool.2)
    .bind(order_id)
    .bind(shop_id)
    .bind(factory_id)
    .bind(by)
    .bind(now)
    .bind(valid_to)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE virtual_numbers SET binding_id = $1 WHERE id = $2 AND binding_id IS NULL").bind(id).bind(pool.0).execute(conn).await?;
    Ok(id)
}

/// The live binding of an order.
pub async fn live_of_order(conn: &mut AnyConnection, order_id: &str) -> Result<Option<BindingRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {BINDING_COLUMNS} FROM virtual_number_bindings WHERE order_id = $1 AND released_at IS NULL")).bind(order_id).fetch_optional(conn).await
}

/// The live binding of a number and extension.
pub async fn live_of_number(conn: &mut AnyConnection, number: &str, extension: &str) -> Result<Option<BindingRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {BINDING_COLUMNS} FROM virtual_number_bindings WHERE number = $1 AND extension = $2 AND released_at IS NULL"))
        .bind(number)
        .bind(extension)
        .fetch_optional(conn)
        .await
}

/// The days a binding lasts after completion (a platform setting).
pub async fn days<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT virtual_number_days FROM platform_settings WHERE id = 1").fetch_one(ex).await
}

/// Set the end of live bindings whose order completed (completion + `days`), then release
/// every live binding that ended by `now` or whose order was cancelled or closed, freeing
/// its pool entry. Returns the released bindings' (id, shop, order).
pub async fn release_ended(conn: &mut AnyConnection, now: i64, days: i64) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query(
        "UPDATE virtual_number_bindings SET valid_to = (SELECT o.completed_at + $1 FROM orders o WHERE o.order_id = virtual_number_bindings.order_id) \
         WHERE released_at IS NULL AND valid_to IS NULL AND EXISTS (SELECT 1 FROM orders o WHERE o.order_id = virtual_number_bindings.order_id AND o.completed_at IS NOT NULL)",
    )
    .bind(days * 86_400)
    .execute(&mut *conn)
    .await?;
    let ended: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT b.id, b.shop_id, b.order_id FROM virtual_number_bindings b LEFT JOIN orders o ON o.order_id = b.order_id \
         WHERE b.released_at IS NULL AND ((b.valid_to IS NOT NULL AND b.valid_to <= $1) OR o.status IN ('cancelled', 'closed') OR o.wrapped_dek IS NULL)",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    for (id, _, _) in &ended {
        sqlx::query("UPDATE virtual_number_bindings SET released_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *conn).await?;
        sqlx::query("UPDATE virtual_numbers SET binding_id = NULL WHERE binding_id = $1").bind(id).execute(&mut *conn).await?;
    }
    Ok(ended)
}
