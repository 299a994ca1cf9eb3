//! `--rewrap-1m` (issue 17): `keys rotate` then `keys rewrap` of 1,000,000 orders' data keys,
//! against reading the same rows the same way.

use std::time::Instant;

use orderveil_server::keys::KeySource;
use orderveil_server::rotation;
use orderveil_server::store::{Db, keys as store};

use crate::fixtures::{fill_to_million, seed_users, time_now};

/// The baseline: every data key read exactly as `rewrap` reads them (the same keyset SELECT
/// per version in batches of `batch`, the same pool), without unwrapping or writing.
async fn read_all(db: &Db, batch: i64) -> (f64, u64) {
    let t = Instant::now();
    let mut rows = 0u64;
    for (version, _) in store::dek_counts(&db.pool).await.unwrap() {
        let mut after = String::new();
        loop {
            let page = store::deks_after(&db.pool, version, &after, batch).await.unwrap();
            let Some(last) = page.last() else { break };
            after.clone_from(&last.order_id);
            rows += page.len() as u64;
        }
    }
    (t.elapsed().as_secs_f64(), rows)
}

pub(crate) async fn rewrap_1m(name: &str, db_url: Option<String>) {
    // ORDERVEIL_BENCH_REWRAP_DIR keeps the filled SQLite store between runs (filled once; each
    // run rotates to the next version).
    let keep = std::env::var_os("ORDERVEIL_BENCH_REWRAP_DIR").filter(|_| db_url.is_none()).map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    if !(keep.is_some() && dir.join("filled-1m").exists()) {
        seed_users(&dir, db_url.as_deref()).await;
        fill_to_million(&dir, db_url.as_deref(), time_now(), 0).await;
        if keep.is_some() {
            std::fs::write(dir.join("filled-1m"), "").unwrap();
        }
    }
    let url = db_url.clone().unwrap_or_else(|| format!("sqlite://{}", dir.join("orderveil.db").display()));
    let db = Db::connect(&url).await.unwrap();
    let source = KeySource::of(&dir, None);
    let batch = 1000;
    let (cold, _) = read_all(&db, batch).await;
    println!("[{name}] first read of the data keys (not the baseline): {cold:.2} s");
    let (base, rows) = read_all(&db, batch).await;
    println!("[{name}] baseline: rewrap's reads alone ({rows} data keys, keyset SELECT in batches of {batch}): {base:>6.2} s  {:>9.0} keys/s", rows as f64 / base);

    let t = Instant::now();
    let r = rotation::rotate(&db, &source, time_now()).await.unwrap();
    let rotate_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut batches = 0u64;
    let done = rotation::rewrap(&db, &source, batch, time_now(), |_| batches += 1).await.unwrap();
    let el = t.elapsed().as_secs_f64();
    assert_eq!(done.remaining, 0);
    assert_eq!(done.rewrapped, rows, "every data key re-wrapped");
    println!("[{name}] keys rotate {} -> {}: {:.3} s", r.from, r.to, rotate_s);
    println!(
        "[{name}] keys rewrap: {} data keys in {el:.2} s = {:.0} keys/s, {batches} transactions of {batch}; {:.2} x the baseline read",
        done.rewrapped,
        done.rewrapped as f64 / el,
        el / base
    );
    let (after, _) = read_all(&db, batch).await;
    println!("[{name}] the same read after the rewrap (version {}): {after:.2} s", r.to);
}
