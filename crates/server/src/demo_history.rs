//! The demo's past: orders over the last 60 days with a daily and weekly rhythm (evenings and
//! weekends busier, a slow growth), statuses that follow their age, and a history of reveals
//! (quota days and charges, audited with purposes), e-waybill prints and shipments, so a new
//! user's quota, 30-day chart, audit trail and shipped orders look like a shop that has been
//! running for two months. Deterministic (seeded), written once per shop.

use orderveil_api::{ActorKind, DisclosurePath, IngestOrder, OrderStatus, RevealPurpose};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::audit::{self, Event};
use crate::clock::{day_of, rfc3339};
use crate::error::AppResult;
use crate::disclosure::{Actor, Disclosure};
use crate::state::AppState;
use crate::store::demo as store;

/// The receipt's actor of a demo user.
fn actor(role: &str) -> Actor {
    Actor { kind: if role == "owner" { ActorKind::Shop } else { ActorKind::Staff }, app_name: None, factory_id: None }
}

/// Days of history.
pub const DAYS: i64 = 60;

/// Relative weight of orders `days_ago` days back: a slow growth to today, weekends busier.
fn day_weight(now: i64, days_ago: i64) -> f64 {
    let growth = 0.55 + 0.45 * (1.0 - days_ago as f64 / DAYS as f64);
    // Unix day 0 was a Thursday; Shanghai is 8 h ahead.
    let weekday = ((now + 8 * 3600) / 86_400 - days_ago + 3).rem_euclid(7); // 0 = Monday
    let week = if weekday >= 5 { 1.35 } else { 1.0 };
    growth * week
}

/// A second of the day (Shanghai), evenings busiest, nights quiet.
fn second_of_day(rng: &mut StdRng) -> i64 {
    const HOURS: [u32; 24] = [2, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 8, 6, 6, 6, 7, 7, 8, 10, 12, 12, 9, 5];
    let total: u32 = HOURS.iter().sum();
    let mut x = rng.random_range(0..total);
    let mut hour = 0;
    for (h, w) in HOURS.iter().enumerate() {
        if x < *w {
            hour = h;
            break;
        }
        x -= w;
    }
    i64::try_from(hour).unwrap_or(0) * 3600 + rng.random_range(0..3600)
}

/// A status that fits an order's age, and its completion time.
fn status_by_age(rng: &mut StdRng, created: i64, now: i64) -> (OrderStatus, Option<i64>) {
    use OrderStatus::*;
    let age_days = (now - created) as f64 / 86_400.0;
    let roll = rng.random_range(0..100);
    let status = if age_days < 1.0 {
        match roll { 0..70 => AwaitingShipment, 70..85 => Unpaid, 85..90 => Cancelled, _ => Shipped }
    } else if age_days < 3.0 {
        match roll { 0..25 => AwaitingShipment, 25..88 => Shipped, 88..94 => AfterSale, _ => Cancelled }
    } else if age_days < 10.0 {
        match roll { 0..50 => Shipped, 50..88 => Completed, 88..94 => AfterSale, 94..97 => Cancelled, _ => Closed }
    } else {
        match roll { 0..88 => Completed, 88..91 => AfterSale, 91..96 => Cancelled, _ => Closed }
    };
    let completed = (status == Completed).then(|| (created + rng.random_range(4..10) * 86_400).min(now - 60));
    (status, completed)
}

/// The demo's orders of one shop (their receivers and items) re-timed over the last [`DAYS`]
/// days with the demo's rhythm, their states following their age.
pub fn retime(shop_no: u32, orders: Vec<IngestOrder>, now: i64) -> Vec<IngestOrder> {
    let mut rng = StdRng::seed_from_u64(u64::from(shop_no) * 104_729);
    let weights: Vec<f64> = (0..DAYS).map(|d| day_weight(now, d)).collect();
    let total: f64 = weights.iter().sum();
    let midnight = now - (now + 8 * 3600).rem_euclid(86_400);
    orders
        .into_iter()
        .map(|mut o| {
            let mut x = rng.random_range(0.0..total);
            let mut days_ago = 0;
            for (d, w) in weights.iter().enumerate() {
                if x < *w {
                    days_ago = i64::try_from(d).unwrap_or(0);
                    break;
                }
                x -= w;
            }
            let mut created = midnight - days_ago * 86_400 + second_of_day(&mut rng);
            if created > now - 60 {
                created = now - rng.random_range(60..6 * 3600);
            }
            let (status, completed) = status_by_age(&mut rng, created, now);
            o.created_at = rfc3339(created);
            o.status = status;
            o.completed_at = completed.map(rfc3339);
            o
        })
        .collect()
}

/// Write the shop's past reveals, prints and shipments (once: skipped if it has reveal
/// history). Reveals: on each of the last 29 days, 55–95 % of that day's limit, by the owner
/// or the staff with `reveal`, each audited with its purpose. Shipments: shipped and
/// completed orders of the last 30 days, most through an e-waybill of the shop's account
/// (printed once), the rest by hand.
pub async fn seed(state: &AppState, shop_no: u32, shop: &str) -> AppResult<()> {
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    if store::has_reveal_history(&mut tx, shop).await? {
        return Ok(());
    }
    let mut rng = StdRng::seed_from_u64(u64::from(shop_no) * 7_727);
    let rules = crate::platform::rules(&mut *tx).await?;
    let orders = store::history_orders(&mut tx, shop, now - (DAYS + 1) * 86_400).await?;
    let users = store::revealers(&mut tx, shop).await?;
    let mut events: Vec<(i64, Event)> = Vec::new();
    for days_ago in (1..30).rev() {
        let day_end = now - (now + 8 * 3600).rem_euclid(86_400) - (days_ago - 1) * 86_400;
        let day_start = day_end - 86_400;
        let orders_30d = orders.iter().filter(|o| o.created_at < day_end && o.created_at >= day_end - 30 * 86_400).count() as u64;
        let base = crate::quota::base_limit(orders_30d, rules.rate_bps, rules.floor);
        let target = usize::try_from(base).unwrap_or(0) * rng.random_range(55..96) / 100;
        // shop2's yesterday is the exposure dashboard's example of a flag: all its reveals
        // between 01:00 and 04:00 (the night rule's pattern).
        let night = shop_no == 2 && days_ago == 1;
        let target = if night { target.max(130) } else { target };
        let pool: Vec<&store::HistoryOrder> = orders.iter().filter(|o| o.created_at < day_start + 6 * 3600 && o.created_at > day_start - 12 * 86_400).collect();
        let mut charged: Vec<(String, i64, i64)> = Vec::new();
        for _ in 0..target.min(pool.len()) {
            let o = pool[rng.random_range(0..pool.len())];
            if charged.iter().any(|(id, ..)| *id == o.order_id) {
                continue;
            }
            let at = if night { day_start + 3600 + rng.random_range(0..3 * 3600) } else { day_start + 9 * 3600 + rng.random_range(0..12 * 3600) }.max(o.created_at + 60);
            let (user_id, username, role) = &users[rng.random_range(0..users.len())];
            charged.push((o.order_id.clone(), at, *user_id));
            let purpose = [RevealPurpose::ManualShipping, RevealPurpose::AfterSales, RevealPurpose::CustomerService][rng.random_range(0..3)];
            let mut ev = Event::new(username, Some(*user_id), Some(shop), "reveal", "ok");
            ev.details = json!({"fields": ["name", "phone", "address"], "via": "web", "purpose": purpose.as_str(), "charged": 1, "demo_history": true});
            ev.order_ids = vec![o.order_id.clone()];
            ev.disclosure = Some(Disclosure::new(DisclosurePath::Reveal, ["name", "phone", "address"], actor(role), Some(purpose.as_str())));
            events.push((at, ev));
        }
        let day = day_of(day_start + 3600);
        store::insert_quota_day(&mut tx, shop, &day, charged.len() as i64, i64::from(base), orders_30d as i64).await?;
        store::insert_charges(&mut tx, shop, &day, &charged).await?;
    }
    // Shipments: an SF account for the shop (approved, topped up), a printed and shipped
    // waybill for most shipped orders, a hand-entered tracking number for the rest.
    let account = store::demo_waybill_account(&mut tx, shop, now - DAYS * 86_400).await?;
    let mut shipped = 0;
    for o in orders.iter().filter(|o| matches!(o.status.as_str(), "shipped" | "completed" | "after_sale")) {
        let at = (o.created_at + rng.random_range(2 * 3600..40 * 3600)).min(now - 60);
        let no = format!("SF{:013}", rng.random_range(1_000_000_000_000u64..9_999_999_999_999));
        let by_waybill = rng.random_range(0..100) < 75;
        store::ship_history(&mut tx, &o.order_id, "SF", &no, at, by_waybill.then_some((account, shop, &o.receiver_key))).await?;
        let (user_id, username, role) = &users[rng.random_range(0..users.len())];
        let mut ev = Event::new(username, Some(*user_id), Some(shop), if by_waybill { "print" } else { "ship" }, "ok");
        ev.details = json!({"waybill_no": no, "carrier": "SF", "demo_history": true});
        ev.order_ids = vec![o.order_id.clone()];
        if by_waybill {
            ev.disclosure = Some(Disclosure::new(DisclosurePath::Print, ["name", "phone", "address"], actor(role), Some("print_label")));
        }
        events.push((at, ev));
        shipped += 1;
    }
    events.sort_by_key(|(at, _)| *at);
    for chunk in events.chunks(500) {
        audit::append_many(&mut tx, chunk).await?;
    }
    tx.commit().await?;
    tracing::info!(shop, reveals = events.len() - shipped, shipped, "seeded the demo's 60 days of history");
    Ok(())
}
