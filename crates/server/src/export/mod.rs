//! Order export: a shop's filtered order list as CSV or XLSX, with the masked
//! receiver, the three field ciphertexts and `receiver_key` — never plaintext (the server
//! cannot produce it here anyway: nothing is decrypted, no quota is charged, no key is
//! unwrapped). Search terms are kept and audited only as blind-index tokens / `"<set>"`.
//!
//! **Jobs.** `POST /api/v1/exports` (owners, staff with `export`) resolves the filter exactly
//! as the order list does ([`OrderFilter`](crate::orders::OrderFilter)), counts the rows, stores the job with the
//! *resolved* filter and audits `export_create`. `GET /api/v1/exports/{id}/file` streams the
//! file; the job's `rows_done` is updated after every chunk, so the app polls
//! `GET /api/v1/exports/{id}` for a progress bar instead of holding rows in the page. Each
//! download re-runs the filter, re-streams and audits `export_download` (rows, complete or
//! aborted); after 24 hours the file answers `NOT_FOUND`. Another shop's job looks absent.
//!
//! **Streaming in flat memory** ([`stream`]). A download is three stages joined by bounded channels:
//!
//! 1. a task reads the orders ([`crate::store::exports::order_chunk`]) in keyset-paginated chunks of [`CHUNK_ROWS`] (newest first,
//!    `(created_at, order_id) < (t, id)`: a row-value comparison, which both stores take as
//!    a range of the `(shop_id, [status,] created_at, order_id)` indexes, read backwards
//!    without a sort — PostgreSQL planned the equivalent `created_at <= t AND (created_at <
//!    t OR order_id < id)` as "all older rows, sorted, first 2,000": quadratic at 1M rows) on
//!    a connection of its own, through the store's own sqlx driver rather than `Any` (no
//!    second conversion of every value; the SQLite worker fills a whole chunk without
//!    waiting), on SQLite without memory-mapped I/O (so reading a 1.3 GB database does not
//!    map it into the process's resident set) — and updates `rows_done`;
//! 2. a blocking thread turns rows into CSV ([`crate::sheet::write_csv_record`]) or XLSX
//!    ([`crate::sheet::XlsxWriter`]) and hands the bytes on in 256 KiB blocks;
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
//!
//! The rooms: [`jobs`] (create, look up and list jobs; the audited filter), [`stream`] (a
//! download's reader, encoder and body); this file holds the columns and the routes.

pub mod jobs;
pub mod stream;

use axum::extract::State;
use axum::response::Response;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::{ApiError, ExportCreate, ExportFilter, ExportFormat, ExportJob, ExportStatus, Item};

use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath};
use crate::guard::{FormUser, User};
use crate::state::AppState;

pub use jobs::{audited_filter, create, job, list};
pub use stream::download;

/// Orders read per query while streaming.
pub const CHUNK_ROWS: usize = 2000;
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

/// `title×qty; title×qty`, from the stored items JSON (the raw text if it does not parse).
pub fn items_text(json: &str) -> String {
    match serde_json::from_str::<Vec<Item>>(json) {
        Ok(items) => items.iter().map(|i| format!("{}×{}", i.title, i.quantity)).collect::<Vec<_>>().join("; "),
        Err(_) => json.to_string(),
    }
}


// ---------------------------------------------------------------------------------------
// Routes

/// The export routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/exports", get(list_exports).post(create_export))
        .route("/api/v1/exports/{id}", get(get_export))
        .route("/api/v1/exports/{id}/file", post(download_export))
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

/// The form a browser posts to download a job's file: the session's CSRF token.
#[derive(serde::Deserialize)]
pub struct DownloadForm {
    /// The session's CSRF token (a form cannot send the `X-CSRF-Token` header).
    #[serde(default)]
    pub csrf_token: String,
}

/// The job's file, streamed (CSV: UTF-8 with BOM; XLSX): masked and ciphertext columns,
/// formula-like cells neutralized. Each download re-reads the orders, updates the job's
/// progress and is audited, so it is a POST (a GET never changes anything): with the
/// `X-CSRF-Token` header, or as a plain form post (`application/x-www-form-urlencoded`,
/// field `csrf_token`) that the browser's download manager follows. NOT_FOUND after 24 hours.
#[utoipa::path(post, path = "/api/v1/exports/{id}/file", params(("id" = String, Path)),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`csrf_token=…`, unless the `X-CSRF-Token` header is sent"),
    responses((status = 200, content_type = "text/csv", body = String),
              (status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn download_export(State(state): State<AppState>, FormUser(user): FormUser, headers: HeaderMap, ApiPath(id): ApiPath<String>, body: axum::body::Bytes) -> AppResult<Response> {
    let header = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    let sent = match header {
        Some(h) => h.to_string(),
        None => serde_urlencoded::from_bytes::<DownloadForm>(&body).map(|f| f.csrf_token).unwrap_or_default(),
    };
    user.check_csrf(&sent)?;
    download(&state, &user, &id).await
}

/// The OpenAPI paths of the export.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create_export, list_exports, get_export, download_export),
    components(schemas(ExportCreate, ExportFilter, ExportFormat, ExportJob, ExportStatus))
)]
pub struct ExportDoc;

