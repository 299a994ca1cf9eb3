//! Stores for the bench: fresh PostgreSQL databases, the library state, demo users, a million orders.

use std::sync::Arc;
use std::time::Instant;

use orderveil_api::IngestOrder;

use crate::{TOKEN};

pub(crate) fn time_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

pub(crate) async fn open_state(data_dir: &std::path::Path, db_url: Option<&str>) -> orderveil_server::AppState {
    let cfg = orderveil_server::Config {
        data_dir: data_dir.to_path_buf(),
        database_url: db_url.map(str::to_string),
        service_token: Some(TOKEN.into()),
        key_file: None,
        settings: orderveil_server::Settings::default(),
    };
    orderveil_server::build_state(&cfg, Arc::new(orderveil_server::clock::SystemClock)).await.unwrap()
}

pub(crate) async fn seed_users(data_dir: &std::path::Path, db_url: Option<&str>) {
    let state = open_state(data_dir, db_url).await;
    orderveil_server::demo::seed_users(&state).await.unwrap();
}

/// Fill shop1 to 1,000,000 orders through the library ingest path (same code as the HTTP
/// handler, without JSON), 4 batches of 500 in flight. The orders are generated once (the
/// demo generator is one seeded stream, so order `i` needs the `i` before it); generating
/// the list per chunk made the fill quadratic.
pub(crate) async fn fill_to_million(data_dir: &std::path::Path, db_url: Option<&str>, now: i64, have: usize) {
    let state = open_state(data_dir, db_url).await;
    let t = Instant::now();
    let total = 1_000_000usize;
    let mut orders = tokio::task::spawn_blocking(move || orderveil_server::demo::orders(1, "shop1", total, now)).await.unwrap();
    let generated = t.elapsed().as_secs_f64();
    let mut rest = orders.split_off(have).into_iter();
    drop(orders);
    let mut set = tokio::task::JoinSet::new();
    loop {
        let chunk: Vec<IngestOrder> = rest.by_ref().take(500).collect();
        if chunk.is_empty() {
            break;
        }
        let st = state.clone();
        set.spawn(async move { orderveil_server::ingest::ingest(&st, chunk, "bench").await.map(|_| ()).map_err(|e| format!("{e:?}")) });
        if set.len() >= 4 {
            set.join_next().await.unwrap().unwrap().unwrap();
        }
    }
    while let Some(r) = set.join_next().await {
        r.unwrap().unwrap();
    }
    let el = t.elapsed().as_secs_f64();
    println!("  (filled to 1,000,000 orders in {el:.0} s: {generated:.1} s generating, then {:.0} orders/s through the library ingest)", (total - have) as f64 / (el - generated));
}

// ---------------------------------------------------------------------------------------
// Export of 1,000,000 orders (issue 7)

pub(crate) async fn pg_database() -> Option<(String, String)> {
    let admin = "postgres://postgres@127.0.0.1:5432/postgres";
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(admin).await.ok()?;
    let name = format!("ov_bench_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&pool).await.ok()?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.ok()?;
    Some((name.clone(), format!("postgres://postgres@127.0.0.1:5432/{name}")))
}

pub(crate) async fn drop_pg(name: &str) {
    if let Ok(pool) = sqlx::AnyPool::connect("postgres://postgres@127.0.0.1:5432/postgres").await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await;
    }
}
