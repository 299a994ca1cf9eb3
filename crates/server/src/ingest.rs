//! Order ingest from the platform's order system. Plaintext receiver data is encrypted on
//! arrival (in blocking tasks, the batch split across the cores) and dropped; the whole
//! batch is validated first and written in one transaction, so a bad order applies nothing.
//! Idempotent on `order_id`: a repeat updates status and completion time, and re-encrypts
//! only if the receiver changed (a buyer edited the address), as the receiver key tells
//! without decrypting.
//!
//! The transaction is a handful of set-based statements whatever the batch size: shops,
//! which orders exist, one `UPDATE … FROM (VALUES …)` for the repeats, multi-row `INSERT`s
//! for the new orders (one per batch on SQLite, 100 rows each on PostgreSQL), one upsert of
//! the per-shop counts, the audit rows, commit. Statement count matters: sqlx hands each
//! SQLite statement to a worker thread (a cross-thread wake-up each way), and each
//! PostgreSQL statement is a round trip. On SQLite the multi-row writes also run `OR FAIL`
//! (see [`or_fail`]): by default SQLite journals, into a temp file, every existing page
//! such a statement changes, which wrote twice as many bytes as the WAL itself.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use orderveil_api::{ErrorCode, IngestOrder, IngestResponse, OrderStatus};
use orderveil_cipher::{CryptoError, IndexKey, OrderId, Receiver, ShopId, encrypt_receiver};
use serde_json::json;
use sqlx::AnyConnection;
use tokio::sync::{mpsc, oneshot};

use crate::audit::{self, Event};
use crate::clock::parse_rfc3339;
use crate::store::{Backend, Db};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use orderveil_api::{ApiError, IngestRequest};
use utoipa::OpenApi;
use crate::extract::ApiJson;
use crate::guard::OrderSystem;

/// Most orders in one ingest request.
pub const MAX_BATCH: usize = 500;
const MAX_FIELD_CHARS: usize = 200;

struct Checked {
    order_id: OrderId,
    shop_id: ShopId,
    status: OrderStatus,
    created_at: i64,
    completed_at: Option<i64>,
    items: String,
    amount_cents: i64,
}

fn check(i: usize, o: &IngestOrder, errors: &mut Vec<serde_json::Value>) -> Option<Checked> {
    let mut bad = |field: &str, reason: &str| errors.push(json!({"index": i, "order_id": o.order_id, "field": field, "reason": reason}));
    let order_id = OrderId::new(&o.order_id).map_err(|e| bad("order_id", &e.to_string())).ok();
    let shop_id = ShopId::new(&o.shop_id).map_err(|e| bad("shop_id", &e.to_string())).ok();
    let created_at = parse_rfc3339(&o.created_at);
    if created_at.is_none() {
        bad("created_at", "not RFC 3339");
    }
    let completed_at = match &o.completed_at {
        None => None,
        Some(s) => {
            let t = parse_rfc3339(s);
            if t.is_none() {
                bad("completed_at", "not RFC 3339");
            }
            t
        }
    };
    if o.status == OrderStatus::Completed && o.completed_at.is_none() {
        bad("completed_at", "required for completed orders");
    }
    if o.amount_cents < 0 {
        bad("amount_cents", "negative");
    }
    if o.items.is_empty() || o.items.len() > 100 || o.items.iter().any(|it| it.title.chars().count() > MAX_FIELD_CHARS || it.quantity == 0 || it.price_cents < 0) {
        bad("items", "1 to 100 items, each with a title of at most 200 characters, quantity ≥ 1, price ≥ 0");
    }
    for (name, v) in [("receiver.name", &o.receiver.name), ("receiver.phone", &o.receiver.phone), ("receiver.address", &o.receiver.address)] {
        let n = v.chars().count();
        if n == 0 || n > MAX_FIELD_CHARS {
            bad(name, "empty or longer than 200 characters");
        }
    }
    let items = serde_json::to_string(&o.items).ok()?;
    Some(Checked { order_id: order_id?, shop_id: shop_id?, status: o.status, created_at: created_at?, completed_at, items, amount_cents: o.amount_cents })
}

/// Rows per multi-row statement. SQLite: a full batch of [`MAX_BATCH`] in one statement
/// (22 values a row stays under its 32,766 parameters), since every statement costs two
/// thread hand-offs. PostgreSQL: 100 (2,200 parameters); measured against 250 and 500 rows a
/// statement, 100 cost the least PostgreSQL CPU per order (~31 µs against ~36 µs at 500;
/// the planner and executor set-up grow with the parameter count, and statements past
/// `log_min_duration_statement` get logged with every parameter).
fn rows_per_statement(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 1_000,
        Backend::Postgres => 100,
    }
}

/// Fewest orders worth a thread of their own when the encryption is split.
const MIN_ORDERS_PER_THREAD: usize = 32;

/// What is stored for one order's receiver, in column form: ciphertexts, masks, tokens.
/// No plaintext (the last 4 phone digits are what the mask shows anyway).
struct Sealed {
    wrapped_dek: Vec<u8>,
    name_ct: String,
    phone_ct: String,
    address_ct: String,
    name_masked: String,
    phone_masked: String,
    address_masked: String,
    phone_token: String,
    phone_last4: String,
    name_index: String,
    address_index: String,
    receiver_key: String,
}

/// Encrypt one slice of the batch. The receivers are dropped (zeroized) on return.
type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

impl Sealed {
    /// Bind the stored columns `wrapped_dek` … `receiver_key`, in `ORDER_COLUMNS` order.
    fn bind<'q>(&'q self, q: Query<'q>) -> Query<'q> {
        q.bind(self.wrapped_dek.as_slice())
            .bind(self.name_ct.as_str())
            .bind(self.phone_ct.as_str())
            .bind(self.address_ct.as_str())
            .bind(self.name_masked.as_str())
            .bind(self.phone_masked.as_str())
            .bind(self.address_masked.as_str())
            .bind(self.phone_token.as_str())
            .bind(self.phone_last4.as_str())
            .bind(self.name_index.as_str())
            .bind(self.address_index.as_str())
            .bind(self.receiver_key.as_str())
    }
}

fn seal(state: &AppState, ids: &[(ShopId, OrderId)], receivers: Vec<Receiver>) -> Result<Vec<Sealed>, CryptoError> {
    let kek = state.keys.primary();
    // Index keys per shop, derived once per slice (a batch is nearly always one shop).
    let mut index_keys: Vec<(ShopId, IndexKey)> = Vec::new();
    let mut out = Vec::with_capacity(receivers.len());
    for ((shop, order), r) in ids.iter().zip(&receivers) {
        let at = match index_keys.iter().position(|(s, _)| s == shop) {
            Some(at) => at,
            None => {
                index_keys.push((shop.clone(), state.keys.index_key(shop)));
                index_keys.len() - 1
            }
        };
        let e = encrypt_receiver(kek, &index_keys[at].1, shop, order, r)?;
        let phone_last4 = visible_last4(&e.phone.masked);
        out.push(Sealed {
            wrapped_dek: e.wrapped_dek.as_bytes().to_vec(),
            name_ct: e.name.ciphertext.to_string(),
            phone_ct: e.phone.ciphertext.to_string(),
            address_ct: e.address.ciphertext.to_string(),
            phone_token: e.phone.ciphertext.index_text(),
            name_index: e.name.ciphertext.index_text(),
            address_index: e.address.ciphertext.index_text(),
            name_masked: e.name.masked,
            phone_masked: e.phone.masked,
            address_masked: e.address.masked,
            phone_last4,
            receiver_key: e.receiver_key,
        });
    }
    Ok(out)
}

/// The free last-4 search matches the last four digits the phone's MASK shows, never digits
/// it hides: for `184****3965-****` (a virtual number with an extension) that is `3965`, not
/// the extension's last four.
fn visible_last4(masked: &str) -> String {
    let shown: Vec<char> = masked.chars().filter(char::is_ascii_digit).collect();
    shown[shown.len().saturating_sub(4)..].iter().collect()
}

/// Encrypt the batch off the async runtime, split over the available cores (~18 µs an
/// order on one core: 9 ms for a full batch), keeping the batch order.
async fn seal_all(state: &AppState, ids: Vec<(ShopId, OrderId)>, mut receivers: Vec<Receiver>) -> AppResult<Vec<Sealed>> {
    // `available_parallelism` reads cgroup files on every call.
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
    let n = receivers.len();
    let threads = cores.min(n.div_ceil(MIN_ORDERS_PER_THREAD)).max(1);
    let per = n.div_ceil(threads);
    let mut tasks = Vec::with_capacity(threads);
    let mut ids = ids;
    // Split from the back so each task owns its receivers; reversed below.
    while !receivers.is_empty() {
        let from = (receivers.len() - 1) / per * per;
        let (part, part_ids) = (receivers.split_off(from), ids.split_off(from));
        let st = state.clone();
        tasks.push(tokio::task::spawn_blocking(move || seal(&st, &part_ids, part)));
    }
    let mut out = Vec::with_capacity(n);
    for task in tasks.into_iter().rev() {
        out.extend(task.await.map_err(AppError::internal)?.map_err(AppError::internal)?);
    }
    Ok(out)
}

/// `OR FAIL` on SQLite, for the multi-row `INSERT` and `UPDATE`s: stop at a failed
/// constraint instead of first undoing the statement's own rows. The default (`OR ABORT`)
/// makes SQLite keep a statement journal of every existing page a multi-row statement
/// changes (in a temp file once past 64 KiB) so that it can undo just that statement; here
/// any error rolls the whole transaction back anyway, so the journal is pure cost.
fn or_fail(backend: Backend) -> &'static str {
    if backend == Backend::Sqlite { " OR FAIL" } else { "" }
}


/// A statement with placeholders for its backend: anonymous `?` on SQLite (sqlx resolves
/// `$N` there by a linear name walk per parameter, quadratic in a big statement), `$1…` on
/// PostgreSQL.
struct Sql {
    text: String,
    count: usize,
    pg: bool,
}

impl Sql {
    fn new(backend: Backend, head: &str) -> Self {
        Self { text: head.to_string(), count: 0, pg: backend == Backend::Postgres }
    }

    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// One placeholder.
    fn ph(&mut self) -> &mut Self {
        self.count += 1;
        if self.pg {
            self.text.push('$');
            self.text.push_str(&self.count.to_string());
        } else {
            self.text.push('?');
        }
        self
    }

    /// `(…), (…)`: `rows` rows of `width` placeholders.
    fn rows(&mut self, rows: usize, width: usize) -> &mut Self {
        for r in 0..rows {
            self.push(if r == 0 { "(" } else { ", (" });
            for c in 0..width {
                if c > 0 {
                    self.push(", ");
                }
                self.ph();
            }
            self.push(")");
        }
        self
    }
}

const ORDER_COLUMNS: &str = "order_id, shop_id, status, created_at, completed_at, items, amount_cents, kek_version, wrapped_dek, \
     name_ct, phone_ct, address_ct, name_masked, phone_masked, address_masked, phone_token, phone_last4, name_index, address_index, \
     receiver_key, ingested_at, updated_at";

/// Ingest a batch. `actor` names who pushed it (for the audit trail).
pub async fn ingest(state: &AppState, orders: Vec<IngestOrder>, actor: &str) -> AppResult<IngestResponse> {
    if orders.len() > MAX_BATCH {
        return Err(AppError::new(ErrorCode::BatchTooLarge).with(json!({"max": MAX_BATCH, "got": orders.len()})));
    }
    if orders.is_empty() {
        return Ok(IngestResponse { created: 0, existing: 0 });
    }
    let mut errors = Vec::new();
    let checked: Vec<Option<Checked>> = orders.iter().enumerate().map(|(i, o)| check(i, o, &mut errors)).collect();
    let mut seen = std::collections::HashSet::new();
    for o in &orders {
        if !seen.insert(o.order_id.as_str()) {
            errors.push(json!({"order_id": o.order_id, "field": "order_id", "reason": "duplicate in batch"}));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"errors": errors})));
    }
    let checked: Vec<Checked> = checked.into_iter().flatten().collect();

    let receivers: Vec<Receiver> = orders
        .into_iter()
        .map(|o| Receiver { name: o.receiver.name, phone: o.receiver.phone, address: o.receiver.address })
        .collect();
    let ids: Vec<(ShopId, OrderId)> = checked.iter().map(|c| (c.shop_id.clone(), c.order_id.clone())).collect();
    let sealed = seal_all(state, ids, receivers).await?;

    let batch = Prepared { checked, sealed, now: state.now(), kek_version: i64::from(state.keys.primary().version().get()), actor: actor.to_string() };
    state.ingest_writer.write(batch).await
}

/// A validated, encrypted batch, ready to be written.
pub struct Prepared {
    checked: Vec<Checked>,
    sealed: Vec<Sealed>,
    now: i64,
    kek_version: i64,
    actor: String,
}

/// Most orders written in one grouped transaction.
const MAX_GROUP_ORDERS: usize = 4 * MAX_BATCH;

struct Job {
    batch: Prepared,
    reply: oneshot::Sender<AppResult<IngestResponse>>,
}

/// Group commit of ingest batches on SQLite: batches that are ready while the previous
/// group is being written are written together, one after the other in ONE transaction. A
/// batch that is refused (an order id of another shop) is refused before it writes anything
/// and alone gets the error; if a statement or the commit fails, every batch of the group
/// gets an error and nothing of the group was applied. The gain is the commit: each commit
/// writes every page its transaction dirtied to the WAL, and batches of random order ids
/// share many index pages, so two batches in one commit write fewer pages than two commits
/// (measured: ~9,300 → ~11,000 orders/s). SQLite has one writer anyway.
///
/// On PostgreSQL each batch is its own transaction, written at once: concurrent
/// transactions there run in parallel on several backends, and grouping them behind one
/// connection was slower (15,400 → 10,900 orders/s).
#[derive(Clone, Debug)]
pub struct IngestWriter {
    db: Db,
    /// The SQLite writer task; `None` on PostgreSQL.
    tx: Option<mpsc::UnboundedSender<Job>>,
    stats: Arc<WriterStats>,
}

/// Counters of the ingest writer since it started.
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Transactions written (each a group of one or more batches).
    pub groups: AtomicU64,
    /// Batches written (applied or refused).
    pub batches: AtomicU64,
}

impl IngestWriter {
    /// Start the writer (on SQLite, a task on the current runtime that ends with the last
    /// handle).
    pub fn start(db: Db) -> Self {
        let stats = Arc::new(WriterStats::default());
        let tx = (db.backend == Backend::Sqlite).then(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run(db.clone(), rx, stats.clone()));
            tx
        });
        Self { db, tx, stats }
    }

    /// `(transactions, batches)` written so far.
    pub fn stats(&self) -> (u64, u64) {
        (self.stats.groups.load(Ordering::Relaxed), self.stats.batches.load(Ordering::Relaxed))
    }

    async fn write(&self, batch: Prepared) -> AppResult<IngestResponse> {
        let Some(tx) = &self.tx else {
            let answers = write_with_retry(&self.db, &[&batch], &self.stats).await?;
            return answers.into_iter().next().unwrap_or_else(|| Err(AppError::internal("no answer for an ingest batch")));
        };
        let (reply, answer) = oneshot::channel();
        tx.send(Job { batch, reply }).map_err(|_| AppError::internal("the ingest writer has stopped"))?;
        answer.await.map_err(|_| AppError::internal("the ingest writer dropped a batch"))?
    }
}

async fn run(db: Db, mut rx: mpsc::UnboundedReceiver<Job>, stats: Arc<WriterStats>) {
    while let Some(first) = rx.recv().await {
        let mut orders = first.batch.checked.len();
        let mut group = vec![first];
        while orders < MAX_GROUP_ORDERS {
            match rx.try_recv() {
                Ok(j) => {
                    orders += j.batch.checked.len();
                    group.push(j);
                }
                Err(_) => break,
            }
        }
        let batches: Vec<&Prepared> = group.iter().map(|j| &j.batch).collect();
        let t0 = std::time::Instant::now();
        let result = write_with_retry(&db, &batches, &stats).await;
        tracing::debug!(batches = batches.len(), orders, ms = t0.elapsed().as_secs_f64() * 1e3, ok = result.is_ok(), "wrote a group of ingest batches");
        match result {
            Ok(answers) => {
                for (j, a) in group.into_iter().zip(answers) {
                    let _ = j.reply.send(a);
                }
            }
            Err(e) => {
                let what = format!("writing {} ingest batches: {e}", group.len());
                for j in group {
                    let _ = j.reply.send(Err(AppError::internal(&what)));
                }
            }
        }
    }
}

/// [`write_group`], again after a deadlock, a serialization failure or a unique violation
/// on PostgreSQL, where batches run in parallel: two batches of the same shops may lock count
/// and audit rows in different orders, and two batches with the same new order both see it
/// missing and both insert it — the second then waits for the first and fails. The failed
/// attempt rolled everything back; the next one sees the other's orders as repeats.
async fn write_with_retry(db: &Db, batches: &[&Prepared], stats: &WriterStats) -> Result<Vec<AppResult<IngestResponse>>, sqlx::Error> {
    let mut result = write_group(db, batches).await;
    for _ in 0..3 {
        match &result {
            Err(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("40001" | "40P01" | "23505")) => result = write_group(db, batches).await,
            _ => break,
        }
    }
    if let Ok(answers) = &result {
        stats.groups.fetch_add(1, Ordering::Relaxed);
        stats.batches.fetch_add(answers.len() as u64, Ordering::Relaxed);
    }
    result
}

/// One transaction for the group. A batch is refused (an order id of another shop) before
/// it writes anything, so the group needs no savepoints (on SQLite a savepoint would keep a
/// journal of every page it changes); any database error fails the whole group.
async fn write_group(db: &Db, batches: &[&Prepared]) -> Result<Vec<AppResult<IngestResponse>>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let mut answers = Vec::with_capacity(batches.len());
    for b in batches {
        answers.push(write_batch(&mut tx, db.backend, b).await?);
    }
    tx.commit().await?;
    Ok(answers)
}

/// Write one batch inside the group's transaction.
async fn write_batch(tx: &mut AnyConnection, backend: Backend, b: &Prepared) -> Result<AppResult<IngestResponse>, sqlx::Error> {
    let (checked, sealed, now, kek_version) = (&b.checked, &b.sealed, b.now, b.kek_version);
    // Which orders exist already: one query for the whole batch.
    let mut sql = Sql::new(backend, "SELECT order_id, shop_id, status, receiver_key FROM orders WHERE order_id IN (");
    for i in 0..checked.len() {
        if i > 0 {
            sql.push(", ");
        }
        sql.ph();
    }
    sql.push(")");
    let mut q = sqlx::query_as(&sql.text);
    for c in checked {
        q = q.bind(c.order_id.as_str());
    }
    let prior: Vec<(String, String, String, String)> = q.fetch_all(&mut *tx).await?;
    let prior: HashMap<&str, &(String, String, String, String)> = prior.iter().map(|p| (p.0.as_str(), p)).collect();

    let (mut created, mut existing) = (0u32, 0u32);
    let mut count_delta: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    let mut per_shop: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut fresh: Vec<(&Checked, &Sealed)> = Vec::new();
    let mut repeats: Vec<&Checked> = Vec::new();
    let mut changed: Vec<(&Checked, &Sealed)> = Vec::new();
    for (c, e) in checked.iter().zip(sealed) {
        let shop = c.shop_id.as_str();
        per_shop.entry(shop).or_default().push(c.order_id.as_str());
        let Some((_, prior_shop, prior_status, prior_key)) = prior.get(c.order_id.as_str()).copied() else {
            *count_delta.entry((shop, c.status.as_str())).or_default() += 1;
            created += 1;
            fresh.push((c, e));
            continue;
        };
        if prior_shop != shop {
            // Refused before this batch wrote anything.
            return Ok(Err(AppError::new(ErrorCode::IngestConflict).with(json!({"order_id": c.order_id.as_str(), "reason": "order id belongs to another shop"}))));
        }
        existing += 1;
        if prior_status != c.status.as_str() {
            *count_delta.entry((shop, prior_status.as_str())).or_default() -= 1;
            *count_delta.entry((shop, c.status.as_str())).or_default() += 1;
        }
        repeats.push(c);
        if *prior_key != e.receiver_key {
            changed.push((c, e));
        }
    }

    // Every check passed: from here on the batch writes.
    let shops: BTreeSet<&str> = checked.iter().map(|c| c.shop_id.as_str()).collect();
    let mut sql = Sql::new(backend, "INSERT INTO shops (shop_id, name, suspended, created_at) VALUES ");
    for (i, _) in shops.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" }).ph().push(", ").ph().push(", 0, ").ph().push(")");
    }
    sql.push(" ON CONFLICT (shop_id) DO NOTHING");
    let mut q = sqlx::query(&sql.text);
    for shop in &shops {
        q = q.bind(*shop).bind(*shop).bind(now);
    }
    q.execute(&mut *tx).await?;

    // Repeats: status and completion time, set-based.
    for chunk in repeats.chunks(rows_per_statement(backend)) {
        let mut sql = Sql::new(backend, "WITH v (order_id, status, completed_at) AS (VALUES ");
        sql.rows(chunk.len(), 3).push(") UPDATE").push(or_fail(backend)).push(" orders SET status = v.status, completed_at = v.completed_at, updated_at = ");
        sql.ph().push(" FROM v WHERE orders.order_id = v.order_id");
        let mut q = sqlx::query(&sql.text);
        for c in chunk {
            q = q.bind(c.order_id.as_str()).bind(c.status.as_str()).bind(c.completed_at);
        }
        q.bind(now).execute(&mut *tx).await?;
    }
    // Repeats whose receiver changed: the new ciphertexts, set-based.
    for chunk in changed.chunks(rows_per_statement(backend)) {
        let mut sql = Sql::new(
            backend,
            "WITH v (order_id, wrapped_dek, name_ct, phone_ct, address_ct, name_masked, phone_masked, address_masked, phone_token, \
             phone_last4, name_index, address_index, receiver_key) AS (VALUES ",
        );
        sql.rows(chunk.len(), 13).push(") UPDATE").push(or_fail(backend)).push(" orders SET kek_version = ");
        sql.ph().push(
            ", wrapped_dek = v.wrapped_dek, name_ct = v.name_ct, phone_ct = v.phone_ct, address_ct = v.address_ct, \
             name_masked = v.name_masked, phone_masked = v.phone_masked, address_masked = v.address_masked, phone_token = v.phone_token, \
             phone_last4 = v.phone_last4, name_index = v.name_index, address_index = v.address_index, receiver_key = v.receiver_key \
             FROM v WHERE orders.order_id = v.order_id",
        );
        let mut q = sqlx::query(&sql.text);
        for (c, e) in chunk {
            q = e.bind(q.bind(c.order_id.as_str()));
        }
        q.bind(kek_version).execute(&mut *tx).await?;
    }
    // New orders: multi-row INSERTs (one for a whole batch on SQLite).
    for chunk in fresh.chunks(rows_per_statement(backend)) {
        let mut sql = Sql::new(backend, &format!("INSERT{} INTO orders ({ORDER_COLUMNS}) VALUES ", or_fail(backend)));
        sql.rows(chunk.len(), 22);
        let mut q = sqlx::query(&sql.text);
        for (c, e) in chunk {
            q = q
                .bind(c.order_id.as_str())
                .bind(c.shop_id.as_str())
                .bind(c.status.as_str())
                .bind(c.created_at)
                .bind(c.completed_at)
                .bind(c.items.as_str())
                .bind(c.amount_cents)
                .bind(kek_version);
            q = e.bind(q).bind(now).bind(now);
        }
        q.execute(&mut *tx).await?;
    }
    // Per-shop counts: one upsert (keys in sorted order, so concurrent batches lock the
    // rows in the same order on PostgreSQL).
    count_delta.retain(|_, d| *d != 0);
    if !count_delta.is_empty() {
        let mut sql = Sql::new(backend, "INSERT INTO shop_order_counts (shop_id, status, n) VALUES ");
        sql.rows(count_delta.len(), 3).push(" ON CONFLICT (shop_id, status) DO UPDATE SET n = shop_order_counts.n + excluded.n");
        let mut q = sqlx::query(&sql.text);
        for ((shop, status), d) in &count_delta {
            q = q.bind(*shop).bind(*status).bind(*d);
        }
        q.execute(&mut *tx).await?;
    }
    for (shop, ids) in per_shop {
        let mut ev = Event::new(&b.actor, None, Some(shop), "ingest", "ok");
        ev.details = json!({"orders": ids.len(), "first": ids.first(), "last": ids.last()});
        audit::append(&mut *tx, now, &ev).await?;
    }
    Ok(Ok(IngestResponse { created, existing }))
}

// ---------------------------------------------------------------------------------------
// Routes

/// The order system's ingest route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders/ingest", post(ingest_orders))
}

/// Push orders from the platform's order system (service token). Up to 500; all or nothing.
#[utoipa::path(post, path = "/api/v1/orders/ingest", request_body = IngestRequest,
    responses((status = 200, body = IngestResponse), (status = 401, body = ApiError), (status = 422, body = ApiError)),
    security(("service_token" = [])))]
async fn ingest_orders(State(state): State<AppState>, _sys: OrderSystem, ApiJson(req): ApiJson<IngestRequest>) -> AppResult<Json<IngestResponse>> {
    ingest(&state, req.orders, "order-system").await.map(Json)
}

/// The OpenAPI paths of these routes.
#[derive(OpenApi)]
#[openapi(paths(ingest_orders))]
pub struct IngestDoc;

#[cfg(test)]
mod tests {
    use super::visible_last4;

    #[test]
    fn last4_is_what_the_mask_shows() {
        assert_eq!(visible_last4("138****5678"), "5678");
        assert_eq!(visible_last4("184****3965-****"), "3965", "an extension the mask hides stays hidden");
        assert_eq!(visible_last4("0571-****4321"), "4321");
        assert_eq!(visible_last4("****"), "");
    }
}
