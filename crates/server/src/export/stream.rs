//! The streaming of a job's file: the reader stage (keyset-paginated chunks on a native
//! connection of its own, `rows_done` after each), the encoder stage (CSV or XLSX on a
//! blocking thread, 256 KiB blocks) and the response body, joined by bounded channels
//! (see the [`crate::export`] module doc).

use std::io::{self, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use orderveil_api::{EXPORT_TTL_SECS, ErrorCode, ExportFormat, ExportStatus, Permission};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use super::{CHUNK_ROWS, COLUMNS, items_text};
use super::jobs::load;
use crate::audit::{self, Event};
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::guard::{User, shop_with};
use crate::orders::OrderFilter;
use crate::sheet::{self, Cell, XlsxWriter};
use crate::state::AppState;
use crate::store::NativeConnection;
use crate::store::exports::{self as store, ExportRow};

/// Bytes handed to the response body at a time.
const BLOCK_BYTES: usize = 256 * 1024;
/// Blocks waiting for the client, at most.
const BODY_BLOCKS: usize = 4;
/// Row chunks read ahead of the encoder, at most.
const CHUNKS_AHEAD: usize = 2;
/// Name of the (first) worksheet.
const SHEET_NAME: &str = "订单 orders";

/// The derived texts of a row.
struct Line<'a> {
    r: &'a ExportRow,
    created_at: String,
    items: String,
    amount: String,
    shipped_at: String,
}

impl<'a> Line<'a> {
    fn new(r: &'a ExportRow) -> Self {
        Self { r, created_at: rfc3339(r.created_at), items: items_text(&r.items), amount: sheet::cents_text(r.amount_cents), shipped_at: r.shipped_at.map(rfc3339).unwrap_or_default() }
    }

    /// The cells as text, in [`COLUMNS`] order.
    fn texts(&self) -> [&str; 15] {
        let r = self.r;
        [
            &r.order_id,
            &r.status,
            &self.created_at,
            &self.items,
            &self.amount,
            &r.name_masked,
            &r.phone_masked,
            &r.address_masked,
            &r.name_ct,
            &r.phone_ct,
            &r.address_ct,
            &r.receiver_key,
            r.carrier.as_deref().unwrap_or(""),
            r.tracking_no.as_deref().unwrap_or(""),
            &self.shipped_at,
        ]
    }

    /// The XLSX cells: the amount as a number, missing values as no cell.
    fn cells(&self) -> [Cell<'_>; 15] {
        let t = self.texts();
        let mut cells = t.map(|s| if s.is_empty() { Cell::Empty } else { Cell::Text(s) });
        cells[4] = Cell::Cents(self.r.amount_cents);
        cells
    }
}


/// Start streaming a job's file. Everything that can refuse (permission, absent or expired
/// job, no database connection) is checked before the first byte, so refusals are coded
/// errors; once the body has started, a failure cuts the download short (the client sees
/// an incomplete transfer, never a complete-looking truncated file).
pub async fn download(state: &AppState, user: &User, id: &str) -> AppResult<Response> {
    let shop = shop_with(user, Permission::Export)?;
    let (job, stored) = load(state, &shop, id).await?;
    let now = state.now();
    let expires = job.created_at + EXPORT_TTL_SECS;
    if now >= expires {
        return Err(AppError::new(ErrorCode::NotFound).with(json!({"reason": "expired", "expired_at": rfc3339(expires)})));
    }
    let format = ExportFormat::parse(&job.format).ok_or_else(|| AppError::internal("bad format in exports table"))?;
    let filter: OrderFilter = serde_json::from_str(&stored).map_err(AppError::internal)?;
    if filter.shop_id != shop {
        return Err(AppError::internal("export job's filter names another shop"));
    }
    // A place among the downloads running at once (each holds a connection of its own).
    let mut slot = state.limits.export_slot(&shop)?;
    slot.streaming(&job.id);
    let conn = reader(state).await?;
    let mut tx = state.db.begin_write().await?;
    store::start_download(&mut tx, &job.id, now).await?;
    tx.commit().await?;

    let (body_tx, body_rx) = mpsc::channel(BODY_BLOCKS);
    let (delivered_tx, delivered_rx) = oneshot::channel();
    let run = Download { state: state.clone(), id: job.id, shop, format, filter, actor: user.username.clone(), actor_id: user.id, slot: Some(slot) };
    tokio::spawn(run.run(conn, body_tx, delivered_rx));

    let mut resp = Body::from_stream(Tail { rx: body_rx, delivered: Some(delivered_tx) }).into_response();
    let h = resp.headers_mut();
    let ct = match format {
        ExportFormat::Csv => "text/csv; charset=utf-8",
        ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    // The name is ASCII by construction (shop ids are `[A-Za-z0-9_-]`).
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", job.filename)) {
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
    Rows(Vec<ExportRow>),
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
    /// Held until the download has ended (freed before the job says so).
    slot: Option<crate::limits::ExportSlot>,
}

impl Download {
    async fn run(mut self, mut conn: NativeConnection, body: mpsc::Sender<io::Result<Bytes>>, delivered: oneshot::Receiver<bool>) {
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
        drop(conn);
        drop(self.slot.take());
        if let Err(e) = self.finish(rows, complete).await {
            tracing::error!(code = ?e.code, "export: recording the end of a download failed");
        }
    }

    /// Read every matching order in keyset-paginated chunks and hand them to the encoder,
    /// updating `rows_done` after each chunk. `Ok(false)`: the encoder stopped taking rows
    /// (the client went away).
    async fn read_all(&self, conn: &mut NativeConnection, rows_tx: mpsc::Sender<Batch>, encoded: &AtomicU64) -> AppResult<bool> {
        let mut after: Option<(i64, String)> = None;
        loop {
            let rows = store::order_chunk(conn, &self.filter, after.as_ref().map(|(t, id)| (*t, id.as_str())), CHUNK_ROWS).await?;
            let full = rows.len() == CHUNK_ROWS;
            after = rows.last().map(|r| (r.created_at, r.order_id.clone()));
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
        store::set_progress(&mut tx, &self.id, i64::try_from(rows).unwrap_or(i64::MAX), self.state.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record the end: the job's status and rows, and the `export_download` audit row, in
    /// one transaction.
    async fn finish(&self, rows: u64, complete: bool) -> AppResult<()> {
        let now = self.state.now();
        let status = if complete { ExportStatus::Done } else { ExportStatus::Failed };
        let mut tx = self.state.db.begin_write().await?;
        store::finish_download(&mut tx, &self.id, status.as_str(), i64::try_from(rows).unwrap_or(i64::MAX), now).await?;
        let mut ev = Event::new(&self.actor, Some(self.actor_id), Some(&self.shop), "export_download", "ok");
        ev.details = json!({"job_id": self.id, "format": self.format.as_str(), "rows": rows, "complete": complete});
        audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The next chunk for the encoder; `None` at the end, an error if the reader stopped
/// without reaching it.
fn next_rows(rx: &mut mpsc::Receiver<Batch>) -> io::Result<Option<Vec<ExportRow>>> {
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

/// At a stop whose grace ran out: the downloads this process was still streaming are cut, so
/// their jobs say `failed` (with the rows they got to) and the cut is audited — instead of
/// staying `running` for good. Returns how many.
pub async fn mark_cut(state: &AppState) -> AppResult<usize> {
    let cut = state.limits.running_exports();
    let now = state.now();
    for (id, shop) in &cut {
        let mut tx = state.db.begin_write().await?;
        if store::fail_running(&mut tx, id, now).await? > 0 {
            let mut ev = Event::new("orderveil", None, Some(shop), "export_download", "ok");
            ev.details = json!({"job_id": id, "complete": false, "reason": "the server stopped"});
            audit::append(&mut tx, now, &ev).await?;
        }
        tx.commit().await?;
    }
    Ok(cut.len())
}
