//! Master key rotation while servers run: `orderveil keys status | rotate | rewrap | retire`.
//!
//! * `rotate` adds a master key version to the key file (replaced atomically), records its
//!   check value and makes it the store's primary in one transaction. From that commit on no
//!   process writes a data key under the old version: the ingest writer reads the primary in
//!   its own transaction and re-wraps a batch sealed before ([`crate::key_ring`]).
//! * `rewrap` re-wraps the data keys of older versions under the primary in batches, one
//!   transaction each, in order-id order per version. A row changes only if it still holds
//!   the key that was read (not shredded or re-sealed meanwhile). A killed run loses at most
//!   its open batch; the next run starts over and finds only what is left, so it resumes.
//!   Field ciphertexts never change: the data keys are the same, only their wrapping is new.
//! * `retire` refuses while any data key uses the version, then marks it retired and removes
//!   it from the key file: whoever copies that key later opens nothing.
//!
//! Each is audited on the platform chain (actor `cli`) with versions and counts.

use serde_json::json;

use crate::audit::{self, Event};
use crate::key_check;
use crate::keys::{KeyProvider, KeySource};
use crate::store::{Db, keys as store};

/// One master key version as `keys status` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionStatus {
    /// The version.
    pub version: u32,
    /// `primary`, `active` or `retired`; `unrecorded` for a version only the key source has.
    pub state: String,
    /// Data keys wrapped under it.
    pub data_keys: i64,
    /// Whether this process's key source holds it.
    pub in_key_source: bool,
}

/// What `keys status` prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// Every version, oldest first.
    pub versions: Vec<VersionStatus>,
    /// Data keys under versions other than the primary (what `rewrap` would move).
    pub to_rewrap: i64,
}

/// The versions of the store and of the key source, and the data keys under each.
pub async fn status(db: &Db, source: &KeySource) -> Result<Status, String> {
    let db_err = |e: sqlx::Error| format!("database: {e}");
    let keys = KeyProvider::open(source, false).ok();
    let rows = store::versions(&db.pool).await.map_err(db_err)?;
    let counts = store::dek_counts(&db.pool).await.map_err(db_err)?;
    let count = |v: i64| counts.iter().find(|(k, _)| *k == v).map_or(0, |(_, n)| *n);
    let held = |v: u32| keys.as_ref().is_some_and(|k| k.kek(v).is_some());
    let mut versions: Vec<VersionStatus> = rows
        .iter()
        .filter_map(|r| {
            let v = u32::try_from(r.version).ok()?;
            Some(VersionStatus { version: v, state: r.state.clone(), data_keys: count(r.version), in_key_source: held(v) })
        })
        .collect();
    for v in keys.as_ref().map(KeyProvider::versions).unwrap_or_default() {
        if !versions.iter().any(|s| s.version == v) {
            versions.push(VersionStatus { version: v, state: "unrecorded".into(), data_keys: count(i64::from(v)), in_key_source: true });
        }
    }
    versions.sort_by_key(|s| s.version);
    let primary = rows.iter().find(|r| r.state == "primary").map(|r| r.version);
    let to_rewrap = counts.iter().filter(|(v, _)| Some(*v) != primary).map(|(_, n)| n).sum();
    Ok(Status { versions, to_rewrap })
}

/// The key source's keys, checked against the store, with the store's primary.
async fn checked_keys(db: &Db, source: &KeySource, now: i64) -> Result<KeyProvider, String> {
    let keys = KeyProvider::open(source, false)?;
    key_check::verify(db, &keys, now).await?;
    db.set_audit_key(keys.audit_key().expose_bytes());
    key_check::take_primary(db, keys, now).await
}

/// What `rotate` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rotated {
    /// The primary before.
    pub from: u32,
    /// The new primary.
    pub to: u32,
}

/// Add a master key version to the key file and make it the store's primary. A rotation
/// that wrote the key file but not the store (killed in between) is completed, not repeated.
pub async fn rotate(db: &Db, source: &KeySource, now: i64) -> Result<Rotated, String> {
    let db_err = |e: sqlx::Error| format!("database: {e}");
    let KeySource::File(path) = source else {
        return Err("the keys come from ORDERVEIL_MASTER_KEY and ORDERVEIL_INDEX_KEY, which this command cannot change: \
                    move them into a key file (README, \"Keys\") and run every process with --key-file to rotate"
            .into());
    };
    let file_primary = KeyProvider::open(source, false)?.primary_version();
    let keys = checked_keys(db, source, now).await?;
    let from = keys.primary_version();
    let rows = store::versions(&db.pool).await.map_err(db_err)?;
    let known = |v: u32| rows.iter().find(|r| r.version == i64::from(v));
    let to = if file_primary > from && known(file_primary).is_none_or(|r| r.state == "active") {
        tracing::info!(version = file_primary, "completing an earlier rotation: the key file has the version, the store does not have it as primary");
        file_primary
    } else {
        let above = rows.iter().filter_map(|r| u32::try_from(r.version).ok()).chain(keys.versions()).max().unwrap_or(0);
        KeyProvider::add_version_to_file(path, above)?
    };
    // Check and record the new key like any other, then make it primary.
    let keys = KeyProvider::open(source, false)?;
    key_check::verify(db, &keys, now).await?;
    let mut tx = db.begin_write().await.map_err(db_err)?;
    store::make_primary(&mut tx, i64::from(to), now).await.map_err(db_err)?;
    let mut ev = Event::new("cli", None, None, "keys_rotate", "ok");
    ev.details = json!({"from_version": from, "to_version": to});
    audit::append(&mut tx, now, &ev).await.map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(Rotated { from, to })
}

/// Where a `rewrap` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Data keys re-wrapped by this run.
    pub done: u64,
    /// Data keys under older versions when this run started.
    pub total: u64,
}

/// What a finished `rewrap` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrapped {
    /// The primary they were re-wrapped under.
    pub to: u32,
    /// Data keys re-wrapped by this run.
    pub rewrapped: u64,
    /// Data keys still under other versions (0 unless a rotation happened meanwhile).
    pub remaining: i64,
}

/// Re-wrap every data key under an older version with the primary, `batch` per transaction,
/// calling `progress` after each batch.
pub async fn rewrap(db: &Db, source: &KeySource, batch: i64, now: i64, mut progress: impl FnMut(Progress)) -> Result<Rewrapped, String> {
    let db_err = |e: sqlx::Error| format!("database: {e}");
    let keys = checked_keys(db, source, now).await?;
    let to = keys.primary();
    let primary = i64::from(keys.primary_version());
    let old: Vec<(i64, i64)> = store::dek_counts(&db.pool).await.map_err(db_err)?.into_iter().filter(|(v, _)| *v != primary).collect();
    let total = old.iter().map(|(_, n)| u64::try_from(*n).unwrap_or(0)).sum();
    // The start is on the chain too: a run that is killed leaves its trace.
    let mut ev = Event::new("cli", None, None, "keys_rewrap", "started");
    ev.details = json!({"to_version": primary, "to_rewrap": total});
    audit::record(db, now, &ev).await.map_err(db_err)?;
    let mut done = 0u64;
    for (version, _) in old {
        let from = u32::try_from(version).ok().and_then(|v| keys.kek(v)).ok_or_else(|| format!("data keys use master key version {version}, which the key source lacks"))?;
        let mut after = String::new();
        loop {
            let rows = store::deks_after(&db.pool, version, &after, batch.max(1)).await.map_err(db_err)?;
            let Some(last) = rows.last() else { break };
            after.clone_from(&last.order_id);
            let mut moved = Vec::with_capacity(rows.len());
            for r in &rows {
                let order = orderveil_cipher::OrderId::new(&r.order_id).map_err(|e| format!("order id {}: {e}", r.order_id))?;
                let wrapped = orderveil_cipher::WrappedDek::from_parts(from.version(), &r.wrapped_dek).ok_or("a stored wrapped data key is malformed")?;
                let dek = from.unwrap(&wrapped, &order).map_err(|_| format!("the data key of order {} does not open with version {version}", r.order_id))?;
                moved.push((r.order_id.as_str(), r.wrapped_dek.as_slice(), to.wrap(&dek, &order).map_err(|e| e.to_string())?.as_bytes().to_vec()));
            }
            let mut tx = db.begin_write().await.map_err(db_err)?;
            done += store::rewrap(&mut tx, version, primary, &moved).await.map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            progress(Progress { done, total });
        }
    }
    let remaining = store::dek_counts(&db.pool).await.map_err(db_err)?.iter().filter(|(v, _)| *v != primary).map(|(_, n)| n).sum();
    let mut ev = Event::new("cli", None, None, "keys_rewrap", "ok");
    ev.details = json!({"to_version": primary, "rewrapped": done, "remaining": remaining});
    audit::record(db, now, &ev).await.map_err(db_err)?;
    Ok(Rewrapped { to: keys.primary_version(), rewrapped: done, remaining })
}

/// Retire `version`: refused while it is the primary or any data key uses it; then marked
/// retired in the store and removed from the key file.
pub async fn retire(db: &Db, source: &KeySource, version: u32, now: i64) -> Result<(), String> {
    let db_err = |e: sqlx::Error| format!("database: {e}");
    let keys = checked_keys(db, source, now).await?;
    let rows = store::versions(&db.pool).await.map_err(db_err)?;
    let row = rows.iter().find(|r| r.version == i64::from(version)).ok_or_else(|| format!("this store has no master key version {version}"))?;
    match row.state.as_str() {
        "primary" => return Err(format!("version {version} is the primary: rotate to a new version and rewrap first")),
        "active" => {
            let mut tx = db.begin_write().await.map_err(db_err)?;
            let left = store::dek_count(&mut *tx, i64::from(version)).await.map_err(db_err)?;
            if left > 0 {
                tx.rollback().await.map_err(db_err)?;
                return Err(format!("{left} orders still have data keys under version {version}: run `orderveil keys rewrap` first"));
            }
            store::retire(&mut tx, i64::from(version), now).await.map_err(db_err)?;
            let mut ev = Event::new("cli", None, None, "keys_retire", "ok");
            ev.details = json!({"version": version, "primary": keys.primary_version()});
            audit::append(&mut tx, now, &ev).await.map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
        }
        _ => {} // retired already: make sure it left the key file too
    }
    if let KeySource::File(path) = source {
        KeyProvider::remove_version_from_file(path, version)?;
    }
    Ok(())
}
