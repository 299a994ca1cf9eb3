//! Crypto-shredding after the retention period: orders completed, cancelled or closed longer
//! ago than the platform's `retention_days` lose their wrapped data key. The field ciphertexts
//! and masks stay; without the key nobody — the server included — can decrypt them again, so
//! reveal and print answer `ORDER_SHREDDED` and the web app shows 信息已销毁.
//!
//! Runs in batches of [`BATCH`] orders, one transaction each with one audit row per shop of
//! the batch (the count of orders, never receiver data): from `orderveil retention run` and
//! once a day in every `serve` (several processes shredding at once only do the work twice:
//! each order's key is dropped once, and a batch that found nothing left writes nothing).

use serde_json::json;

use crate::audit::{self, Event};
use crate::clock::rfc3339;
use crate::state::AppState;
use crate::store::retention as store;

/// Orders shredded per transaction.
pub const BATCH: i64 = 1_000;
/// How often `serve` runs it.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Orders whose key was dropped.
    pub orders: u64,
    /// Shops they belong to.
    pub shops: usize,
    /// The cutoff: completed or cancelled at or before this (Unix seconds).
    pub cutoff: i64,
}

/// Shred every order past retention at `now`.
pub async fn run(state: &AppState) -> Result<Report, sqlx::Error> {
    let now = state.now();
    let days = crate::platform::rules(&state.db.pool).await?.retention_days;
    let cutoff = now - i64::from(days) * 86_400;
    let mut report = Report { cutoff, ..Report::default() };
    let mut shops = std::collections::BTreeSet::new();
    loop {
        let mut tx = state.db.begin_write().await?;
        let due = store::due(&mut tx, cutoff, BATCH).await?;
        if due.is_empty() {
            break;
        }
        let ids: Vec<String> = due.iter().map(|d| d.order_id.clone()).collect();
        let n = store::shred(&mut tx, &ids).await?;
        let mut per_shop = std::collections::BTreeMap::<&str, u64>::new();
        for d in &due {
            *per_shop.entry(d.shop_id.as_str()).or_default() += 1;
        }
        for (shop, count) in &per_shop {
            let mut ev = Event::new("retention", None, Some(shop), "shred", "ok");
            ev.details = json!({"orders": count, "retention_days": days, "cutoff": rfc3339(cutoff)});
            audit::append(&mut tx, now, &ev).await?;
            shops.insert((*shop).to_string());
        }
        tx.commit().await?;
        report.orders += n;
        if (due.len() as i64) < BATCH {
            break;
        }
    }
    report.shops = shops.len();
    Ok(report)
}

/// Run [`run`] a minute after start and then every [`EVERY`], from a task that ends with the
/// state.
pub fn start(state: &AppState) {
    let alive = std::sync::Arc::downgrade(&state.0);
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        loop {
            let Some(inner) = alive.upgrade() else { break };
            match run(&AppState(inner)).await {
                Ok(r) if r.orders > 0 => tracing::info!(orders = r.orders, shops = r.shops, "retention: shredded the keys of orders past retention"),
                Ok(_) => {}
                Err(e) => tracing::warn!("retention: {e}"),
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}
