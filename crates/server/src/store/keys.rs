//! What the store records of its keys: a check value per key (`key_checks`), and which key
//! versions its orders' data keys are wrapped under.

use sqlx::{Any, AnyConnection, Executor};

crate::row_struct! {
    /// A recorded key check value.
    #[allow(missing_docs)] // the columns of the same name
    pub struct KeyCheckRow {
        pub name: String,
        pub check_value: String,
    }
}

/// Every recorded check value.
pub async fn checks<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Vec<KeyCheckRow>, sqlx::Error> {
    sqlx::query_as("SELECT name, check_value FROM key_checks ORDER BY name").fetch_all(ex).await
}

/// Record a check value unless one of that name is recorded (the first process wins).
pub async fn insert_check(conn: &mut AnyConnection, name: &str, check_value: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO key_checks (name, check_value, recorded_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(check_value)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the store holds any order.
pub async fn has_orders<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, String>("SELECT order_id FROM orders LIMIT 1").fetch_optional(ex).await?.is_some())
}

crate::row_struct! {
    /// One order's wrapped data key, to try a master key on.
    #[allow(missing_docs)] // the columns of the same name
    pub struct DekSampleRow {
        pub order_id: String,
        pub kek_version: i64,
        pub wrapped_dek: Vec<u8>,
    }
}

/// One order per master key version in use (with a data key).
pub async fn dek_samples<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Vec<DekSampleRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.order_id AS order_id, o.kek_version AS kek_version, o.wrapped_dek AS wrapped_dek FROM orders o \
         JOIN (SELECT kek_version, MIN(order_id) AS order_id FROM orders WHERE wrapped_dek IS NOT NULL GROUP BY kek_version) s \
         ON s.order_id = o.order_id",
    )
    .fetch_all(ex)
    .await
}
