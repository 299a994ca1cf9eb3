//! The flag rules (issue 20; documented with the paths they watch in `docs/threat-model.md`).
//! A scan evaluates each rule for each shop on a few recent days (Asia/Shanghai) and raises a
//! flag per shop, day and rule, with what it measured and the threshold it crossed; a flag
//! already raised keeps its id (its figures follow the day while it is open). The admin
//! acknowledges a flag with a comment, or suspends the shop from it; both are audited on the
//! platform chain (the suspension on the shop's too, like any suspension).
//!
//! | rule | raised when (thresholds in [`ExposureRules`]) |
//! |---|---|
//! | `reveal_spike` | the day's reveals ≥ `spike_min_reveals` and > `spike_factor` × the median of the shop's active days in the `spike_window_days` before |
//! | `unshipped_reveals` | of the orders revealed that day (at least `unshipped_grace_days` ago), ≥ `unshipped_min_orders` and ≥ `unshipped_min_pct` % are neither shipped (shipped, completed, after-sales) nor served afterwards (an SMS or a shop or factory message after the reveal) |
//! | `night_burst` | ≥ `night_min_reveals` reveals between `night_start_hour` and `night_end_hour` |
//! | `search_guessing` | ≥ `guess_min_units` search units with matched orders ≤ `guess_max_match_pct` % of them |
//! | `account_concentration` | ≥ `concentration_min_reveals` reveals, ≥ `concentration_min_pct` % by one account, in a shop where ≥ `concentration_min_accounts` accounts revealed in the last 30 days |

use std::collections::BTreeMap;

use orderveil_api::{ErrorCode, ExposureRules, ExposureRulesUpdate, ExposureRulesView, FlagRule, ScanReport};
use serde_json::json;
use sqlx::AnyConnection;

use crate::audit::{self, Event};
use crate::clock::{add_days, day_of, day_start, last_days, rfc3339};
use crate::error::{AppError, AppResult};
use crate::guard::{User, require_admin};
use crate::state::AppState;
use crate::store::exposure::{self as store, DailyRow, NewFlag};

/// Days a scan looks at besides the grace of `unshipped_reveals`.
pub const SCAN_DAYS: u32 = 2;
/// How often every `serve` scans.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(300);
/// Orders a flag's details name at most.
pub const MAX_FLAG_ORDERS: usize = 50;

/// The rules in force (the defaults until an admin saves them).
pub async fn rules(conn: &mut AnyConnection) -> AppResult<ExposureRulesView> {
    Ok(match store::rules(conn).await? {
        Some(r) => ExposureRulesView {
            rules: serde_json::from_str(&r.rules).map_err(AppError::internal)?,
            version: r.version,
            updated_at: r.updated_at.map(rfc3339),
            updated_by: r.updated_by,
        },
        None => ExposureRulesView { rules: ExposureRules::default(), version: 0, updated_at: None, updated_by: None },
    })
}

/// The first threshold out of range: `(field, min, max)`.
pub fn invalid_field(r: &ExposureRules) -> Option<(&'static str, u32, u32)> {
    [
        ("spike_factor", r.spike_factor, 2, 100),
        ("spike_min_reveals", r.spike_min_reveals, 1, 1_000_000),
        ("spike_window_days", r.spike_window_days, 7, 90),
        ("unshipped_grace_days", r.unshipped_grace_days, 1, 30),
        ("unshipped_min_orders", r.unshipped_min_orders, 1, 1_000_000),
        ("unshipped_min_pct", r.unshipped_min_pct, 1, 100),
        ("night_start_hour", r.night_start_hour, 0, 23),
        ("night_end_hour", r.night_end_hour, 0, 23),
        ("night_min_reveals", r.night_min_reveals, 1, 1_000_000),
        ("guess_min_units", r.guess_min_units, 1, 1_000_000),
        ("guess_max_match_pct", r.guess_max_match_pct, 0, 100),
        ("concentration_min_reveals", r.concentration_min_reveals, 1, 1_000_000),
        ("concentration_min_pct", r.concentration_min_pct, 50, 100),
        ("concentration_min_accounts", r.concentration_min_accounts, 1, 1000),
    ]
    .into_iter()
    .find(|(_, v, min, max)| v < min || v > max)
    .map(|(f, _, min, max)| (f, min, max))
}

/// Change the rules (admins), audited on the platform chain with the values before and after.
pub async fn update_rules(state: &AppState, admin: &User, req: ExposureRulesUpdate) -> AppResult<ExposureRulesView> {
    require_admin(admin)?;
    if let Some((field, min, max)) = invalid_field(&req.rules) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": field, "min": min, "max": max})));
    }
    if req.rules.night_start_hour == req.rules.night_end_hour {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "night_end_hour", "reason": "the night must not be empty"})));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let before = rules(&mut tx).await?;
    if before.version != req.expected_version {
        return Err(AppError::new(ErrorCode::SettingsChanged).with(json!({"version": before.version})));
    }
    let text = serde_json::to_string(&req.rules).map_err(AppError::internal)?;
    if !store::set_rules(&mut tx, &text, req.expected_version, now, &admin.username).await? {
        return Err(ErrorCode::SettingsChanged.into());
    }
    let mut ev = Event::new(&admin.username, Some(admin.id), None, "exposure_rules_update", "ok");
    ev.details = json!({"before": before.rules, "after": req.rules, "version": before.version + 1});
    audit::append(&mut tx, now, &ev).await?;
    let after = rules(&mut tx).await?;
    tx.commit().await?;
    Ok(after)
}

/// Median of `v` (0 for none).
fn median(mut v: Vec<i64>) -> i64 {
    v.sort_unstable();
    match v.len() {
        0 => 0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

/// The night windows of `day` (`[from, to)` unix seconds).
pub fn night_windows(day: &str, r: &ExposureRules) -> Vec<(i64, i64)> {
    let Some(s0) = day_start(day) else { return Vec::new() };
    let (a, b) = (i64::from(r.night_start_hour), i64::from(r.night_end_hour));
    match a.cmp(&b) {
        std::cmp::Ordering::Less => vec![(s0 + a * 3600, s0 + b * 3600)],
        std::cmp::Ordering::Greater => vec![(s0, s0 + b * 3600), (s0 + a * 3600, s0 + 86_400)],
        std::cmp::Ordering::Equal => Vec::new(),
    }
}

fn flag(shop: &str, day: &str, rule: FlagRule, measured: i64, threshold: i64, details: serde_json::Value) -> NewFlag {
    NewFlag { shop_id: shop.into(), day: day.into(), rule: rule.as_str(), measured, threshold, details: details.to_string() }
}

/// Evaluate every rule on `day`, `today` being the scan's day.
pub async fn evaluate(conn: &mut AnyConnection, r: &ExposureRules, day: &str, today: &str) -> AppResult<Vec<NewFlag>> {
    let mut out = Vec::new();
    let bad_day = || AppError::internal("bad day");
    let window_start = add_days(day, -i64::from(r.spike_window_days)).ok_or_else(bad_day)?;
    let rows = store::days_between(conn, (&window_start, day)).await?;
    let mut per_shop: BTreeMap<&str, Vec<&DailyRow>> = BTreeMap::new();
    for row in &rows {
        per_shop.entry(row.shop_id.as_str()).or_default().push(row);
    }
    for (shop, days) in &per_shop {
        let Some(today_row) = days.iter().find(|d| d.day == day) else { continue };
        // reveal_spike
        let prior: Vec<i64> = days.iter().filter(|d| d.day.as_str() < day).map(|d| d.reveals).collect();
        let (n_prior, med) = (prior.len(), median(prior));
        let factor = i64::from(r.spike_factor);
        if today_row.reveals >= i64::from(r.spike_min_reveals) && today_row.reveals > factor * med {
            let threshold = (factor * med + 1).max(i64::from(r.spike_min_reveals));
            out.push(flag(shop, day, FlagRule::RevealSpike, today_row.reveals, threshold, json!({"reveals": today_row.reveals, "median": med, "days_in_median": n_prior, "factor": r.spike_factor})));
        }
        // search_guessing
        let units = today_row.search_units;
        if units >= i64::from(r.guess_min_units) && today_row.search_matches * 100 <= i64::from(r.guess_max_match_pct) * units {
            out.push(flag(shop, day, FlagRule::SearchGuessing, units, i64::from(r.guess_min_units), json!({"search_units": units, "matches": today_row.search_matches, "max_match_pct": r.guess_max_match_pct})));
        }
    }
    // night_burst
    let windows = night_windows(day, r);
    if !windows.is_empty() {
        for c in store::reveals_in(conn, day, &windows).await? {
            if c.n >= i64::from(r.night_min_reveals) {
                out.push(flag(&c.shop_id, day, FlagRule::NightBurst, c.n, i64::from(r.night_min_reveals), json!({"night_reveals": c.n, "windows": windows, "from_hour": r.night_start_hour, "to_hour": r.night_end_hour})));
            }
        }
    }
    // account_concentration
    let mut by_shop: BTreeMap<String, (i64, String, i64)> = BTreeMap::new();
    for c in store::reveals_by_account(conn, day).await? {
        let e = by_shop.entry(c.shop_id.clone()).or_insert((0, String::new(), 0));
        e.0 += c.n;
        if c.n > e.2 || (c.n == e.2 && c.k < e.1) {
            (e.1, e.2) = (c.k, c.n);
        }
    }
    let candidates: Vec<String> = by_shop
        .iter()
        .filter(|(_, (total, _, top))| *total >= i64::from(r.concentration_min_reveals) && top * 100 >= i64::from(r.concentration_min_pct) * total)
        .map(|(s, _)| s.clone())
        .collect();
    let month = add_days(day, -29).ok_or_else(bad_day)?;
    for c in store::accounts_revealing(conn, &candidates, (&month, day)).await? {
        let Some((total, account, top)) = by_shop.get(&c.shop_id) else { continue };
        if c.n >= i64::from(r.concentration_min_accounts) {
            let pct = top * 100 / (*total).max(1);
            out.push(flag(&c.shop_id, day, FlagRule::AccountConcentration, pct, i64::from(r.concentration_min_pct), json!({"account": account, "account_reveals": top, "shop_reveals": total, "accounts_30d": c.n})));
        }
    }
    // unshipped_reveals: only once the grace has passed.
    let ripe = add_days(today, -i64::from(r.unshipped_grace_days)).ok_or_else(bad_day)?;
    if day <= ripe.as_str() {
        let mut per: BTreeMap<String, (i64, Vec<String>)> = BTreeMap::new();
        for o in store::revealed_orders(conn, day).await? {
            let e = per.entry(o.shop_id).or_default();
            e.0 += 1;
            if o.served == 0 {
                e.1.push(o.order_id);
            }
        }
        for (shop, (revealed, unserved)) in per {
            let n = i64::try_from(unserved.len()).unwrap_or(i64::MAX);
            if n >= i64::from(r.unshipped_min_orders) && n * 100 >= i64::from(r.unshipped_min_pct) * revealed {
                let some: Vec<&String> = unserved.iter().take(MAX_FLAG_ORDERS).collect();
                out.push(flag(&shop, day, FlagRule::UnshippedReveals, n, i64::from(r.unshipped_min_orders), json!({"revealed": revealed, "unserved": n, "order_ids": some, "grace_days": r.unshipped_grace_days})));
            }
        }
    }
    Ok(out)
}

/// Scan the last days at `now` (today, yesterday, and the day whose grace just ended) and
/// raise what the rules find; each new flag is audited on the platform chain.
pub async fn scan(state: &AppState) -> AppResult<ScanReport> {
    let now = state.now();
    let today = day_of(now);
    let r = {
        let mut conn = state.db.pool.acquire().await?;
        rules(&mut conn).await?.rules
    };
    let mut days = last_days(now, SCAN_DAYS);
    if let Some(ripe) = add_days(&today, -i64::from(r.unshipped_grace_days)) {
        days.insert(0, ripe);
    }
    days.dedup();
    let mut found = Vec::new();
    {
        let mut conn = state.db.pool.acquire().await?;
        for day in &days {
            found.extend(evaluate(&mut conn, &r, day, &today).await?);
        }
    }
    let mut raised = 0u32;
    let mut tx = state.db.begin_write().await?;
    let mut events = Vec::new();
    for f in &found {
        if let Some(id) = store::raise(&mut tx, f, now).await? {
            raised += 1;
            let mut ev = Event::new("platform", None, None, "exposure_flag_raise", "ok");
            ev.details = json!({"flag_id": id, "shop_id": f.shop_id, "day": f.day, "rule": f.rule, "measured": f.measured, "threshold": f.threshold});
            events.push((now, ev));
        }
    }
    audit::append_many(&mut tx, &events).await?;
    tx.commit().await?;
    super::dashboard::refresh_period(state, true).await?;
    Ok(ScanReport { days, raised })
}

/// Scan every [`EVERY`] in the background (every `serve`; two processes scanning at once
/// raise each flag once: one shop, day and rule is unique).
pub fn start(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(EVERY).await;
            if let Err(e) = scan(&state).await {
                tracing::warn!("exposure scan: {}", e.code.as_str());
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_night_windows() {
        assert_eq!(median(vec![]), 0);
        assert_eq!(median(vec![5, 1, 9]), 5);
        assert_eq!(median(vec![4, 1, 9, 10]), 6);
        let r = ExposureRules::default();
        let s0 = day_start("2026-12-01").unwrap();
        assert_eq!(night_windows("2026-12-01", &r), vec![(s0, s0 + 6 * 3600)]);
        let late = ExposureRules { night_start_hour: 22, night_end_hour: 5, ..r };
        assert_eq!(night_windows("2026-12-01", &late), vec![(s0, s0 + 5 * 3600), (s0 + 22 * 3600, s0 + 86_400)]);
        assert_eq!(invalid_field(&r), None);
        assert_eq!(invalid_field(&ExposureRules { spike_factor: 1, ..r }), Some(("spike_factor", 2, 100)));
    }
}
