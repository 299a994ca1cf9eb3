//! The append-only, keyed hash chain of the audit trail.
//!
//! One chain per shop (`shop:<id>`) and one for platform events (`platform`), so shops never
//! serialize on one another. Row `n` of a chain stores
//! `hash = HMAC-SHA256(audit key, prev_hash ‖ "\n" ‖ canonical JSON of [chain, seq, at, actor,
//! actor_id, shop_id, action, outcome, code, order_ids, details])` (`keyed` = 1), with
//! `prev_hash` = the hash of row `n-1` (64 zeros for row 1). The audit key is held like the
//! master keys, outside the store ([`crate::keys::KeyProvider::audit_key`]), so someone who can
//! write the database cannot recompute a chain that still verifies. Rows written before the
//! chain was keyed keep their plain SHA-256 link (`keyed` = 0); a chain continues under the
//! keyed rule from its first keyed row, and an unkeyed row after a keyed one is a failure (a
//! downgrade). `audit_heads` keeps each chain's last seq and hash, so a deleted tail is caught
//! as well as an edited, inserted or deleted row. Verification reads a chain in pages
//! ([`PAGE`]), in constant memory however long it is.

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;

use crate::store::audit as store;
use crate::store::{Db, Val, WriteTx, exposure};

/// The hash before the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event to append.
#[derive(Clone, Debug)]
pub struct Event {
    /// Who: a user name, `order-system`, or `app:<id>`.
    pub actor: String,
    /// The acting user's id, if a user.
    pub actor_id: Option<i64>,
    /// The shop concerned; `None` for platform events.
    pub shop_id: Option<String>,
    /// Set for an event on a factory's own chain (`factory:<id>`); its `shop_id` is then
    /// `None` and the shop, if any, is in `details`.
    pub factory_id: Option<String>,
    /// What, e.g. `reveal`, `login`, `ingest`.
    pub action: String,
    /// `ok` or `refused`.
    pub outcome: &'static str,
    /// The error code of a refusal.
    pub code: Option<String>,
    /// Orders concerned.
    pub order_ids: Vec<String>,
    /// Facts; never plaintext receiver data.
    pub details: Value,
    /// What an `ok` event on a shop's chain disclosed: its receipts and the shop's daily
    /// counts are written with it ([`crate::exposure`]).
    pub disclosure: Option<crate::disclosure::Disclosure>,
}

impl Event {
    /// An event with no orders and no details.
    pub fn new(actor: &str, actor_id: Option<i64>, shop_id: Option<&str>, action: &str, outcome: &'static str) -> Self {
        Self {
            actor: actor.into(),
            actor_id,
            shop_id: shop_id.map(Into::into),
            factory_id: None,
            action: action.into(),
            outcome,
            code: None,
            order_ids: Vec::new(),
            details: json!({}),
            disclosure: None,
        }
    }

    fn chain(&self) -> String {
        match (&self.factory_id, &self.shop_id) {
            (Some(f), _) => format!("factory:{f}"),
            (None, Some(s)) => format!("shop:{s}"),
            (None, None) => "platform".to_string(),
        }
    }

    /// The same event on `factory`'s chain: the shop moves into `details.shop_id`.
    pub fn for_factory(&self, factory: &str) -> Self {
        let mut ev = self.clone();
        if let (Some(shop), Some(d)) = (ev.shop_id.take(), ev.details.as_object_mut()) {
            d.insert("shop_id".into(), json!(shop));
        }
        ev.factory_id = Some(factory.to_string());
        // The shop's row carries the receipts.
        ev.disclosure = None;
        ev
    }
}

/// The keyed link of a row: HMAC-SHA256 under the audit key of what [`row_hash`] hashes.
#[allow(clippy::too_many_arguments)]
pub fn keyed_row_hash(
    key: &[u8; 32],
    prev: &str,
    chain: &str,
    seq: i64,
    at: i64,
    actor: &str,
    actor_id: Option<i64>,
    shop_id: Option<&str>,
    action: &str,
    outcome: &str,
    code: Option<&str>,
    order_ids: &str,
    details: &str,
) -> String {
    link(Some(key), prev, &canonical(chain, seq, at, actor, actor_id, shop_id, action, outcome, code, order_ids, details))
}

/// The canonical unkeyed hash of a row (rows written before the chain was keyed).
#[allow(clippy::too_many_arguments)]
pub fn row_hash(
    prev: &str,
    chain: &str,
    seq: i64,
    at: i64,
    actor: &str,
    actor_id: Option<i64>,
    shop_id: Option<&str>,
    action: &str,
    outcome: &str,
    code: Option<&str>,
    order_ids: &str,
    details: &str,
) -> String {
    link(None, prev, &canonical(chain, seq, at, actor, actor_id, shop_id, action, outcome, code, order_ids, details))
}

/// The canonical JSON of a row's hashed columns.
#[allow(clippy::too_many_arguments)]
fn canonical(
    chain: &str,
    seq: i64,
    at: i64,
    actor: &str,
    actor_id: Option<i64>,
    shop_id: Option<&str>,
    action: &str,
    outcome: &str,
    code: Option<&str>,
    order_ids: &str,
    details: &str,
) -> String {
    json!([chain, seq, at, actor, actor_id, shop_id, action, outcome, code, order_ids, details]).to_string()
}

/// `prev ‖ "\n" ‖ canonical`, under HMAC-SHA256 with `key`, or plain SHA-256 without; hex.
fn link(key: Option<&[u8; 32]>, prev: &str, canonical: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let bytes: Vec<u8> = match key {
        Some(k) => {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(k).unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
            mac.update(prev.as_bytes());
            mac.update(b"\n");
            mac.update(canonical.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        None => {
            let mut h = Sha256::new();
            h.update(prev.as_bytes());
            h.update(b"\n");
            h.update(canonical.as_bytes());
            h.finalize().to_vec()
        }
    };
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Append `ev` inside `tx`; returns its seq. See [`append_many`].
pub async fn append(tx: &mut WriteTx<'_>, at: i64, ev: &Event) -> Result<i64, sqlx::Error> {
    let seqs = append_many(tx, std::slice::from_ref(&(at, ev.clone()))).await?;
    seqs.first().copied().ok_or_else(|| sqlx::Error::Protocol("audit append wrote no row".into()))
}

/// Append `events` (each with its time) inside `tx`, in order; returns their seqs.
///
/// The heads of the chains concerned are locked first, in sorted order (row locks on
/// PostgreSQL; SQLite write transactions are exclusive anyway), so concurrent appends to one
/// chain serialize and two writers never wait on each other's heads in a cycle. Then the
/// rows are hashed in memory and written with a few multi-row statements, whatever the count.
pub async fn append_many(tx: &mut WriteTx<'_>, events: &[(i64, Event)]) -> Result<Vec<i64>, sqlx::Error> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    // Every process loads its keys before it serves; a store without the key writes nothing.
    let key = *tx.audit_key().ok_or_else(|| sqlx::Error::Protocol("the audit key is not loaded".into()))?;
    let key = zeroize::Zeroizing::new(key);
    let mut chains: Vec<String> = events.iter().map(|(_, e)| e.chain()).collect();
    chains.sort();
    chains.dedup();
    let mut heads: HashMap<String, (i64, String)> = store::lock_heads(tx, &chains, GENESIS).await?.into_iter().map(|h| (h.chain, (h.seq, h.hash))).collect();

    let mut seqs = Vec::with_capacity(events.len());
    let mut rows: Vec<[Val; 14]> = Vec::with_capacity(events.len());
    for (at, ev) in events {
        let chain = ev.chain();
        let head = heads.get_mut(&chain).ok_or_else(|| sqlx::Error::Protocol(format!("no head returned for {chain}")))?;
        let seq = head.0 + 1;
        let order_ids = serde_json::to_string(&ev.order_ids).unwrap_or_else(|_| "[]".into());
        let details = ev.details.to_string();
        let hash = keyed_row_hash(&key, &head.1, &chain, seq, *at, &ev.actor, ev.actor_id, ev.shop_id.as_deref(), &ev.action, ev.outcome, ev.code.as_deref(), &order_ids, &details);
        let prev = std::mem::replace(head, (seq, hash.clone())).1;
        seqs.push(seq);
        rows.push([
            Val::S(chain),
            Val::I(seq),
            Val::I(*at),
            Val::S(ev.actor.clone()),
            Val::NI(ev.actor_id),
            Val::NS(ev.shop_id.clone()),
            Val::S(ev.action.clone()),
            Val::S(ev.outcome.into()),
            Val::NS(ev.code.clone()),
            Val::S(order_ids),
            Val::S(details),
            Val::S(prev),
            Val::S(hash),
            Val::I(1),
        ]);
    }
    store::insert_rows(tx, &rows).await?;
    for chain in &chains {
        if let Some((seq, hash)) = heads.get(chain) {
            store::set_head(tx, chain, *seq, hash).await?;
        }
    }
    record_disclosures(tx, events, &seqs).await?;
    Ok(seqs)
}

/// Seal the chains written before the audit chain was keyed: each chain whose last row is
/// unkeyed gets a keyed `chain_keyed` row, whose link covers the unkeyed rows before it. From
/// then on every row is keyed, and a chain that ends unkeyed fails verification. Run at start
/// (after the keys are loaded); a chain already sealed is left alone.
pub async fn seal_unkeyed_chains(db: &Db, now: i64) -> Result<usize, sqlx::Error> {
    let chains = store::chains_ending_unkeyed(&db.pool).await?;
    for chain in &chains {
        let mut tx = db.begin_write().await?;
        let shop = chain.strip_prefix("shop:");
        let mut ev = Event::new("orderveil", None, shop, "chain_keyed", "ok");
        ev.details = json!({"rule": "HMAC-SHA256 under the audit key from this row on"});
        // Another process may have sealed it meanwhile: check inside the transaction.
        if store::chains_ending_unkeyed(&mut *tx).await?.contains(chain) {
            append(&mut tx, now, &ev).await?;
        }
        tx.commit().await?;
    }
    Ok(chains.len())
}

/// Append in a transaction of its own (for events outside a bigger transaction).
pub async fn record(db: &Db, at: i64, ev: &Event) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    append(&mut tx, at, ev).await?;
    tx.commit().await
}

/// Rows read per page when verifying.
pub const PAGE: i64 = 5_000;
/// Problems listed at most (the count goes on).
pub const MAX_PROBLEMS: usize = 100;

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Report {
    /// Chains checked.
    pub chains: usize,
    /// Rows checked.
    pub rows: usize,
    /// The inconsistencies, one line each (the first [`MAX_PROBLEMS`]).
    pub problems: Vec<String>,
    /// How many inconsistencies in all.
    pub problem_count: usize,
}

impl Report {
    fn problem(&mut self, p: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        }
    }
}

/// Recompute every chain.
pub async fn verify(db: &Db) -> Result<Report, sqlx::Error> {
    verify_chains(db, None, |_| true).await
}

/// Recompute one chain (`shop:<id>` or `platform`); a chain without rows and head is not
/// counted.
pub async fn verify_chain(db: &Db, chain: &str) -> Result<Report, sqlx::Error> {
    verify_chains(db, Some(chain), |_| true).await
}

/// Recompute every chain, or only `only`, a page of [`PAGE`] rows at a time (memory does not
/// grow with the chain: the report keeps counts and the first [`MAX_PROBLEMS`] problems).
/// `progress` sees the report after each page; when it answers false the run stops there.
pub async fn verify_chains(db: &Db, only: Option<&str>, mut progress: impl FnMut(&Report) -> bool) -> Result<Report, sqlx::Error> {
    let mut report = Report::default();
    let heads = store::heads(&db.pool, only).await?;
    let chains = store::chains_with_rows(&db.pool, only).await?;
    let mut names: Vec<String> = heads.iter().map(|h| h.chain.clone()).chain(chains).collect();
    names.sort();
    names.dedup();
    for chain in names {
        report.chains += 1;
        let mut prev = GENESIS.to_string();
        let mut expect_seq = 1;
        let mut keyed_from: Option<i64> = None;
        let mut after = (0, 0);
        loop {
            let rows = store::chain_page(&db.pool, &chain, after, PAGE).await?;
            for r in &rows {
                let (id, seq) = (r.id, r.seq);
                report.rows += 1;
                if seq != expect_seq {
                    report.problem(format!("{chain}: row id {id} has seq {seq}, expected {expect_seq} (row deleted or inserted)"));
                }
                if r.prev_hash != prev {
                    report.problem(format!("{chain}: row id {id} (seq {seq}) does not link to the previous row"));
                }
                let (shop, code) = (r.shop_id.as_deref(), r.code.as_deref());
                let recomputed = if r.keyed != 0 {
                    keyed_from.get_or_insert(seq);
                    match db.audit_key() {
                        Some(k) => keyed_row_hash(k, &r.prev_hash, &r.chain, seq, r.at, &r.actor, r.actor_id, shop, &r.action, &r.outcome, code, &r.order_ids, &r.details),
                        None => {
                            report.problem(format!("{chain}: row id {id} (seq {seq}) is keyed and no audit key is loaded (give the store's key file)"));
                            r.hash.clone()
                        }
                    }
                } else {
                    if let Some(from) = keyed_from {
                        report.problem(format!("{chain}: row id {id} (seq {seq}) has an unkeyed link after the chain became keyed at seq {from} (rewritten without the key?)"));
                    }
                    row_hash(&r.prev_hash, &r.chain, seq, r.at, &r.actor, r.actor_id, shop, &r.action, &r.outcome, code, &r.order_ids, &r.details)
                };
                if recomputed != r.hash {
                    report.problem(format!("{chain}: row id {id} (seq {seq}) was edited: its hash does not match its content"));
                }
                prev = r.hash.clone();
                expect_seq = seq + 1;
                after = (seq, id);
            }
            if !progress(&report) {
                return Ok(report);
            }
            if (rows.len() as i64) < PAGE {
                break;
            }
        }
        if keyed_from.is_none() && expect_seq > 1 {
            report.problem(format!("{chain}: the chain ends with unkeyed links (rewritten without the key, or never sealed by a keyed server)"));
        }
        match heads.iter().find(|h| h.chain == chain) {
            Some(h) if h.seq == expect_seq - 1 && h.hash == prev => {}
            Some(h) => report.problem(format!("{chain}: head says {} rows but the chain ends at {} (rows deleted at the end?)", h.seq, expect_seq - 1)),
            None => report.problem(format!("{chain}: no head row")),
        }
    }
    Ok(report)
}

/// Write the receipts and daily counts of `events`, just appended as `seqs` (inside the
/// audit append's transaction, after the heads of their chains were locked).
async fn record_disclosures(tx: &mut WriteTx<'_>, events: &[(i64, Event)], seqs: &[i64]) -> Result<(), sqlx::Error> {
    let mut rows: Vec<exposure::NewReceipt> = Vec::new();
    let mut daily: std::collections::BTreeMap<(String, String), exposure::Counts> = std::collections::BTreeMap::new();
    for ((at, ev), seq) in events.iter().zip(seqs) {
        let (Some(d), Some(shop), None, "ok") = (&ev.disclosure, &ev.shop_id, &ev.factory_id, ev.outcome) else {
            continue;
        };
        let day = crate::clock::day_of(*at);
        let orders = d.orders.as_ref().unwrap_or(&ev.order_ids);
        let c = daily.entry((shop.clone(), day.clone())).or_default();
        let n = i64::try_from(orders.len()).unwrap_or(i64::MAX);
        match d.path {
            orderveil_api::DisclosurePath::Reveal => c.reveals += n,
            orderveil_api::DisclosurePath::Print => c.prints += n,
            orderveil_api::DisclosurePath::Sms => c.sms += n,
            orderveil_api::DisclosurePath::VirtualNumber => c.virtual_numbers += n,
            orderveil_api::DisclosurePath::SearchMatch => {
                c.search_units += d.search_units;
                c.search_matches += d.search_matches;
            }
        }
        let fields = d.fields.join(",");
        for order in orders {
            rows.push([
                Val::S(order.clone()),
                Val::S(shop.clone()),
                Val::I(*at),
                Val::S(day.clone()),
                Val::S(d.path.as_str().into()),
                Val::S(fields.clone()),
                Val::S(d.actor.kind.as_str().into()),
                Val::S(ev.actor.clone()),
                Val::NS(d.actor.app_name.clone()),
                Val::NS(d.actor.factory_id.clone()),
                Val::NS(d.purpose.clone()),
                Val::S(format!("shop:{shop}")),
                Val::I(*seq),
            ]);
        }
    }
    exposure::insert_receipts(tx, &rows).await?;
    exposure::add_daily(tx, &daily).await
}
