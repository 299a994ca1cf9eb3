//! `--exposure-1k` (issue 20): the admin's exposure dashboard over 1,000 shops × 30 days
//! (one page of 20 shops with their sums and every day, and a page of 100), beside a plain
//! list page of the same run (shop2's order list, 20 orders), over HTTP against the real
//! binary. Also times one run of the flag rules over those shops. The daily rows are written
//! through the library's own writer of them (`store::exposure::add_daily`), with counts shaped
//! like a month of busy shops.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use orderveil_server::store::exposure::{Counts, add_daily};
use rand::{Rng, SeedableRng};

use crate::fixtures::{open_state, seed_users, time_now};
use crate::{awaiting_in_shop2, get_json, ingest_all, login, post, start};

const SHOPS: usize = 1_000;
const DAYS: u32 = 30;
const ROUNDS: usize = 40;

/// Median seconds of `ROUNDS` sequential GETs of `path`.
async fn median_get(base: &str, s: &crate::Session, path: &str) -> f64 {
    let mut t = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let t0 = Instant::now();
        let v = get_json(base, s, path).await;
        t.push(t0.elapsed().as_secs_f64());
        assert!(v.get("code").is_none(), "{path}: {v}");
    }
    t.sort_by(f64::total_cmp);
    t[ROUNDS / 2]
}

pub(crate) async fn exposure_1k(name: &str, db_url: Option<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    seed_users(dir, db_url.as_deref()).await;
    let now = time_now();
    {
        // 1,000 shops, each with 30 days of counts.
        let state = open_state(dir, db_url.as_deref()).await;
        let ids: Vec<String> = (0..SHOPS).map(|i| format!("bench-shop-{i:04}")).collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(20);
        let days = orderveil_server::clock::last_days(now, DAYS);
        let mut rows: BTreeMap<(String, String), Counts> = BTreeMap::new();
        for id in &ids {
            let size = rng.random_range(20..2_000i64);
            for day in &days {
                let orders = size * rng.random_range(70..130) / 100;
                rows.insert((id.clone(), day.clone()), Counts {
                    orders,
                    reveals: orders * rng.random_range(1..6) / 100,
                    prints: orders * rng.random_range(50..90) / 100,
                    search_units: rng.random_range(0..40),
                    search_matches: rng.random_range(0..20),
                    sms: orders * rng.random_range(0..30) / 100,
                    virtual_numbers: rng.random_range(0..10),
                });
            }
        }
        let t = Instant::now();
        let all: Vec<((String, String), Counts)> = rows.into_iter().collect();
        for chunk in all.chunks(1_000) {
            let mut tx = state.db.begin_write().await.unwrap();
            let set: BTreeSet<&str> = chunk.iter().map(|((s, _), _)| s.as_str()).collect();
            orderveil_server::store::orders::ensure_shops(&mut tx, &set, now).await.unwrap();
            add_daily(&mut tx, &chunk.iter().cloned().collect()).await.unwrap();
            tx.commit().await.unwrap();
        }
        println!("[{name}] wrote {} shop-days for {SHOPS} shops in {:.1} s", all.len(), t.elapsed().as_secs_f64());
    }
    let server = start(dir, db_url.as_deref());
    let base = server.base.clone();
    ingest_all(&base, awaiting_in_shop2("EX", 200, now)).await;
    let (owner, admin) = (login(&base, "shop2").await, login(&base, "admin").await);
    // Warm both paths once.
    let _ = get_json(&base, &owner, "/api/v1/orders?per_page=20").await;
    let first = get_json(&base, &admin, "/api/v1/admin/exposure?per_page=20").await;
    assert_eq!(first["total"].as_u64(), Some(SHOPS as u64 + 1), "{first}");
    assert_eq!(first["shops"][0]["days"].as_array().map(Vec::len), Some(DAYS as usize));

    let list = median_get(&base, &owner, "/api/v1/orders?per_page=20").await;
    let dash20 = median_get(&base, &admin, "/api/v1/admin/exposure?per_page=20").await;
    let dash100 = median_get(&base, &admin, "/api/v1/admin/exposure?per_page=100").await;
    let t = Instant::now();
    let scan = post(&base, &admin, "/api/v1/admin/exposure/scan", &serde_json::json!({})).await;
    let scan_s = t.elapsed().as_secs_f64();
    println!(
        "[{name}] median of {ROUNDS}: order list page (20 orders) {:.2} ms; dashboard 20 shops x 30 days of {SHOPS} {:.2} ms ({:.2} x the list page); \
         100 shops {:.2} ms ({:.2} x); one scan of the flag rules over the shops: {:.0} ms ({} flags raised)",
        list * 1e3,
        dash20 * 1e3,
        dash20 / list,
        dash100 * 1e3,
        dash100 / list,
        scan_s * 1e3,
        scan["raised"]
    );
    drop(server);
}
