//! Export jobs: create one (resolve, count and store the filter, audit it), look one up,
//! list the shop's latest; the filter as the audit trail records it.

use orderveil_api::{EXPORT_TTL_SECS, ErrorCode, ExportCreate, ExportFilter, ExportFormat, ExportJob, ExportStatus, Permission};
use serde_json::{Value, json};

use super::LISTED_JOBS;
use crate::audit::{self, Event};
use crate::clock::{SHANGHAI, rfc3339};
use crate::error::{AppError, AppResult};
use crate::guard::{User, shop_with};
use crate::orders::OrderFilter;
use crate::state::AppState;
use crate::store::exports::{self as store, JobRow, NewJob};

pub(super) fn job_view(r: JobRow, now: i64) -> AppResult<ExportJob> {
    let format = ExportFormat::parse(&r.format).ok_or_else(|| AppError::internal("bad format in exports table"))?;
    let status = ExportStatus::parse(&r.status).ok_or_else(|| AppError::internal("bad status in exports table"))?;
    let expires = r.created_at + EXPORT_TTL_SECS;
    Ok(ExportJob {
        id: r.id,
        format,
        status,
        rows_total: u64::try_from(r.rows_total).unwrap_or(0),
        rows_done: u64::try_from(r.rows_done).unwrap_or(0),
        created_at: rfc3339(r.created_at),
        created_by: r.created_by,
        filename: r.filename,
        expires_at: rfc3339(expires),
        expired: now >= expires,
        downloads: u32::try_from(r.downloads).unwrap_or(u32::MAX),
    })
}

/// A job of `shop` and its stored filter; another shop's (or a malformed id) is NOT_FOUND.
pub(super) async fn load(state: &AppState, shop: &str, id: &str) -> AppResult<(JobRow, String)> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(ErrorCode::NotFound.into());
    }
    let row = store::job(&state.db.pool, id, shop).await?;
    Ok(row.ok_or_else(|| AppError::new(ErrorCode::NotFound))?.split())
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
            let matched = filter.matching_ids_on(meter.conn()).await?;
            meter.finish(Some(n), matched).await?;
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
    let new = NewJob {
        id: &id,
        shop: &shop,
        format: req.format.as_str(),
        filter: &stored,
        rows_total: total,
        filename: &filename,
        created_by: &user.username,
        created_by_id: user.id,
        now,
    };
    store::insert_job(&mut tx, &new).await?;
    let mut ev = Event::new(&user.username, Some(user.id), Some(&shop), "export_create", "ok");
    ev.details = json!({"job_id": id, "format": req.format.as_str(), "filter": audited_filter(&req.filter), "rows_total": rows_total});
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    let row = JobRow {
        id,
        format: req.format.as_str().into(),
        status: "ready".into(),
        rows_total: total,
        rows_done: 0,
        downloads: 0,
        filename,
        created_by: user.username.clone(),
        created_at: now,
    };
    job_view(row, now)
}

/// One job of the caller's shop.
pub async fn job(state: &AppState, user: &User, id: &str) -> AppResult<ExportJob> {
    let shop = shop_with(user, Permission::Export)?;
    job_view(load(state, &shop, id).await?.0, state.now())
}

/// The shop's latest jobs, newest first.
pub async fn list(state: &AppState, user: &User) -> AppResult<Vec<ExportJob>> {
    let shop = shop_with(user, Permission::Export)?;
    let rows = store::latest_jobs(&state.db.pool, &shop, LISTED_JOBS).await?;
    let now = state.now();
    rows.into_iter().map(|r| job_view(r, now)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::items_text;

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
