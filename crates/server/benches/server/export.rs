//! `--export-1m`: one million orders exported as CSV and XLSX, against the raw read of the same rows.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{Session, login, start};
use crate::measure::{proc_cpu_secs, proc_status_mb, reset_hwm, sample_rss};
use crate::fixtures::{fill_to_million, seed_users, time_now};

/// The baseline: the same rows and columns as the export (shop1, newest first), read by this
/// process exactly as the server's reader stage reads them (the same keyset-paginated SELECT
/// in chunks of 2,000, through the store's own sqlx driver: `Db::connect_native_reader` and
/// `store::exports::order_chunk`),
/// without formatting or sending them anywhere. Returns (seconds, rows, bytes of text read).
pub(crate) async fn raw_select(db_url: &str) -> (f64, u64, u64) {
    use orderveil_server::store::Db;
    use orderveil_server::store::exports::order_chunk;
    use orderveil_server::store::orders::OrderFilter;
    let db = Db::connect(db_url).await.unwrap();
    let mut conn = db.connect_native_reader(2000).await.unwrap();
    let m = OrderFilter { shop_id: "shop1".into(), ..OrderFilter::default() };
    let t = Instant::now();
    let (mut rows, mut bytes) = (0u64, 0u64);
    let mut after: Option<(i64, String)> = None;
    loop {
        let page = order_chunk(&mut conn, &m, after.as_ref().map(|(at, id)| (*at, id.as_str())), 2000).await.unwrap();
        for r in &page {
            bytes += (r.order_id.len()
                + r.status.len()
                + r.items.len()
                + r.name_masked.len()
                + r.phone_masked.len()
                + r.address_masked.len()
                + r.name_ct.len()
                + r.phone_ct.len()
                + r.address_ct.len()
                + r.receiver_key.len()) as u64;
        }
        rows += page.len() as u64;
        after = page.last().map(|r| (r.created_at, r.order_id.clone()));
        if page.len() < 2000 {
            break;
        }
    }
    (t.elapsed().as_secs_f64(), rows, bytes)
}

/// Create an export job and download its file, counting bytes and lines; returns (seconds
/// from the request to the last byte, bytes, line feeds, the job after the download).
pub(crate) async fn export_once(base: &str, session: &Session, format: &str) -> (f64, u64, u64, Value) {
    let c = reqwest::Client::new();
    let t = Instant::now();
    let job: Value = c
        .post(format!("{base}/api/v1/exports"))
        .header("cookie", &session.cookie)
        .header("x-csrf-token", &session.csrf)
        .json(&json!({"format": format}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = job["id"].as_str().unwrap_or_else(|| panic!("no job: {job}")).to_string();
    let mut resp = c.post(format!("{base}/api/v1/exports/{id}/file")).header("cookie", &session.cookie).header("x-csrf-token", &session.csrf).send().await.unwrap();
    assert!(resp.status().is_success(), "download: {}", resp.status());
    let (mut bytes, mut lines) = (0u64, 0u64);
    while let Some(chunk) = resp.chunk().await.unwrap() {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
    }
    let el = t.elapsed().as_secs_f64();
    // The server records the end right after the last byte.
    let mut after = Value::Null;
    for _ in 0..100 {
        after = c.get(format!("{base}/api/v1/exports/{id}")).header("cookie", &session.cookie).send().await.unwrap().json().await.unwrap();
        if after["status"] == "done" || after["status"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (el, bytes, lines, after)
}

pub(crate) async fn export_1m(name: &str, db_url: Option<String>) {
    // ORDERVEIL_BENCH_EXPORT_DIR keeps the filled SQLite store between runs (filled once).
    let keep = std::env::var_os("ORDERVEIL_BENCH_EXPORT_DIR").filter(|_| db_url.is_none()).map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let filled = keep.is_some() && dir.join("filled-1m").exists();
    if !filled {
        seed_users(&dir, db_url.as_deref()).await;
        fill_to_million(&dir, db_url.as_deref(), time_now(), 0).await;
        if keep.is_some() {
            std::fs::write(dir.join("filled-1m"), "").unwrap();
        }
    }
    let dir = dir.as_path();
    let url = db_url.clone().unwrap_or_else(|| format!("sqlite://{}", dir.join("orderveil.db").display()));
    if db_url.is_none() {
        let size: u64 = std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum();
        println!("  (SQLite data directory: {:.0} MB)", size as f64 / 1e6);
    }
    // A fresh server process on the filled store: its peak RSS is the export's.
    let server = start(dir, db_url.as_deref());
    let pid = server.child.id();
    let base = server.base.clone();
    let session = login(&base, "shop1").await;

    // The first read after the fill meets pages still being written back; the baseline is
    // the second.
    let (cold, _, _) = raw_select(&url).await;
    println!("[{name}] first read of the rows after the fill (not the baseline): {cold:.2} s");
    let (bs, brows, bbytes) = raw_select(&url).await;
    println!(
        "[{name}] baseline: the export's reads alone (same keyset SELECT, same driver, {brows} rows x 15 columns, in this process): {bs:>6.2} s  {:>9.0} rows/s  ({:.0} MB of text)",
        brows as f64 / bs,
        bbytes as f64 / 1e6
    );
    let idle = proc_status_mb(pid, "VmRSS:").unwrap_or(0.0);
    println!("[{name}] server RSS before the exports: {idle:.0} MB");
    for format in ["csv", "xlsx"] {
        let reset = reset_hwm(pid);
        let cpu0 = proc_cpu_secs(pid);
        let (stop, sampler) = sample_rss(pid);
        let (secs, bytes, lines, job) = export_once(&base, &session, format).await;
        stop.store(true, Ordering::Relaxed);
        let rss = sampler.join().unwrap();
        let cpu = proc_cpu_secs(pid).zip(cpu0).map(|(a, b)| a - b).unwrap_or(f64::NAN);
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(job["rows_done"], json!(brows), "{job}");
        if format == "csv" {
            assert_eq!(lines, brows + 1, "CSV lines");
        }
        println!(
            "[{name}] export {format:<4} {brows} orders: {secs:>6.2} s  {:>9.0} rows/s  {:>7.1} MB  {:>6.1} MB/s  = {:.2} x baseline time   (target <= 20 s)",
            brows as f64 / secs,
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs,
            secs / bs
        );
        println!(
            "           server peak RSS {}{:.0} MB (target <= 200 MB); sampled peaks: anonymous {:.0} MB, file-backed {:.0} MB; server CPU {cpu:.1} s",
            if reset { "" } else { "(since start, clear_refs refused) " },
            rss.hwm,
            rss.anon,
            rss.file
        );
    }
    drop(server);
}
