//! Reads of the audit trail: `GET /api/v1/audit` (filtered pages), `GET
//! /api/v1/audit/export.csv` (the same filters, streamed as CSV) and `GET
//! /api/v1/audit/verify` (the caller's chains recomputed). Owners see their shop's events,
//! platform admins everything; nobody else reads the trail.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use orderveil_api::{ApiError, AuditEntry, AuditPage, AuditQuery, AuditVerifyReport, ErrorCode, Role};
use serde_json::json;

use crate::audit;
use crate::guard::User;
use crate::clock::{parse_rfc3339, rfc3339};
use crate::store::audit::{self as store, EntryRow, Filter};
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::sheet;
use crate::state::AppState;
use utoipa::OpenApi;

/// The rows of `q` that `user` may see: FORBIDDEN for anyone but owners (own shop) and
/// platform admins.
pub fn filter(user: &User, q: &AuditQuery) -> AppResult<Filter> {
    let mut f = Filter {
        shop_id: match user.role {
            Role::Admin => q.shop_id.clone(),
            Role::Owner => Some(user.own_shop()?.to_string()),
            // A factory owner reads the factory's own chain.
            Role::Factory => None,
            _ => return Err(ErrorCode::Forbidden.into()),
        },
        chain: (user.role == Role::Factory).then(|| user.own_factory().map(|f| format!("factory:{f}"))).transpose()?,
        actor: q.actor.clone(),
        action: q.action.clone(),
        outcome: q.outcome.clone(),
        ..Filter::default()
    };
    if let Some(o) = &q.order_id {
        // order_ids is a JSON array of ids; ids cannot contain quotes, and `_` (a legal id
        // character) and `%` are escaped, so this is exact.
        let o = o.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        f.order_ids_like = Some(format!("%\"{o}\"%"));
    }
    if let Some(p) = &q.purpose {
        // A reveal's details hold `"purpose":"<name>"` (compact JSON written by serde_json; a
        // quote inside a string value is escaped, so the pattern only meets the key). The
        // name is one of the fixed list, its `_` escaped.
        let p = orderveil_api::RevealPurpose::parse(p)
            .ok_or_else(|| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "purpose", "allowed": orderveil_api::RevealPurpose::ALL.map(|x| x.as_str())})))?;
        let name = p.as_str().replace('_', "\\_");
        f.details_like = Some(format!("%\"purpose\":\"{name}\"%"));
    }
    let at = |name: &str, v: &Option<String>| {
        v.as_deref().map(|v| parse_rfc3339(v).ok_or_else(|| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": name})))).transpose()
    };
    f.from = at("from", &q.from)?;
    f.to = at("to", &q.to)?;
    Ok(f)
}

/// A stored row as the API shows it.
pub fn entry(r: EntryRow) -> AuditEntry {
    AuditEntry {
        order_ids: serde_json::from_str(&r.order_ids).unwrap_or_default(),
        details: serde_json::from_str(&r.details).unwrap_or_default(),
        id: r.id,
        chain: r.chain,
        seq: r.seq,
        at: rfc3339(r.at),
        actor: r.actor,
        shop_id: r.shop_id,
        action: r.action,
        outcome: r.outcome,
        code: r.code,
        hash: r.hash,
    }
}

/// List events visible to `user`.
pub async fn list(state: &AppState, user: &User, q: AuditQuery) -> AppResult<AuditPage> {
    let f = filter(user, &q)?;
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(50);
    if !(1..=200).contains(&per_page) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "per_page"})));
    }
    let total = store::count(&state.db, &f).await?;
    let rows = store::page(&state.db, &f, i64::from(per_page), i64::from(page - 1) * i64::from(per_page)).await?;
    let entries = rows.into_iter().map(entry).collect();
    Ok(AuditPage { entries, page, per_page, total: u64::try_from(total).unwrap_or(0) })
}

// ---------------------------------------------------------------------------------------
// CSV export

/// Rows read per query while streaming the CSV.
const EXPORT_CHUNK: i64 = 1000;

/// The CSV header row.
pub const CSV_HEADER: [&str; 12] = ["id", "chain", "seq", "at", "actor", "shop_id", "action", "outcome", "code", "order_ids", "details", "hash"];

/// Rows as CSV records (cells neutralized, see [`crate::sheet`]).
fn csv_lines(rows: &[EntryRow]) -> Result<String, csv::Error> {
    let mut w = sheet::csv_writer(Vec::new());
    for r in rows {
        let order_ids: Vec<String> = serde_json::from_str(&r.order_ids).unwrap_or_default();
        let cells = [
            r.id.to_string(),
            r.chain.clone(),
            r.seq.to_string(),
            rfc3339(r.at),
            r.actor.clone(),
            r.shop_id.clone().unwrap_or_default(),
            r.action.clone(),
            r.outcome.clone(),
            r.code.clone().unwrap_or_default(),
            order_ids.join(" "),
            r.details.clone(),
            r.hash.clone(),
        ];
        sheet::write_csv_record(&mut w, &cells)?;
    }
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Where the stream is: the filter, and the last row sent (keyset pagination, newest first).
struct Cursor {
    state: AppState,
    filter: Filter,
    after: Option<(i64, i64)>,
    done: bool,
}

async fn next_chunk(mut c: Cursor) -> Option<(Result<String, std::io::Error>, Cursor)> {
    if c.done {
        return None;
    }
    match store::page_after(&c.state.db, &c.filter, c.after, EXPORT_CHUNK).await {
        Ok(rows) => {
            c.done = i64::try_from(rows.len()).unwrap_or(0) < EXPORT_CHUNK;
            c.after = rows.last().map(|r| (r.at, r.id));
            match csv_lines(&rows) {
                Ok(text) => Some((Ok(text), c)),
                Err(e) => {
                    tracing::error!("audit export: {e}");
                    c.done = true;
                    Some((Err(std::io::Error::other("audit export failed")), c))
                }
            }
        }
        Err(e) => {
            tracing::error!("audit export: {e}");
            c.done = true;
            Some((Err(std::io::Error::other("audit export failed")), c))
        }
    }
}

/// The events of `q` visible to `user` as CSV (UTF-8 with BOM, header row, newest first),
/// read and sent in chunks.
pub async fn export_csv(state: &AppState, user: &User, q: AuditQuery) -> AppResult<Response> {
    let filter = filter(user, &q)?;
    let head = futures_util::stream::once(async { Ok::<_, std::io::Error>(format!("{}{}\r\n", sheet::BOM, CSV_HEADER.join(","))) });
    let cursor = Cursor { state: state.clone(), filter, after: None, done: false };
    let body = futures_util::StreamExt::chain(head, futures_util::stream::unfold(cursor, next_chunk));
    let mut resp = axum::body::Body::from_stream(body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"orderveil-audit.csv\""));
    Ok(resp)
}

// ---------------------------------------------------------------------------------------
// Verification

/// Recompute the chains `user` may see: an owner's shop chain, or every chain for admins.
pub async fn verify(state: &AppState, user: &User) -> AppResult<AuditVerifyReport> {
    let report = audit::verify_chains(&state.db, verify_scope(user)?.as_deref(), |_| true).await?;
    Ok(report_of(&report))
}

/// The chains `user` may verify: every chain (admin, `None`) or the own shop's.
fn verify_scope(user: &User) -> AppResult<Option<String>> {
    match user.role {
        Role::Admin => Ok(None),
        Role::Owner => Ok(Some(format!("shop:{}", user.own_shop()?))),
        Role::Factory => Ok(Some(format!("factory:{}", user.own_factory()?))),
        _ => Err(ErrorCode::Forbidden.into()),
    }
}

fn report_of(r: &audit::Report) -> AuditVerifyReport {
    AuditVerifyReport {
        ok: r.problem_count == 0,
        chains: u64::try_from(r.chains).unwrap_or(0),
        rows: u64::try_from(r.rows).unwrap_or(0),
        problems: r.problems.clone(),
        problem_count: u64::try_from(r.problem_count).unwrap_or(0),
    }
}

/// What the verifying task sends to the response stream.
enum Verified {
    Progress(u64, u64),
    Done(AuditVerifyReport),
    Failed,
}

/// [`verify`] as a streamed response: the recomputation runs a page at a time in a task of
/// its own while the body streams, so neither the server's memory nor the request timeout
/// limits the chain's length. With `Accept: application/x-ndjson` each page adds a line
/// `{"progress":{"chains":…,"rows":…}}` and the last line is the report; otherwise the body
/// is the report alone (as JSON, after a newline per page, which JSON parsers skip). A
/// client that goes away stops the task.
pub async fn verify_streamed(state: &AppState, user: &User, ndjson: bool) -> AppResult<Response> {
    let scope = verify_scope(user)?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Verified>(4);
    let st = state.clone();
    tokio::spawn(async move {
        let r = audit::verify_chains(&st.db, scope.as_deref(), |r| {
            // A full channel drops a progress line (the reader is slow): memory stays constant.
            let _ = tx.try_send(Verified::Progress(r.chains as u64, r.rows as u64));
            !tx.is_closed()
        })
        .await;
        let last = match r {
            Ok(r) => Verified::Done(report_of(&r)),
            Err(e) => {
                tracing::error!("audit verify: {e}");
                Verified::Failed
            }
        };
        let _ = tx.send(last).await;
    });
    let body = futures_util::stream::unfold(Some(rx), move |rx| async move {
        let mut rx = rx?;
        let item = rx.recv().await?;
        let (chunk, more) = match item {
            Verified::Progress(chains, rows) if ndjson => (format!("{}\n", json!({"progress": {"chains": chains, "rows": rows}})), true),
            Verified::Progress(..) => ("\n".to_string(), true),
            Verified::Done(report) => (format!("{}\n", serde_json::to_string(&report).unwrap_or_default()), false),
            Verified::Failed if ndjson => (format!("{}\n", serde_json::to_string(&ErrorCode::Internal.body()).unwrap_or_default()), false),
            Verified::Failed => return Some((Err(std::io::Error::other("audit verify failed")), None)),
        };
        Some((Ok::<_, std::io::Error>(chunk), more.then_some(rx)))
    });
    let mut resp = axum::body::Body::from_stream(body).into_response();
    let ct = if ndjson { "application/x-ndjson" } else { "application/json" };
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(resp)
}

// ---------------------------------------------------------------------------------------
// Routes

/// The audit trail's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/audit", get(get_audit))
        .route("/api/v1/audit/export.csv", get(get_audit_export))
        .route("/api/v1/audit/verify", get(get_audit_verify))
}

/// The filtered audit trail as CSV (same filters and visibility as `GET /api/v1/audit`;
/// `page` and `per_page` are ignored).
#[utoipa::path(get, path = "/api/v1/audit/export.csv", params(AuditQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ApiError)))]
pub async fn get_audit_export(State(state): State<AppState>, user: User, ApiQuery(q): ApiQuery<AuditQuery>) -> AppResult<Response> {
    export_csv(&state, &user, q).await
}

/// Whether the caller's hash chains verify (owner: the shop's chain; admin: every chain),
/// streamed: `Accept: application/x-ndjson` for progress lines before the report.
#[utoipa::path(get, path = "/api/v1/audit/verify", responses((status = 200, body = AuditVerifyReport), (status = 403, body = ApiError)))]
pub async fn get_audit_verify(State(state): State<AppState>, user: User, headers: axum::http::HeaderMap) -> AppResult<Response> {
    let ndjson = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/x-ndjson"));
    verify_streamed(&state, &user, ndjson).await
}

/// The audit trail: own shop for owners, everything for platform admins.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), responses((status = 200, body = AuditPage), (status = 403, body = ApiError)))]
async fn get_audit(State(state): State<AppState>, user: User, ApiQuery(q): ApiQuery<AuditQuery>) -> AppResult<Json<AuditPage>> {
    list(&state, &user, q).await.map(Json)
}

/// The OpenAPI paths of these routes.
#[derive(OpenApi)]
#[openapi(paths(get_audit, get_audit_export, get_audit_verify))]
pub struct AuditListDoc;
