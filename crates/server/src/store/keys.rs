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

crate::row_struct! {
    /// A master key version of the store and its state (`primary`, `active`, `retired`).
    #[allow(missing_docs)] // the columns of the same name
    pub struct KekVersionRow {
        pub version: i64,
        pub state: String,
        pub created_at: i64,
        pub retired_at: Option<i64>,
    }
}

/// Every master key version the store knows, oldest first.
pub async fn versions<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Vec<KekVersionRow>, sqlx::Error> {
    sqlx::query_as("SELECT version, state, created_at, retired_at FROM kek_versions ORDER BY version").fetch_all(ex).await
}

/// The primary version, read inside a write transaction. On PostgreSQL the row is locked
/// `FOR SHARE`, so `keys rotate` (which updates it) waits for the transactions that read it
/// and no data key wrapped under the old primary commits after the rotation; SQLite has one
/// writer at a time anyway.
pub async fn primary_for_write(conn: &mut AnyConnection) -> Result<Option<i64>, sqlx::Error> {
    let lock = if conn.backend_name().eq_ignore_ascii_case("sqlite") { "" } else { " FOR SHARE" };
    sqlx::query_scalar(&format!("SELECT version FROM kek_versions WHERE state = 'primary'{lock}")).fetch_optional(conn).await
}

/// Record `version` as the primary (the previous primary becomes `active`), adding it if new.
pub async fn make_primary(conn: &mut AnyConnection, version: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE kek_versions SET state = 'active' WHERE state = 'primary' AND version <> $1").bind(version).execute(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO kek_versions (version, state, created_at) VALUES ($1, 'primary', $2) \
         ON CONFLICT (version) DO UPDATE SET state = 'primary', retired_at = NULL",
    )
    .bind(version)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Record `version` as `active` unless the store knows it already.
pub async fn add_active(conn: &mut AnyConnection, version: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO kek_versions (version, state, created_at) VALUES ($1, 'active', $2) ON CONFLICT (version) DO NOTHING")
        .bind(version)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Mark an `active` version retired; false if it is not `active` (primary, retired or unknown).
pub async fn retire(conn: &mut AnyConnection, version: i64, now: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE kek_versions SET state = 'retired', retired_at = $2 WHERE version = $1 AND state = 'active'")
        .bind(version)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Data keys per master key version (shredded orders have none).
pub async fn dek_counts<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT kek_version, COUNT(*) FROM orders WHERE wrapped_dek IS NOT NULL GROUP BY kek_version ORDER BY kek_version").fetch_all(ex).await
}

/// Data keys wrapped under `version` (0 when it may be retired).
pub async fn dek_count<'e, E: Executor<'e, Database = Any>>(ex: E, version: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE kek_version = $1 AND wrapped_dek IS NOT NULL").bind(version).fetch_one(ex).await
}

/// The next `limit` data keys under `version` after order id `after`, in order-id order.
pub async fn deks_after<'e, E: Executor<'e, Database = Any>>(ex: E, version: i64, after: &str, limit: i64) -> Result<Vec<DekSampleRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT order_id, kek_version, wrapped_dek FROM orders WHERE kek_version = $1 AND wrapped_dek IS NOT NULL AND order_id > $2 \
         ORDER BY kek_version, order_id LIMIT $3",
    )
    .bind(version)
    .bind(after)
    .bind(limit)
    .fetch_all(ex)
    .await
}

/// Replace data keys re-wrapped under `to`: `(order id, old wrapped key under its version,
/// new wrapped key)`. A row changes only if it still holds the old key under the old version
/// (not shredded, not re-sealed meanwhile); returns the rows changed.
///
/// On SQLite one prepared single-row UPDATE per key, by primary key: an `UPDATE … FROM
/// (VALUES …)` there may be planned as a walk of every data key of the version (measured: 0.6 s
/// a batch at 1,000,000 orders). PostgreSQL gets one set-based statement per 1,000 rows.
pub async fn rewrap(conn: &mut AnyConnection, from: i64, to: i64, rows: &[(&str, &[u8], Vec<u8>)]) -> Result<u64, sqlx::Error> {
    let mut changed = 0;
    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        for (id, old, new) in rows {
            changed += sqlx::query("UPDATE orders SET kek_version = $1, wrapped_dek = $2 WHERE order_id = $3 AND kek_version = $4 AND wrapped_dek = $5")
                .bind(to)
                .bind(new.as_slice())
                .bind(*id)
                .bind(from)
                .bind(*old)
                .execute(&mut *conn)
                .await?
                .rows_affected();
        }
        return Ok(changed);
    }
    for chunk in rows.chunks(1000) {
        let mut st = super::Stmt::new(conn, "WITH v (order_id, old_dek, new_dek) AS (VALUES ");
        st.rows(chunk, |s, _| {
            s.slots(3);
        });
        st.sql(") UPDATE orders SET kek_version = ").slots(1).sql(", wrapped_dek = v.new_dek FROM v WHERE orders.order_id = v.order_id AND orders.kek_version = ").slots(1);
        st.sql(" AND orders.wrapped_dek = v.old_dek");
        let mut q = st.query()?;
        for (id, old, new) in chunk {
            q = q.bind(*id).bind(*old).bind(new.as_slice());
        }
        changed += q.bind(to).bind(from).execute(&mut *conn).await?.rows_affected();
    }
    Ok(changed)
}
