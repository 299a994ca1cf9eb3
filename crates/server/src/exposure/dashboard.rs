//! The admin's exposure dashboard: per shop and day, orders, reveals, prints, search units,
//! SMS and virtual numbers over the last days, the flags, the audit rows behind each flag, and
//! the decisions on them.

use std::collections::HashMap;

use orderveil_api::{AuditEntry, ErrorCode, ExposureDay, ExposureFlag, ExposurePage, ExposureQuery, ExposureShop, FlagDetail, FlagPage, FlagQuery, FlagRule, FlagStatus};
use serde_json::json;

use crate::audit::{self, Event};
use crate::clock::{day_start, last_days, rfc3339};
use crate::error::{AppError, AppResult};
use crate::guard::{User, require_admin};
use crate::state::AppState;
use crate::store::audit::{self as audit_store, Filter};
use crate::store::exposure::{self as store, DailyRow, FlagRow};

/// Audit rows a flag's detail shows at most.
pub const MAX_EVIDENCE: usize = 200;
/// Longest comment on a decision.
pub const MAX_COMMENT: usize = 500;

/// The dashboard's default period, days.
pub const PERIOD_DAYS: u32 = 30;

/// Sum the default period's closed days per shop, if they were not summed today (or always,
/// `force`: each scan does, so a disclosure committed just after midnight with the day before
/// is in the sums within a scan's interval). Every `serve` runs it at start and at each scan.
pub async fn refresh_period(state: &AppState, force: bool) -> AppResult<()> {
    let days = last_days(state.now(), PERIOD_DAYS);
    let (from, today) = (&days[0], &days[days.len() - 1]);
    {
        let mut conn = state.db.pool.acquire().await?;
        let done: Option<String> = crate::store::exposure::period_day(&mut conn).await?;
        if !force && done.as_deref() == Some(today.as_str()) {
            return Ok(());
        }
    }
    let mut tx = state.db.begin_write().await?;
    if force || store::lock_period(&mut tx).await? != *today {
        store::refresh_period(&mut tx, from, today).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn day_view(r: &DailyRow, day: &str) -> ExposureDay {
    ExposureDay {
        day: day.to_string(),
        orders: r.orders,
        reveals: r.reveals,
        prints: r.prints,
        search_units: r.search_units,
        search_matches: r.search_matches,
        sms: r.sms,
        virtual_numbers: r.virtual_numbers,
    }
}

fn paging(page: Option<u32>, per_page: Option<u32>) -> AppResult<(u32, u32, i64)> {
    let page = page.unwrap_or(1).max(1);
    let per_page = per_page.unwrap_or(20);
    if !(1..=100).contains(&per_page) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "per_page", "min": 1, "max": 100})));
    }
    Ok((page, per_page, i64::from(page - 1) * i64::from(per_page)))
}

/// The dashboard: shops active in the last `days` days (30 by default), most reveals first,
/// each with its sums, every day of the period and its open flags.
pub async fn page(state: &AppState, admin: &User, q: ExposureQuery) -> AppResult<ExposurePage> {
    require_admin(admin)?;
    let n = q.days.unwrap_or(30);
    if !(1..=90).contains(&n) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "days", "min": 1, "max": 90})));
    }
    let (page, per_page, offset) = paging(q.page, q.per_page)?;
    let days = last_days(state.now(), n);
    let (from, to) = (days[0].clone(), days[days.len() - 1].clone());
    // The default view (every shop, 30 days) reads the period's sums while they end today (each
    // start and each scan sums them; a GET never writes); another view sums its days.
    let mut conn = state.db.pool.acquire().await?;
    let current = store::period_day(&mut conn).await?.as_deref() == Some(to.as_str());
    let (sums, total) = if q.shop_id.is_none() && n == PERIOD_DAYS && current {
        store::period_page(&mut conn, &to, i64::from(per_page), offset).await?
    } else {
        store::shop_sums(&mut conn, (&from, &to), q.shop_id.as_deref(), i64::from(per_page), offset).await?
    };
    let ids: Vec<String> = sums.iter().map(|s| s.shop_id.clone()).collect();
    let rows = store::days_of(&mut conn, &ids, (&from, &to)).await?;
    let mut by_day: HashMap<(&str, &str), &DailyRow> = HashMap::new();
    for r in &rows {
        by_day.insert((r.shop_id.as_str(), r.day.as_str()), r);
    }
    let names: HashMap<String, (String, bool)> = store::shops(&mut conn, &ids).await?.into_iter().map(|s| (s.shop_id, (s.name, s.suspended != 0))).collect();
    let flags: HashMap<String, i64> = store::open_flag_counts(&mut conn, &ids, (&from, &to)).await?.into_iter().map(|c| (c.shop_id, c.n)).collect();
    let shops = sums
        .iter()
        .map(|s| {
            let (name, suspended) = names.get(&s.shop_id).cloned().unwrap_or_else(|| (s.shop_id.clone(), false));
            ExposureShop {
                shop_id: s.shop_id.clone(),
                shop_name: name,
                suspended,
                totals: day_view(s, ""),
                days: days.iter().map(|d| by_day.get(&(s.shop_id.as_str(), d.as_str())).map_or_else(|| ExposureDay { day: d.clone(), ..ExposureDay::default() }, |r| day_view(r, d))).collect(),
                open_flags: u32::try_from(flags.get(&s.shop_id).copied().unwrap_or(0)).unwrap_or(u32::MAX),
            }
        })
        .collect();
    Ok(ExposurePage { from_day: from, to_day: to, shops, page, per_page, total: u64::try_from(total).unwrap_or(0) })
}

fn flag_view(r: FlagRow) -> AppResult<ExposureFlag> {
    Ok(ExposureFlag {
        id: r.id,
        shop_id: r.shop_id,
        shop_name: r.shop_name,
        day: r.day,
        rule: FlagRule::parse(&r.rule).ok_or_else(|| AppError::internal("bad flag rule"))?,
        measured: r.measured,
        threshold: r.threshold,
        details: serde_json::from_str(&r.details).unwrap_or_default(),
        raised_at: rfc3339(r.raised_at),
        status: FlagStatus::parse(&r.status).ok_or_else(|| AppError::internal("bad flag status"))?,
        decided_by: r.decided_by,
        decided_at: r.decided_at.map(rfc3339),
        comment: r.comment,
    })
}

/// Flags, newest day first.
pub async fn flags(state: &AppState, admin: &User, q: FlagQuery) -> AppResult<FlagPage> {
    require_admin(admin)?;
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(FlagStatus::parse(s).ok_or_else(|| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "status", "allowed": FlagStatus::ALL.map(FlagStatus::as_str)})))?),
    };
    let (page, per_page, offset) = paging(q.page, q.per_page)?;
    let mut conn = state.db.pool.acquire().await?;
    let (rows, total) = store::flags(&mut conn, status.map(FlagStatus::as_str), q.shop_id.as_deref(), i64::from(per_page), offset).await?;
    let flags = rows.into_iter().map(flag_view).collect::<AppResult<Vec<_>>>()?;
    Ok(FlagPage { flags, page, per_page, total: u64::try_from(total).unwrap_or(0) })
}

/// The audit rows behind a flag: the day's rows of the action the rule counts (reveals or
/// searches), narrowed to its windows, its account or its orders.
async fn evidence(state: &AppState, f: &ExposureFlag) -> AppResult<(Vec<AuditEntry>, u64)> {
    let start = day_start(&f.day).ok_or_else(|| AppError::internal("bad flag day"))?;
    let action = if f.rule == FlagRule::SearchGuessing { "search" } else { "reveal" };
    let base = Filter { shop_id: Some(f.shop_id.clone()), action: Some(action.into()), outcome: Some("ok".into()), ..Filter::default() };
    let mut windows = vec![(start, start + 86_400)];
    let mut filter = base.clone();
    match f.rule {
        FlagRule::NightBurst => {
            if let Some(w) = serde_json::from_value::<Vec<(i64, i64)>>(f.details["windows"].clone()).ok().filter(|w| !w.is_empty()) {
                windows = w;
            }
        }
        FlagRule::AccountConcentration => filter.actor = f.details["account"].as_str().map(str::to_string),
        _ => {}
    }
    let wanted: Option<Vec<String>> = (f.rule == FlagRule::UnshippedReveals).then(|| serde_json::from_value(f.details["order_ids"].clone()).unwrap_or_default());
    let (mut out, mut total) = (Vec::new(), 0u64);
    for (from, to) in windows {
        let mut w = filter.clone();
        (w.from, w.to) = (Some(from), Some(to));
        let rows = if wanted.is_some() { audit_store::page(&state.db, &w, 5_000, 0).await? } else { audit_store::page(&state.db, &w, i64::try_from(MAX_EVIDENCE).unwrap_or(200), 0).await? };
        let n = if wanted.is_some() { 0 } else { u64::try_from(audit_store::count(&state.db, &w).await?).unwrap_or(0) };
        total += n;
        for r in rows {
            let e = crate::audit_query::entry(r);
            if let Some(ids) = &wanted {
                if !e.order_ids.iter().any(|o| ids.contains(o)) {
                    continue;
                }
                total += 1;
            }
            if out.len() < MAX_EVIDENCE {
                out.push(e);
            }
        }
    }
    Ok((out, total))
}

async fn load(state: &AppState, id: i64) -> AppResult<ExposureFlag> {
    let mut conn = state.db.pool.acquire().await?;
    let row = store::flag(&mut conn, id).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    flag_view(row)
}

/// A flag with the audit rows behind it.
pub async fn detail(state: &AppState, admin: &User, id: i64) -> AppResult<FlagDetail> {
    require_admin(admin)?;
    let flag = load(state, id).await?;
    let (audit, audit_total) = evidence(state, &flag).await?;
    Ok(FlagDetail { flag, audit, audit_total })
}

/// Acknowledge a flag, or suspend its shop from it (with the comment as the reason); one
/// transaction with its audit rows. `FLAG_STATE_CONFLICT` if it was decided already.
pub async fn decide(state: &AppState, admin: &User, id: i64, comment: &str, suspend: bool) -> AppResult<ExposureFlag> {
    require_admin(admin)?;
    let comment = comment.trim();
    let chars = comment.chars().count();
    if chars == 0 || chars > MAX_COMMENT || comment.chars().any(char::is_control) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "comment", "reason": "1 to 500 characters, no control characters"})));
    }
    let flag = load(state, id).await?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let status = if suspend { FlagStatus::Suspended } else { FlagStatus::Acknowledged };
    if !store::decide(&mut tx, id, status.as_str(), &admin.username, comment, now).await? {
        return Err(AppError::new(ErrorCode::FlagStateConflict).with(json!({"flag_id": id})));
    }
    let details = json!({"flag_id": id, "shop_id": flag.shop_id, "day": flag.day, "rule": flag.rule.as_str(), "comment": comment});
    let mut ev = Event::new(&admin.username, Some(admin.id), None, if suspend { "exposure_flag_suspend" } else { "exposure_flag_acknowledge" }, "ok");
    ev.details = details;
    let mut events = vec![(now, ev)];
    if suspend {
        let before = crate::store::users::shop_state(&mut tx, &flag.shop_id).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
        crate::store::users::update_shop(&mut tx, &flag.shop_id, &before.name, true).await?;
        let shop_ev = admin.event(&flag.shop_id, "shop_suspend", json!({"suspended_before": before.suspended != 0, "suspended": true, "reason": comment, "flag_id": id, "rule": flag.rule.as_str()}));
        events.push((now, shop_ev));
    }
    audit::append_many(&mut tx, &events).await?;
    tx.commit().await?;
    load(state, id).await
}
