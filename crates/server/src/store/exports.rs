//! Ciphertext export jobs and the order rows they stream.

use sqlx::{AnyConnection, AnyPool};

use super::orders::OrderFilter;
use super::{NativeConnection, Stmt, Val};

crate::row_struct! {
    /// An export job as listed.
    pub struct JobRow {
        /// Job id (32 hex digits).
        pub id: String,
        /// `csv` or `xlsx`.
        pub format: String,
        /// Status.
        pub status: String,
        /// Rows the filter matched at creation.
        pub rows_total: i64,
        /// Rows the last download got to.
        pub rows_done: i64,
        /// Downloads started.
        pub downloads: i64,
        /// File name.
        pub filename: String,
        /// User name of the creator.
        pub created_by: String,
        /// Unix seconds.
        pub created_at: i64,
    }
}

crate::row_struct! {
    /// An export job with its stored (resolved) filter, as a download reads it.
    pub struct StoredJob {
        /// Job id (32 hex digits).
        pub id: String,
        /// `csv` or `xlsx`.
        pub format: String,
        /// Status.
        pub status: String,
        /// Rows the filter matched at creation.
        pub rows_total: i64,
        /// Rows the last download got to.
        pub rows_done: i64,
        /// Downloads started.
        pub downloads: i64,
        /// File name.
        pub filename: String,
        /// User name of the creator.
        pub created_by: String,
        /// Unix seconds.
        pub created_at: i64,
        /// The resolved filter (JSON).
        pub filter: String,
    }
}

impl StoredJob {
    /// The job and its stored filter.
    pub fn split(self) -> (JobRow, String) {
        let Self { id, format, status, rows_total, rows_done, downloads, filename, created_by, created_at, filter } = self;
        (JobRow { id, format, status, rows_total, rows_done, downloads, filename, created_by, created_at }, filter)
    }
}

const JOB_COLUMNS: &str = "id, format, status, rows_total, rows_done, downloads, filename, created_by, created_at";

/// The job `id` of `shop`, if any.
pub async fn job(pool: &AnyPool, id: &str, shop: &str) -> Result<Option<StoredJob>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {JOB_COLUMNS}, filter FROM exports WHERE id = $1 AND shop_id = $2")).bind(id).bind(shop).fetch_optional(pool).await
}

/// The shop's latest `limit` jobs, newest first.
pub async fn latest_jobs(pool: &AnyPool, shop: &str, limit: i64) -> Result<Vec<JobRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {JOB_COLUMNS} FROM exports WHERE shop_id = $1 ORDER BY seq DESC LIMIT $2")).bind(shop).bind(limit).fetch_all(pool).await
}

/// A job to store (status `ready`, nothing downloaded yet).
#[derive(Debug)]
pub struct NewJob<'a> {
    /// Job id (32 hex digits).
    pub id: &'a str,
    /// Shop.
    pub shop: &'a str,
    /// `csv` or `xlsx`.
    pub format: &'a str,
    /// The resolved filter (JSON).
    pub filter: &'a str,
    /// Rows the filter matched at creation.
    pub rows_total: i64,
    /// File name.
    pub filename: &'a str,
    /// User name of the creator.
    pub created_by: &'a str,
    /// User id of the creator.
    pub created_by_id: i64,
    /// Unix seconds.
    pub now: i64,
}

/// Store a new job.
pub async fn insert_job(conn: &mut AnyConnection, j: &NewJob<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO exports (id, shop_id, format, status, filter, rows_total, rows_done, downloads, filename, created_by, created_by_id, created_at, updated_at) \
         VALUES ($1, $2, $3, 'ready', $4, $5, 0, 0, $6, $7, $8, $9, $9)",
    )
    .bind(j.id)
    .bind(j.shop)
    .bind(j.format)
    .bind(j.filter)
    .bind(j.rows_total)
    .bind(j.filename)
    .bind(j.created_by)
    .bind(j.created_by_id)
    .bind(j.now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A download starts: `running`, no rows yet, one more download.
pub async fn start_download(conn: &mut AnyConnection, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE exports SET status = 'running', rows_done = 0, downloads = downloads + 1, updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(conn).await?;
    Ok(())
}

/// The rows a running download got to.
pub async fn set_progress(conn: &mut AnyConnection, id: &str, rows: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE exports SET rows_done = $1, updated_at = $2 WHERE id = $3").bind(rows).bind(now).bind(id).execute(conn).await?;
    Ok(())
}

/// A download ended with `status` after `rows` rows.
pub async fn finish_download(conn: &mut AnyConnection, id: &str, status: &str, rows: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE exports SET status = $1, rows_done = $2, updated_at = $3 WHERE id = $4").bind(status).bind(rows).bind(now).bind(id).execute(conn).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The orders an export streams

/// One exported order, as read (the columns of `EXPORT_COLUMNS`, decoded by position).
#[derive(Clone, Debug)]
pub struct ExportRow {
    /// Order id.
    pub order_id: String,
    /// Status.
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Items JSON.
    pub items: String,
    /// Amount in fen.
    pub amount_cents: i64,
    /// Masked name.
    pub name_masked: String,
    /// Masked phone.
    pub phone_masked: String,
    /// Masked address.
    pub address_masked: String,
    /// Name ciphertext.
    pub name_ct: String,
    /// Phone ciphertext.
    pub phone_ct: String,
    /// Address ciphertext.
    pub address_ct: String,
    /// Receiver key.
    pub receiver_key: String,
    /// Carrier code.
    pub carrier: Option<String>,
    /// Tracking number.
    pub tracking_no: Option<String>,
    /// Unix seconds.
    pub shipped_at: Option<i64>,
}

/// The columns of [`ExportRow`], in its order.
const EXPORT_COLUMNS: &str = "order_id, status, created_at, items, amount_cents, name_masked, phone_masked, address_masked, \
                              name_ct, phone_ct, address_ct, receiver_key, carrier, tracking_no, shipped_at";

/// Decoded by position (the SELECT is `EXPORT_COLUMNS`), on the native drivers the reader
/// uses: a million rows do not pay fifteen column-name lookups each.
impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for ExportRow
where
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(r: &'r R) -> Result<Self, sqlx::Error> {
        Ok(Self {
            order_id: r.try_get(0)?,
            status: r.try_get(1)?,
            created_at: r.try_get(2)?,
            items: r.try_get(3)?,
            amount_cents: r.try_get(4)?,
            name_masked: r.try_get(5)?,
            phone_masked: r.try_get(6)?,
            address_masked: r.try_get(7)?,
            name_ct: r.try_get(8)?,
            phone_ct: r.try_get(9)?,
            address_ct: r.try_get(10)?,
            receiver_key: r.try_get(11)?,
            carrier: r.try_get(12)?,
            tracking_no: r.try_get(13)?,
            shipped_at: r.try_get(14)?,
        })
    }
}

/// The next chunk of at most `limit` matching orders, newest first, after the keyset
/// position `after` (`(created_at, order_id)` of the last row read), on the reader's own
/// native connection. `(created_at, order_id) < (t, id)` is a row-value comparison, which
/// both stores take as a range of the `(shop_id, [status,] created_at, order_id)` indexes,
/// read backwards without a sort.
pub async fn order_chunk(conn: &mut NativeConnection, filter: &OrderFilter, after: Option<(i64, &str)>, limit: usize) -> Result<Vec<ExportRow>, sqlx::Error> {
    let mut st = Stmt::with_backend(conn.backend(), &format!("SELECT {EXPORT_COLUMNS} FROM orders WHERE "));
    filter.push_where(&mut st);
    if let Some((t, id)) = after {
        st.sql(" AND (created_at, order_id) < (").arg(Val::I(t)).sql(", ").arg(Val::S(id.into())).sql(")");
    }
    st.sql(&format!(" ORDER BY created_at DESC, order_id DESC LIMIT {limit}"));
    conn.fetch_all(&st).await
}

/// Mark a job that is still `running` as `failed` (its download was cut); returns whether it was.
pub async fn fail_running(conn: &mut AnyConnection, id: &str, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE exports SET status = 'failed', updated_at = $1 WHERE id = $2 AND status = 'running'").bind(now).bind(id).execute(conn).await?.rows_affected())
}
