//! One key source for every process on a store. At start a process compares its keys with
//! what the store recorded ([`crate::store::keys`]): a check value per key, HMAC-SHA256 of a
//! fixed label under the key ([`crate::keys::check_value`]), never the key itself.
//!
//! * A recorded key the process holds with another value: refuse to start, naming the key and
//!   the fix.
//! * A recorded master key version the process lacks, while orders still use it: refuse.
//! * A store with orders but no check values (written before they were recorded): the
//!   process's master keys are tried on one wrapped data key per version in use; a key that
//!   does not unwrap it: refuse.
//! * Otherwise the process's check values that the store lacks are recorded (the first
//!   process wins; the values are read back and compared again, so two processes started at
//!   once with different keys cannot both pass).

use orderveil_cipher::{KekVersion, OrderId, WrappedDek};

use crate::keys::KeyProvider;
use crate::store::{Db, keys as store};

/// What to tell an operator whose process holds other keys than the store.
const FIX: &str = "every process on one store needs the same keys: start it with the store's key file (--key-file, mode 0600) \
                   or the same ORDERVEIL_MASTER_KEY and ORDERVEIL_INDEX_KEY";

/// Whether the store is new: no recorded keys and no orders (a new key file may be made).
pub async fn store_is_new(db: &Db) -> Result<bool, String> {
    let checks = store::checks(&db.pool).await.map_err(|e| format!("database: {e}"))?;
    Ok(checks.is_empty() && !store::has_orders(&db.pool).await.map_err(|e| format!("database: {e}"))?)
}

/// Refuse (with the reason and the fix) unless `keys` are the store's keys; record the check
/// values the store lacks.
pub async fn verify(db: &Db, keys: &KeyProvider, now: i64) -> Result<(), String> {
    let db_err = |e: sqlx::Error| format!("database: {e}");
    let mine = keys.check_values();
    let recorded = store::checks(&db.pool).await.map_err(db_err)?;
    if recorded.is_empty() {
        // A store from before check values were recorded: try the master keys on its orders.
        for s in store::dek_samples(&db.pool).await.map_err(db_err)? {
            let version = u32::try_from(s.kek_version).ok().and_then(KekVersion::new).ok_or("an order names master key version 0")?;
            let Some(kek) = keys.kek(version.get()) else {
                return Err(format!("this store's orders use master key version {version}, which this process does not have; {FIX}"));
            };
            let order = OrderId::new(&s.order_id).map_err(|e| format!("order id {}: {e}", s.order_id))?;
            let wrapped = WrappedDek::from_parts(version, &s.wrapped_dek).ok_or("a stored wrapped data key is malformed")?;
            if kek.unwrap(&wrapped, &order).is_err() {
                return Err(format!("master key version {version} of this process does not open this store's orders; {FIX}"));
            }
        }
    }
    compare(&recorded.iter().map(|r| (r.name.clone(), r.check_value.clone())).collect::<Vec<_>>(), &mine, &versions_in_use(db).await?)?;
    let missing: Vec<&(String, String)> = mine.iter().filter(|(n, _)| !recorded.iter().any(|r| &r.name == n)).collect();
    if !missing.is_empty() {
        let mut tx = db.begin_write().await.map_err(db_err)?;
        for (name, value) in missing {
            store::insert_check(&mut tx, name, value, now).await.map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        // Another process may have recorded other values in between.
        let now_recorded = store::checks(&db.pool).await.map_err(db_err)?;
        compare(&now_recorded.iter().map(|r| (r.name.clone(), r.check_value.clone())).collect::<Vec<_>>(), &mine, &versions_in_use(db).await?)?;
        tracing::info!(keys = ?mine.iter().map(|(n, _)| n).collect::<Vec<_>>(), "recorded the check values of this process's keys in the store");
    }
    Ok(())
}

/// `keys` with the store's primary master key version as their primary. A store that has
/// recorded no versions yet (new, or from before rotation) records the ones held, with the
/// key source's primary as its primary. Refuses if the store's primary is not held.
pub async fn take_primary(db: &Db, keys: KeyProvider, now: i64) -> Result<KeyProvider, String> {
    let db_err = |e: sqlx::Error| format!("database: {e}");
    let rows = store::versions(&db.pool).await.map_err(db_err)?;
    if let Some(p) = rows.iter().find(|r| r.state == "primary") {
        let p = u32::try_from(p.version).map_err(|_| "a stored key version is out of range")?;
        return keys.with_primary(p).map_err(|e| format!("{e}; {FIX}"));
    }
    let mut tx = db.begin_write().await.map_err(db_err)?;
    for v in keys.versions() {
        if v != keys.primary_version() {
            store::add_active(&mut tx, i64::from(v), now).await.map_err(db_err)?;
        }
    }
    store::make_primary(&mut tx, i64::from(keys.primary_version()), now).await.map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(keys)
}

/// The master key versions that wrapped data keys use.
async fn versions_in_use(db: &Db) -> Result<Vec<u32>, String> {
    let samples = store::dek_samples(&db.pool).await.map_err(|e| format!("database: {e}"))?;
    Ok(samples.iter().filter_map(|s| u32::try_from(s.kek_version).ok()).collect())
}

/// The rule: every recorded key the process holds has the recorded value; every master key
/// version in use is held.
fn compare(recorded: &[(String, String)], mine: &[(String, String)], in_use: &[u32]) -> Result<(), String> {
    for (name, value) in recorded {
        if let Some((_, my)) = mine.iter().find(|(n, _)| n == name)
            && my != value
        {
            return Err(format!("the key `{name}` of this process is not the one this store was written with (check value {}… recorded, {}… here); {FIX}", &value[..12.min(value.len())], &my[..12.min(my.len())]));
        }
    }
    for v in in_use {
        if !mine.iter().any(|(n, _)| *n == format!("kek:{v}")) {
            return Err(format!("this store's orders use master key version {v}, which this process does not have; {FIX}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| ((*a).to_string(), (*b).to_string())).collect()
    }

    #[test]
    fn a_differing_or_missing_key_is_refused_and_a_retired_one_is_not() {
        let mine = kv(&[("kek:1", "aaaa"), ("index", "cccc")]);
        assert!(compare(&kv(&[("kek:1", "aaaa"), ("index", "cccc")]), &mine, &[1]).is_ok());
        let e = compare(&kv(&[("kek:1", "bbbb")]), &mine, &[1]).unwrap_err();
        assert!(e.contains("`kek:1`") && e.contains("--key-file"), "{e}");
        assert!(compare(&kv(&[("index", "dddd")]), &mine, &[]).unwrap_err().contains("`index`"));
        assert!(compare(&kv(&[("kek:2", "eeee")]), &mine, &[1, 2]).unwrap_err().contains("version 2"));
        // A version recorded but used by no order any more (retired) need not be held.
        assert!(compare(&kv(&[("kek:1", "aaaa"), ("kek:2", "eeee")]), &mine, &[1]).is_ok());
    }
}
