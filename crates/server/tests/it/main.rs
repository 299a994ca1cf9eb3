//! Integration tests of the OrderVeil server: real servers over real HTTP, on SQLite and on
//! PostgreSQL, one test binary with a module per area (ripgrep's `tests/tests.rs` layout).
//!
//! Each scenario is written once as `async fn scenario(store: Store)` and instantiated for both
//! stores by [`both_stores!`], giving tests named `area::scenario::sqlite` and
//! `area::scenario::postgres`. PostgreSQL is the server at 127.0.0.1:5432 (override with
//! `ORDERVEIL_TEST_PG_URL`); without it the PostgreSQL tests print `SKIPPED: …` to stderr,
//! and FAIL under `CI=true`.
//!
//! The harness (`helpers.rs`) follows zero2prod's `spawn_app`: a fresh store per test, the
//! demo users, a small known set of orders pushed through the real ingest endpoint, and a
//! manual clock the test moves. `TEST_LOG=1` shows the in-process server's logs.

// Assertions in a test crate: unwrap/expect/panic are the idiom (clippy.toml allows them in
// `#[test]` functions; the helpers are plain functions, hence the crate-wide allow).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

/// Instantiate `async fn $scenario(store: Store)` as the tests `$scenario::sqlite` and
/// `$scenario::postgres`.
macro_rules! both_stores {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$scenario($crate::helpers::Store::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::helpers::postgres_ready().await {
                    super::$scenario($crate::helpers::Store::Postgres).await;
                }
            }
        }
    )+};
}

mod helpers;

mod accounts;
mod admin;
mod applications;
mod audit;
mod auth;
mod concurrency;
mod crash;
mod crypto;
mod dropship;
mod export;
mod exposure;
mod factory_apps;
mod factory_suspension;
mod ingest;
mod isv;
mod keys;
mod messages;
mod privacy;
mod quota;
mod requests;
mod retention;
mod reveal;
mod risk;
mod rotation;
mod search;
mod shipping;
mod side_doors;
mod sms;
mod staff;
mod virtual_numbers;
mod waybills;
