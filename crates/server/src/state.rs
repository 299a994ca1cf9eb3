//! Shared application state.

use std::sync::Arc;

use crate::clock::Clock;
use crate::db::Db;
use crate::keys::KeyProvider;
use crate::ingest::IngestWriter;
use crate::settle::Settler;

/// Platform rules from the command line (flags and env), with DESIGN.md's defaults. The quota
/// and risk rules are only the *initial* values of a new store: once stored, the admin console
/// edits them in the database ([`crate::platform`]) and every process reads them from there.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Reveal rate in basis points of the last 30 days' orders (500 = 5 %).
    pub quota_rate_bps: u32,
    /// Minimum daily limit.
    pub quota_floor: u32,
    /// Reveal requests per account per minute before a cool-down.
    pub risk_per_minute: u32,
    /// Reveal requests per account per hour before a cool-down.
    pub risk_per_hour: u32,
    /// Cool-down length, seconds.
    pub risk_cooldown_secs: i64,
    /// Lifetime of a sealed grant, seconds.
    pub grant_ttl_secs: i64,
    /// Lifetime of a login session, seconds.
    pub session_ttl_secs: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            quota_rate_bps: 500,
            quota_floor: 10,
            risk_per_minute: 30,
            risk_per_hour: 300,
            risk_cooldown_secs: 30 * 60,
            grant_ttl_secs: 60,
            session_ttl_secs: 12 * 3600,
        }
    }
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

/// The shared part.
pub struct Inner {
    /// The store.
    pub db: Db,
    /// Master keys.
    pub keys: KeyProvider,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Rules.
    pub settings: Settings,
    /// The process's one writer of reveal charges (group commit).
    pub settler: Settler,
    /// The process's one writer of ingest batches (group commit).
    pub ingest_writer: IngestWriter,
    /// SHA-256 of the order system's service token.
    pub service_token_sha256: [u8; 32],
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Now, unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}
