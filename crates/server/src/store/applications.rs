//! Quota raise applications (the platform's approval queue), the extras an approval
//! inserts, and the figures an admin reviews them with.

use sqlx::{Any, AnyConnection, Executor};

use super::{Stmt, Val};

crate::row_struct! {
    /// An application with its shop's name.
    #[allow(missing_docs)] // the columns of the same name
    pub struct ApplicationRow {
        pub id: i64,
        pub shop_id: String,
        pub shop_name: String,
        pub per_day: i64,
        pub reason: String,
        pub description: String,
        pub start_day: String,
        pub end_day: Option<String>,
        pub long_term: i64,
        pub status: String,
        pub applied_by: String,
        pub created_at: i64,
        pub decided_by: Option<String>,
        pub decided_at: Option<i64>,
        pub comment: Option<String>,
    }
}

crate::row_struct! {
    /// An approved extra.
    #[allow(missing_docs)] // the columns of the same name
    pub struct ExtraRow { pub application_id: Option<i64>, pub per_day: i64, pub start_day: String, pub end_day: String, pub reason: String }
}

const SELECT: &str = "SELECT a.id AS id, a.shop_id AS shop_id, s.name AS shop_name, a.per_day AS per_day, a.reason AS reason, a.description AS description, \
                      a.start_day AS start_day, a.end_day AS end_day, a.long_term AS long_term, a.status AS status, a.applied_by AS applied_by, \
                      a.created_at AS created_at, a.decided_by AS decided_by, a.decided_at AS decided_at, a.comment AS comment \
                      FROM quota_applications a JOIN shops s ON s.shop_id = a.shop_id";

/// Application `id`.
pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<ApplicationRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} WHERE a.id = $1")).bind(id).fetch_optional(conn).await
}

/// A new, pending application.
#[derive(Debug)]
pub struct NewApplication<'a> {
    /// The shop.
    pub shop_id: &'a str,
    /// Extra reveals per day.
    pub per_day: i64,
    /// The reason's name.
    pub reason: &'a str,
    /// Description.
    pub description: &'a str,
    /// First day.
    pub start_day: &'a str,
    /// Last day (none for long-term).
    pub end_day: Option<&'a str>,
    /// Long-term?
    pub long_term: bool,
    /// Applicant's user name.
    pub applied_by: &'a str,
    /// Applicant's id.
    pub applied_by_id: i64,
    /// When.
    pub created_at: i64,
}

/// Insert a pending application; returns its id.
pub async fn insert(conn: &mut AnyConnection, a: &NewApplication<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO quota_applications (shop_id, per_day, reason, description, start_day, end_day, long_term, status, applied_by, applied_by_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10) RETURNING id",
    )
    .bind(a.shop_id)
    .bind(a.per_day)
    .bind(a.reason)
    .bind(a.description)
    .bind(a.start_day)
    .bind(a.end_day)
    .bind(i64::from(a.long_term))
    .bind(a.applied_by)
    .bind(a.applied_by_id)
    .bind(a.created_at)
    .fetch_one(conn)
    .await
}

/// Withdraw `shop`'s application `id` if still pending; returns the rows changed.
pub async fn withdraw(conn: &mut AnyConnection, id: i64, shop: &str, by: &str, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE quota_applications SET status = 'withdrawn', decided_by = $1, decided_at = $2 WHERE id = $3 AND shop_id = $4 AND status = 'pending'")
        .bind(by)
        .bind(now)
        .bind(id)
        .bind(shop)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Approve or reject application `id` (`status`) if still pending; returns the rows changed.
pub async fn decide(conn: &mut AnyConnection, id: i64, status: &str, by: &str, now: i64, comment: Option<&str>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE quota_applications SET status = $1, decided_by = $2, decided_at = $3, comment = $4 WHERE id = $5 AND status = 'pending'")
        .bind(status)
        .bind(by)
        .bind(now)
        .bind(comment)
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Insert the approved extra of application `application_id`; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert_extra(conn: &mut AnyConnection, shop: &str, per_day: i64, start_day: &str, end_day: &str, reason: &str, now: i64, application_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO quota_extras (shop_id, per_day, start_day, end_day, status, reason, created_at, application_id) \
         VALUES ($1, $2, $3, $4, 'approved', $5, $6, $7) RETURNING id",
    )
    .bind(shop)
    .bind(per_day)
    .bind(start_day)
    .bind(end_day)
    .bind(reason)
    .bind(now)
    .bind(application_id)
    .fetch_one(conn)
    .await
}

/// Up to `limit` applications, of `shop` and/or in stored `status` if given; oldest first
/// for a queue, else newest first.
pub async fn list(conn: &mut AnyConnection, shop: Option<&str>, status: Option<&str>, oldest_first: bool, limit: i64) -> Result<Vec<ApplicationRow>, sqlx::Error> {
    let mut st = Stmt::new(conn, &format!("{SELECT} WHERE 1 = 1"));
    if let Some(s) = shop {
        st.sql(" AND a.shop_id = ").arg(Val::S(s.to_string()));
    }
    if let Some(s) = status {
        st.sql(" AND a.status = ").arg(Val::S(s.to_string()));
    }
    st.sql(if oldest_first { " ORDER BY a.id ASC" } else { " ORDER BY a.id DESC" });
    st.sql(&format!(" LIMIT {limit}"));
    st.fetch_all(conn).await
}

/// `shop`'s charged reveals on the days `from_day..=to_day`.
pub async fn reveals_between<'e, E: Executor<'e, Database = Any>>(ex: E, shop: &str, from_day: &str, to_day: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT CAST(COALESCE(SUM(used), 0) AS BIGINT) FROM quota_days WHERE shop_id = $1 AND day >= $2 AND day <= $3")
        .bind(shop)
        .bind(from_day)
        .bind(to_day)
        .fetch_one(ex)
        .await
}

/// How many applications `shop` made before application `id`.
pub async fn earlier_applications<'e, E: Executor<'e, Database = Any>>(ex: E, shop: &str, id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM quota_applications WHERE shop_id = $1 AND id < $2").bind(shop).bind(id).fetch_one(ex).await
}

/// The approved extras of `shop` covering `day`, oldest first.
pub async fn active_extras<'e, E: Executor<'e, Database = Any>>(ex: E, shop: &str, day: &str) -> Result<Vec<ExtraRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT application_id, per_day, start_day, end_day, reason FROM quota_extras \
         WHERE shop_id = $1 AND status = 'approved' AND start_day <= $2 AND end_day >= $2 ORDER BY id",
    )
    .bind(shop)
    .bind(day)
    .fetch_all(ex)
    .await
}
