//! Order export (issue 7): a shop's filtered order list as CSV or XLSX, with the masked
//! receiver, the three field ciphertexts and `receiver_key` — never plaintext (the server
//! cannot produce it here anyway: nothing is decrypted, no quota is charged, no key is
//! unwrapped). Search terms are kept and audited only as blind-index tokens / `"<set>"`.
//!
//! **Jobs.** `POST /api/v1/exports` (owners, staff with `export`) resolves the filter exactly
//! as the order list does ([`OrderFilter`]), counts the rows, stores the job with the
//! *resolved* filter and audits `export_create`. `GET /api/v1/exports/{id}/file` streams the
//! file; the job's `rows_done` is updated after every chunk, so the app polls
//! `GET /api/v1/exports/{id}` for a progress bar instead of holding rows in the page. Each
//! download re-runs the filter, re-streams and audits `export_download` (rows, complete or
//! aborted); after 24 hours the file answers `NOT_FOUND`. Another shop's job looks absent.
//!
//! **Streaming in flat memory.** A download is three stages joined by bounded channels:
//!
//! 1. a task reads the orders in keyset-paginated chunks of [`CHUNK_ROWS`] (newest first,
//!    `(created_at, order_id) < (t, id)`: a row-value comparison, which both stores take as
//!    a range of the `(shop_id, [status,] created_at, order_id)` indexes, read backwards
//!    without a sort — PostgreSQL planned the equivalent `created_at <= t AND (created_at <
//!    t OR order_id < id)` as "all older rows, sorted, first 2,000": quadratic at 1M rows) on
//!    a connection of its own, through the store's own sqlx driver rather than `Any` (no
//!    second conversion of every value; the SQLite worker fills a whole chunk without
//!    waiting), on SQLite without memory-mapped I/O (so reading a 1.3 GB database does not
//!    map it into the process's resident set) — and updates `rows_done`;
//! 2. a blocking thread turns rows into CSV ([`sheet::write_csv_record`]) or XLSX
//!    ([`sheet::XlsxWriter`]) and hands the bytes on in 256 KiB blocks;
//! 3. the response body takes the blocks as the client reads them.
//!
//! At most two row chunks and four blocks are in flight, whatever the export's size; a slow
//! client slows the reader down instead of growing a buffer. When the client goes away the
//! body is dropped, the encoder's next send fails, the reader's next hand-over fails, and the
//! job is marked `failed` with the rows it got to.
//!
//! **Why the zip crate's stream writer for XLSX** (and not `rust_xlsxwriter`): its
//! `constant_memory` mode keeps memory flat too, but writes the worksheet to a temporary
//! file and zips it only at `save`, so the file could be sent only after it was complete —
//! a 1,000,000-row export would first write ~1.3 GB of XML to disk, then compress, then
//! stream, with nothing for the client to receive meanwhile (and twice the disk traffic).
//! `ZipWriter::new_stream` deflates the sheet straight into the response (entries end with
//! data descriptors), which is all a SpreadsheetML package needs; [`crate::sheet`] writes the
//! handful of XML parts itself. Timing at 1,000,000 orders: docs/benchmarks.md.

use std::io::{self, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use orderveil_api::{ApiError, EXPORT_TTL_SECS, ErrorCode, ExportCreate, ExportFilter, ExportFormat, ExportJob, ExportStatus, Item, Permission};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::audit::{self, Event};
use crate::guard::{User, shop_with};
use crate::clock::{SHANGHAI, rfc3339};
use crate::store::{Arg, NativeConnection};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath};
use crate::orders::OrderFilter;
use crate::sheet::{self, Cell, XlsxWriter};
use crate::state::AppState;

/// Orders read per query while streaming.
pub const CHUNK_ROWS: usize = 2000;
/// Bytes handed to the response body at a time.
const BLOCK_BYTES: usize = 256 * 1024;
/// Blocks waiting for the client, at most.
const BODY_BLOCKS: usize = 4;
/// Row chunks read ahead of the encoder, at most.
const CHUNKS_AHEAD: usize = 2;
/// Jobs listed by `GET /api/v1/exports`.
pub const LISTED_JOBS: i64 = 50;

/// The columns of both formats: bilingual header and XLSX width (characters).
pub const COLUMNS: [(&str, f64); 15] = [
    ("订单号 order_id", 24.0),
    ("状态 status", 18.0),
    ("下单时间 created_at", 26.0),
    ("商品 items", 40.0),
    ("金额(元) amount", 14.0),
    ("收件人(脱敏) name_masked", 16.0),
    ("手机号(脱敏) phone_masked", 18.0),
    ("地址(脱敏) address_masked", 40.0),
    ("收件人密文 name_ciphertext", 40.0),
    ("手机号密文 phone_ciphertext", 40.0),
    ("地址密文 address_ciphertext", 40.0),
    ("收件人标识 receiver_key", 30.0),
    ("快递公司 carrier", 14.0),
    ("运单号 tracking_no", 22.0),
    ("发货时间 shipped_at", 26.0),
];

/// Name of the (first) worksheet.
const SHEET_NAME: &str = "订单 orders";

const SELECT: &str = "order_id, status, created_at, items, amount_cents, name_masked, phone_masked, address_masked, \
                      name_ct, phone_ct, address_ct, receiver_key, carrier, tracking_no, shipped_at";

/// One exported order, as read.
pub type Row = (String, String, i64, String, i64, String, String, String, String, String, String, String, Option<String>, Option<String>, Option<i64>);

/// `title×qty; title×qty`, from the stored items JSON (the raw text if it does not parse).
pub fn items_text(json: &str) -> String {
    match serde_json::from_str::<Vec<Item>>(json) {
        Ok(items) => items.iter().map(|i| format!("{}×{}", i.title, i.quantity)).collect::<Vec<_>>().join("; "),
        Err(_) => json.to_string(),
    }
}

/// The derived texts of a row.
struct Line<'a> {
    r: &'a Row,
    created_at: String,
    items: String,
    amount: String,
    shipped_at: String,
}

impl<'a> Line<'a> {
    fn new(r: &'a Row) -> Self {
        Self { r, created_at: rfc3339(r.2), items: items_text(&r.3), amount: sheet::cents_text(r.4), shipped_at: r.14.map(rfc3339).unwrap_or_default() }
    }

    /// The cells as text, in [`COLUMNS`] order.
    fn texts(&self) -> [&str; 15] {
        let r = self.r;
        [
            &r.0,
            &r.1,
            &self.created_at,
            &self.items,
            &self.amount,
            &r.5,
            &r.6,
            &r.7,
            &r.8,
            &r.9,
            &r.10,
            &r.11,
            r.12.as_deref().unwrap_or(""),
            r.13.as_deref().unwrap_or(""),
            &self.shipped_at,
        ]
    }

    /// The XLSX cells: the amount as a number, missing values as no cell.
    fn cells(&self) -> [Cell<'_>; 15] {
        let t = self.texts();
        let mut cells = t.map(|s| if s.is_empty() { Cell::Empty } else { Cell::Text(s) });
        cells[4] = Cell::Cents(self.r.4);
        cells
    }
}

// ---------------------------------------------------------------------------------------
// Jobs

type JobRow = (String, String, String, i64, i64, i64, String, String, i64);

const JOB_COLUMNS: &str = "id, format, status, rows_total, rows_done, downloads, filename, created_by, created_at";

fn job_view(r: JobRow, now: i64) -> AppResult<ExportJob> {
    let format = ExportFormat::parse(&r.1).ok_or_else(|| AppError::internal("bad format in exports table"))?;
    let status = ExportStatus::parse(&r.2).ok_or_else(|| AppError::internal("bad status in exports table"))?;
    let expires = r.8 + EXPORT_TTL_SECS;
    Ok(ExportJob {
        id: r.0,
        format,
        status,
        rows_total: u64::try_from(r.3).unwrap_or(0),
        rows_done: u64::try_from(r.4).unwrap_or(0),
        created_at: rfc3339(r.8),
        created_by: r.7,
        filename: r.6,
        expires_at: rfc3339(expires),
        expired: now >= expires,
        downloads: u32::try_from(r.5).unwrap_or(u32::MAX),
    })
}

/// A job of `shop`; another shop's (or a malformed id) is NOT_FOUND.
async fn load(state: &AppState, shop: &str, id: &str) -> AppResult<(JobRow, String)> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(ErrorCode::NotFound.into());
    }
    let row: Option<(String, String, String, i64, i64, i64, String, String, i64, String)> =
        sqlx::query_as(&format!("SELECT {JOB_COLUMNS}, filter FROM exports WHERE id = $1 AND shop_id = $2")).bind(id).bind(shop).fetch_optional(&state.db.pool).await?;
    let r = row.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    Ok(((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8), r.9))
}

/// The filter as the audit trail records it: the status and order id as given, each
/// receiver search term only as `"<set>"`.
pub fn audited_filter(f: &ExportFilter) -> Value {
    let mut m = serde_json::Map::new();
    if let Some(s) = f.status {
        m.insert("status".into(), json!(s.as_str()));
    }
    if let Some(o) = &f.order_id {
        m.insert("order_id".into(), json!(o));
    }
    for (k, v) in [("phone", &f.phone), ("phone_last4", &f.phone_last4), ("name", &f.name), ("address", &f.address)] {
        if v.as_deref().is_some_and(|s| !s.trim().is_empty()) {
            m.insert(k.into(), json!("<set>"));
        }
    }
    Value::Object(m)
}

/// `YYYYMMDD-HHMMSS` in Asia/Shanghai.
fn stamp(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.to_offset(SHANGHAI).format(time::macros::format_description!("[year][month][day]-[hour][minute][second]")).ok())
        .unwrap_or_default()
}

fn new_id() -> AppResult<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(AppError::internal)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Create a job: resolve and count the filter, store, audit `export_create`.
pub async fn create(state: &AppState, user: &User, req: ExportCreate) -> AppResult<ExportJob> {
    let shop = shop_with(user, Permission::Export)?;
    let filter = OrderFilter::resolve(state, &shop, &req.filter.to_order_query())?;
    // Receiver-field terms in the filter are a metered search, charged once, here (each
    // download re-runs the stored tokens without a new charge).
    let caller = crate::guard::Caller::User(user.clone());
    let rows_total = match crate::search::Meter::begin(state, &caller, &shop, &filter.metered, filter.units(), "export").await? {
        Some(mut meter) => {
            let n = filter.count_on(meter.conn()).await?;
            meter.finish(Some(n)).await?;
            n
        }
        None => filter.count(state).await?,
    };
    let id = new_id()?;
    let now = state.now();
    let filename = format!("orderveil-orders-{shop}-{}.{}", stamp(now), req.format.as_str());
    let stored = serde_json::to_string(&filter).map_err(AppError::internal)?;
    let total = i64::try_from(rows_total).unwrap_or(i64::MAX);
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "INSERT INTO exports (id, shop_id, format, status, filter, rows_total, rows_done, downloads, filename, created_by, created_by_id, created_at, updated_at) \
         VALUES ($1, $2, $3, 'ready', $4, $5, 0, 0, $6, $7, $8, $9, $9)",
    )
    .bind(&id)
    .bind(&shop)
    .bind(req.format.as_str())
    .bind(&stored)
    .bind(total)
    .bind(&filename)
    .bind(&user.username)
    .bind(user.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let mut ev = Event::new(&user.username, Some(user.id), Some(&shop), "export_create", "ok");
    ev.details = json!({"job_id": id, "format": req.format.as_str(), "filter": audited_filter(&req.filter), "rows_total": rows_total});
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    job_view((id, req.format.as_str().into(), "ready".into(), total, 0, 0, filename, user.username.clone(), now), now)
}

/// One job of the caller's shop.
pub async fn job(state: &AppState, user: &User, id: &str) -> AppResult<ExportJob> {
    let shop = shop_with(user, Permission::Export)?;
    job_view(load(state, &shop, id).await?.0, state.now())
}

/// The shop's latest jobs, newest first.
pub async fn list(state: &AppState, user: &User) -> AppResult<Vec<ExportJob>> {
    let shop = shop_with(user, Permission::Export)?;
    let rows: Vec<JobRow> = sqlx::query_as(&format!("SELECT {JOB_COLUMNS} FROM exports WHERE shop_id = $1 ORDER BY seq DESC LIMIT {LISTED_JOBS}"))
        .bind(&shop)
        .fetch_all(&state.db.pool)
        .await?;
    let now = state.now();
    rows.into_iter().map(|r| job_view(r, now)).collect()
}

/// Start streaming a job's file. Everything that can refuse (permission, absent or expired
/// job, no database connection) is checked before the first byte, so refusals are coded
/// errors; once the body has started, a failure cuts the download short (the client sees
/// an incomplete transfer, never a complete-looking truncated file).
pub async fn download(state: &AppState, user: &User, id: &str) -> AppResult<Response> {
    let shop = shop_with(user, Permission::Export)?;
    let (job, stored) = load(state, &shop, id).await?;
    let now = state.now();
    let expires = job.8 + EXPORT_TTL_SECS;
    if now >= expires {
        return Err(AppError::new(ErrorCode::NotFound).with(json!({"reason": "expired", "expired_at": rfc3339(expires)})));
    }
    let format = ExportFormat::parse(&job.1).ok_or_else(|| AppError::internal("bad format in exports table"))?;
    let filter: OrderFilter = serde_json::from_str(&stored).map_err(AppError::internal)?;
    if filter.shop_id != shop {
        return Err(AppError::internal("export job's filter names another shop"));
    }
    let conn = reader(state).await?;
    let mut tx = state.db.begin_write().await?;
    sqlx::query("UPDATE exports SET status = 'running', rows_done = 0, downloads = downloads + 1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&job.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;

    let (body_tx, body_rx) = mpsc::channel(BODY_BLOCKS);
    let (delivered_tx, delivered_rx) = oneshot::channel();
    let run = Download { state: state.clone(), id: job.0, shop, format, filter, actor: user.username.clone(), actor_id: user.id };
    tokio::spawn(run.run(conn, body_tx, delivered_rx));

    let mut resp = Body::from_stream(Tail { rx: body_rx, delivered: Some(delivered_tx) }).into_response();
    let h = resp.headers_mut();
    let ct = match format {
        ExportFormat::Csv => "text/csv; charset=utf-8",
        ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    // The name is ASCII by construction (shop ids are `[A-Za-z0-9_-]`).
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", job.6)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// A connection for the reader stage (see the module doc): its own, so a long download
/// never holds a pooled one; through the store's own driver, buffering a whole chunk; on
/// SQLite with memory-mapped I/O off.
async fn reader(state: &AppState) -> AppResult<NativeConnection> {
    Ok(state.db.connect_native_reader(CHUNK_ROWS).await?)
}

/// What the reader hands the encoder.
enum Batch {
    Rows(Vec<Row>),
    End,
}

/// One running download.
struct Download {
    state: AppState,
    id: String,
    shop: String,
    format: ExportFormat,
    filter: OrderFilter,
    actor: String,
    actor_id: i64,
}

impl Download {
    async fn run(self, mut conn: NativeConnection, body: mpsc::Sender<io::Result<Bytes>>, delivered: oneshot::Receiver<bool>) {
        let encoded = Arc::new(AtomicU64::new(0));
        let (rows_tx, rows_rx) = mpsc::channel(CHUNKS_AHEAD);
        let encoder = {
            let (encoded, format) = (encoded.clone(), self.format);
            tokio::task::spawn_blocking(move || {
                let out = encode(format, rows_rx, Sink { buf: Vec::with_capacity(BLOCK_BYTES * 5 / 4), tx: body.clone() }, &encoded);
                if let Err(e) = &out
                    && !body.is_closed()
                {
                    // Cut the response short: the client must not take a partial file for a whole one.
                    tracing::error!("export: encoding failed: {e}");
                    let _ = body.blocking_send(Err(io::Error::other("export failed")));
                }
                out
            })
        };
        let read = self.read_all(&mut conn, rows_tx, &encoded).await;
        match &read {
            Ok(true) => {}
            Ok(false) => tracing::info!("export: the client left before the end"),
            // The cause goes to the log (a database error; never receiver data).
            Err(e) => tracing::error!("export: reading failed: {e:?}"),
        }
        let encoded_ok = matches!(encoder.await, Ok(Ok(())));
        let complete = matches!(read, Ok(true)) && encoded_ok && delivered.await.unwrap_or(false);
        let rows = encoded.load(Ordering::Relaxed);
        if let Err(e) = self.finish(rows, complete).await {
            tracing::error!(code = ?e.code, "export: recording the end of a download failed");
        }
    }

    /// Read every matching order in keyset-paginated chunks and hand them to the encoder,
    /// updating `rows_done` after each chunk. `Ok(false)`: the encoder stopped taking rows
    /// (the client went away).
    async fn read_all(&self, conn: &mut NativeConnection, rows_tx: mpsc::Sender<Batch>, encoded: &AtomicU64) -> AppResult<bool> {
        let (where_, args) = self.filter.where_clause();
        let n = args.len();
        let order = format!("ORDER BY created_at DESC, order_id DESC LIMIT {CHUNK_ROWS}");
        let first = format!("SELECT {SELECT} FROM orders WHERE {where_} {order}");
        let next = format!("SELECT {SELECT} FROM orders WHERE {where_} AND (created_at, order_id) < (${}, ${}) {order}", n + 1, n + 2);
        let mut after: Option<(i64, String)> = None;
        loop {
            let rows: Vec<Row> = match &after {
                None => conn.fetch_all(&first, &args).await?,
                Some((t, id)) => {
                    let mut a = args.clone();
                    a.extend([Arg::I(*t), Arg::S(id.clone())]);
                    conn.fetch_all(&next, &a).await?
                }
            };
            let full = rows.len() == CHUNK_ROWS;
            after = rows.last().map(|r| (r.2, r.0.clone()));
            if !rows.is_empty() && rows_tx.send(Batch::Rows(rows)).await.is_err() {
                return Ok(false);
            }
            self.progress(encoded.load(Ordering::Relaxed)).await?;
            if !full {
                break;
            }
        }
        Ok(rows_tx.send(Batch::End).await.is_ok())
    }

    async fn progress(&self, rows: u64) -> AppResult<()> {
        let mut tx = self.state.db.begin_write().await?;
        sqlx::query("UPDATE exports SET rows_done = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::try_from(rows).unwrap_or(i64::MAX))
            .bind(self.state.now())
            .bind(&self.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record the end: the job's status and rows, and the `export_download` audit row, in
    /// one transaction.
    async fn finish(&self, rows: u64, complete: bool) -> AppResult<()> {
        let now = self.state.now();
        let status = if complete { ExportStatus::Done } else { ExportStatus::Failed };
        let mut tx = self.state.db.begin_write().await?;
        sqlx::query("UPDATE exports SET status = $1, rows_done = $2, updated_at = $3 WHERE id = $4")
            .bind(status.as_str())
            .bind(i64::try_from(rows).unwrap_or(i64::MAX))
            .bind(now)
            .bind(&self.id)
            .execute(&mut *tx)
            .await?;
        let mut ev = Event::new(&self.actor, Some(self.actor_id), Some(&self.shop), "export_download", "ok");
        ev.details = json!({"job_id": self.id, "format": self.format.as_str(), "rows": rows, "complete": complete});
        audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The next chunk for the encoder; `None` at the end, an error if the reader stopped
/// without reaching it.
fn next_rows(rx: &mut mpsc::Receiver<Batch>) -> io::Result<Option<Vec<Row>>> {
    match rx.blocking_recv() {
        Some(Batch::Rows(rows)) => Ok(Some(rows)),
        Some(Batch::End) => Ok(None),
        None => Err(io::Error::other("export reader stopped")),
    }
}

/// The encoder stage: rows in, file bytes out (on a blocking thread); `encoded` counts
/// the rows written.
fn encode(format: ExportFormat, mut rx: mpsc::Receiver<Batch>, sink: Sink, encoded: &AtomicU64) -> io::Result<()> {
    match format {
        ExportFormat::Csv => {
            let mut sink = sink;
            sink.write_all(sheet::BOM.as_bytes())?;
            let mut w = sheet::csv_writer(sink);
            sheet::write_csv_record(&mut w, COLUMNS.iter().map(|c| c.0))?;
            while let Some(rows) = next_rows(&mut rx)? {
                for r in &rows {
                    sheet::write_csv_record(&mut w, Line::new(r).texts())?;
                    encoded.fetch_add(1, Ordering::Relaxed);
                }
            }
            w.into_inner().map_err(|e| e.into_error())?.finish()
        }
        ExportFormat::Xlsx => {
            let mut x = XlsxWriter::new(sink, SHEET_NAME, &COLUMNS)?;
            while let Some(rows) = next_rows(&mut rx)? {
                for r in &rows {
                    x.row(&Line::new(r).cells())?;
                    encoded.fetch_add(1, Ordering::Relaxed);
                }
            }
            x.finish()?.finish()
        }
    }
}

/// The encoder's output: collects bytes and hands them to the response body in blocks of
/// [`BLOCK_BYTES`], waiting while the body's channel is full (the client reads slower).
struct Sink {
    buf: Vec<u8>,
    tx: mpsc::Sender<io::Result<Bytes>>,
}

impl Sink {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let block = std::mem::replace(&mut self.buf, Vec::with_capacity(BLOCK_BYTES * 5 / 4));
        self.tx.blocking_send(Ok(Bytes::from(block))).map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "export download closed"))
    }

    /// Send what is left.
    fn finish(mut self) -> io::Result<()> {
        self.send()
    }
}

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= BLOCK_BYTES {
            self.send()?;
        }
        Ok(b.len())
    }

    /// Blocks go out when full or at the end; the writers' flushes change nothing.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The response body: the encoder's blocks, and whether the client took all of them
/// (`delivered` gets `true` when the stream ended after the last block, `false` if the body
/// was dropped early or carried an error).
struct Tail {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    delivered: Option<oneshot::Sender<bool>>,
}

impl futures_util::Stream for Tail {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = self.rx.poll_recv(cx);
        match &next {
            Poll::Ready(None) => self.report(true),
            Poll::Ready(Some(Err(_))) => self.report(false),
            _ => {}
        }
        next
    }
}

impl Tail {
    fn report(&mut self, all: bool) {
        if let Some(d) = self.delivered.take() {
            let _ = d.send(all);
        }
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        self.report(false);
    }
}

// ---------------------------------------------------------------------------------------
// Routes

/// The export routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/exports", get(list_exports).post(create_export))
        .route("/api/v1/exports/{id}", get(get_export))
        .route("/api/v1/exports/{id}/file", get(download_export))
}

/// Create an export job of the caller's shop (owners, staff with `export`): the order
/// list's filters, CSV or XLSX. Counts the rows and audits the filter (search terms as
/// `"<set>"`); nothing is decrypted and no quota is charged.
#[utoipa::path(post, path = "/api/v1/exports", request_body = ExportCreate,
    responses((status = 200, body = ExportJob), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_export(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<ExportCreate>) -> AppResult<Json<ExportJob>> {
    create(&state, &user, req).await.map(Json)
}

/// The shop's latest 50 export jobs, newest first.
#[utoipa::path(get, path = "/api/v1/exports", responses((status = 200, body = Vec<ExportJob>), (status = 403, body = ApiError)))]
pub async fn list_exports(State(state): State<AppState>, user: User) -> AppResult<Json<Vec<ExportJob>>> {
    list(&state, &user).await.map(Json)
}

/// One export job: poll it for the progress of a running download (`rows_done` of
/// `rows_total`). Another shop's job is NOT_FOUND.
#[utoipa::path(get, path = "/api/v1/exports/{id}", params(("id" = String, Path)),
    responses((status = 200, body = ExportJob), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_export(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<String>) -> AppResult<Json<ExportJob>> {
    job(&state, &user, &id).await.map(Json)
}

/// The job's file, streamed (CSV: UTF-8 with BOM; XLSX): masked and ciphertext columns,
/// formula-like cells neutralized. Each download re-reads the orders, updates the job's
/// progress and is audited; NOT_FOUND after 24 hours.
#[utoipa::path(get, path = "/api/v1/exports/{id}/file", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String),
              (status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn download_export(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<String>) -> AppResult<Response> {
    download(&state, &user, &id).await
}

/// The OpenAPI paths of the export.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create_export, list_exports, get_export, download_export),
    components(schemas(ExportCreate, ExportFilter, ExportFormat, ExportJob, ExportStatus))
)]
pub struct ExportDoc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_are_audited_as_set_only() {
        let f = ExportFilter {
            status: Some(orderveil_api::OrderStatus::Shipped),
            order_id: Some("S1-1".into()),
            phone: Some("13800138000".into()),
            phone_last4: Some("8000".into()),
            name: Some("王小明".into()),
            address: Some(" ".into()),
        };
        let a = audited_filter(&f);
        assert_eq!(a, json!({"status": "shipped", "order_id": "S1-1", "phone": "<set>", "phone_last4": "<set>", "name": "<set>"}));
        assert!(!a.to_string().contains("138") && !a.to_string().contains('王'));
    }

    #[test]
    fn items_and_stamps() {
        assert_eq!(items_text(r#"[{"title":"纯棉四件套","quantity":2,"price_cents":100},{"title":"=1+1","quantity":1,"price_cents":5}]"#), "纯棉四件套×2; =1+1×1");
        assert_eq!(items_text("not json"), "not json");
        assert_eq!(stamp(1_795_874_400), "20261128-220000");
    }
}
