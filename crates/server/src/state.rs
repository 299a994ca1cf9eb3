//! Shared application state.

use std::sync::Arc;

use crate::clock::Clock;
use crate::store::Db;
use crate::key_ring::KeyRing;
use crate::ingest::writer::IngestWriter;
use crate::settle::Settler;
pub use crate::settings::Settings;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

/// The shared part.
pub struct Inner {
    /// The store.
    pub db: Db,
    /// Master keys.
    pub keys: Arc<KeyRing>,
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
    /// SHA-256 of the telephony partner's token (virtual-number lookups).
    pub telephony_token_sha256: [u8; 32],
    /// The key buyer links are signed with (derived from the service token).
    pub buyer_link_key: crate::exposure::link::LinkKey,
    /// Failed logins per account name and client address.
    pub login_throttle: crate::login_throttle::LoginThrottle,
    /// Requests, time and export downloads at once.
    pub limits: crate::limits::Limits,
    /// The SMS gateway and the bell of this process's outbox worker.
    pub sms: crate::sms::gateway::Sms,
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
