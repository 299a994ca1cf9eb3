//! The keys a running process holds, and how it follows a rotation without a restart.
//!
//! `orderveil keys rotate` adds a master key version to the key file, then records it in the
//! store as the primary; `keys rewrap` re-wraps data keys under it while servers run. A
//! server learns of the new version in three ways, whichever comes first:
//!
//! * a grant needs a version it does not hold (an order `rewrap` just moved): it reloads the
//!   key file before sealing ([`KeyRing::holding`]);
//! * the ingest writer finds the store's primary is not the version it wrapped under: it
//!   reloads, re-wraps the batch's data keys and writes them under the store's primary, in
//!   the same transaction that read it ([`crate::ingest::writer`]);
//! * a watch every [`WATCH_EVERY`] compares the store's versions with its own (a retired
//!   version leaves the process's memory too).
//!
//! A reload reads the process's key source again and passes the same checks as a start
//! ([`crate::key_check`]): keys that do not match the store are refused and the old ones kept.

use std::sync::{Arc, RwLock};

use orderveil_cipher::{IndexKey, ShopId};

use crate::key_check;
use crate::keys::{KeyProvider, KeySource};
use crate::store::{Db, keys as store};

/// How often a serving process compares the store's key versions with its own.
pub const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// The process's keys, replaceable while it serves.
pub struct KeyRing {
    source: KeySource,
    current: RwLock<Arc<KeyProvider>>,
    /// One reload at a time.
    reloading: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyRing({:?}, {:?})", self.source, self.get())
    }
}

impl KeyRing {
    /// Hold `keys`, which came from `source` and passed [`key_check::verify`].
    pub fn new(source: KeySource, keys: KeyProvider) -> Self {
        Self { source, current: RwLock::new(Arc::new(keys)), reloading: tokio::sync::Mutex::new(()) }
    }

    /// The keys now.
    pub fn get(&self) -> Arc<KeyProvider> {
        // A poisoned lock still holds a complete Arc (it is only ever replaced whole).
        self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// A shop's index key (the index secret never rotates).
    pub fn index_key(&self, shop: &ShopId) -> IndexKey {
        self.get().index_key(shop)
    }

    /// Keys that hold every master key version of `versions`: the current ones, or, if one
    /// is missing, the key source read again. `Err` names the versions still missing.
    pub async fn holding(&self, db: &Db, versions: &[u32], now: i64) -> Result<Arc<KeyProvider>, String> {
        let keys = self.get();
        if versions.iter().all(|v| keys.kek(*v).is_some()) {
            return Ok(keys);
        }
        let keys = self.reload(db, now).await?;
        let missing: Vec<u32> = versions.iter().copied().filter(|v| keys.kek(*v).is_none()).collect();
        if missing.is_empty() { Ok(keys) } else { Err(format!("master key version(s) {missing:?} are not in this process's key source")) }
    }

    /// Read the key source again, check it against the store, take the store's primary, and
    /// hold the result. On any error the keys held so far stay.
    pub async fn reload(&self, db: &Db, now: i64) -> Result<Arc<KeyProvider>, String> {
        let before = self.get();
        let _one = self.reloading.lock().await;
        // Another task may have reloaded while this one waited.
        let held = self.get();
        if !Arc::ptr_eq(&held, &before) {
            return Ok(held);
        }
        let keys = KeyProvider::open(&self.source, false)?;
        key_check::verify(db, &keys, now).await?;
        let keys = Arc::new(key_check::take_primary(db, keys, now).await?);
        if keys.versions() != held.versions() || keys.primary_version() != held.primary_version() {
            tracing::info!(versions = ?keys.versions(), primary = keys.primary_version(), "reloaded the master keys");
        }
        *self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) = keys.clone();
        Ok(keys)
    }

    /// Whether the store's key versions differ from the held ones: another primary, or a
    /// held version retired.
    pub async fn stale(&self, db: &Db) -> Result<bool, sqlx::Error> {
        let held = self.get();
        let rows = store::versions(&db.pool).await?;
        Ok(rows.iter().any(|r| {
            let v = u32::try_from(r.version).unwrap_or(0);
            (r.state == "primary" && v != held.primary_version()) || (r.state == "retired" && held.kek(v).is_some())
        }))
    }
}
