//! Group commit of reveal charges.
//!
//! A reveal grant may leave the server only after its quota charge and its audit row are
//! committed. Doing that in one transaction per request costs about fifteen statements per
//! grant, most of them while holding the shop's quota lock. Instead, handlers check the
//! caller's permission and the request's shape, hand the rest to the process's one *settler*
//! (a thread of its own with its own database connection) and wait; the settler takes
//! everything that queued up while the previous batch was committing and settles it in ONE
//! transaction with a fixed number of set-based statements:
//!
//! 0. read the platform's rules in force (`platform_settings`, so an admin's change applies
//!    to the next batch of every process), the orders (shop, state, wrapped key) and which
//!    shops are suspended;
//! 1. lock the risk rows of the accounts and shops (sorted; [`crate::risk`]) and read their
//!    cool-downs and their orders per second of the last hour (the burst rules);
//! 3. lock the shops' quota rows for the day (sorted), creating a missing one with the day's
//!    order count; the base is recomputed from that count with the rules in force;
//! 4. read the approved extras and the orders already charged today;
//! 5. decide each job in arrival order, in memory, exactly as if they had run one by one;
//! 6. write the charges, the new `used` values, new cool-downs, the per-second counts and the
//!    audit rows (one multi-row append per batch), and commit.
//!
//! Every job of a batch gets its answer only after the commit; if the transaction fails, each
//! gets an error and nothing was charged. Locks are always taken in the same order (risk rows,
//! then quota rows, then audit heads, each sorted), so settlers of several processes on one
//! PostgreSQL never deadlock, and the row locks keep the quota exact across them.

use std::collections::{BTreeSet, HashMap, HashSet};

use orderveil_api::{ErrorCode, OrderStatus};
use serde_json::json;
use sqlx::AnyConnection;

use crate::audit::{self, Event};
use crate::group_commit::{Committer, Group, Queue};
use crate::store::{self, Db, Val, WriteTx, orders::GrantOrder, pow2_padded};
use crate::risk::{self, Book, Limit};
use crate::error::AppResult;
use crate::quota::{QuotaState, base_limit, extras_for, orders_last_30_days, suspended_among};
use crate::platform::{self, Rules};

/// Most jobs settled in one transaction.
const MAX_JOBS: usize = 256;
/// Most orders settled in one transaction (bounds the statements' parameter counts).
const MAX_ORDERS: usize = 1_000;
/// Most reveal charges waiting for the settler (16 groups' worth); beyond it a grant request
/// is refused with `SERVER_BUSY`. The request concurrency limit keeps it from filling in
/// normal operation.
pub const QUEUE_JOBS: usize = 16 * MAX_JOBS;

/// One request's charge: the handler checked the user's permission and the request's shape;
/// the settler checks the rest (shop, orders, their states, risk, quota) under its locks.
#[derive(Debug)]
pub struct ChargeJob {
    /// The requesting user's id (recorded with the charges; an app's is negative).
    pub user_id: i64,
    /// The requesting account's risk subject ([`risk::user_subject`] or [`risk::app_subject`]).
    pub account: String,
    /// The shop whose quota pays.
    pub shop: String,
    /// Request time, unix seconds.
    pub now: i64,
    /// Its Asia/Shanghai day.
    pub day: String,
    /// The orders (distinct, well-formed ids).
    pub orders: Vec<String>,
    /// The grant's id (hex), recorded with the charges.
    pub grant_id: String,
    /// The audit event to write; the settler sets its outcome, code and details.
    pub event: Event,
}

/// What a grant needs of an order to unwrap its key: `(order id, KEK version, wrapped DEK)`.
pub type OrderKey = (String, i64, Vec<u8>);

/// What the settler decided for a job (after its transaction committed).
#[derive(Debug)]
pub enum Outcome {
    /// Charged and audited: the grant may be sealed.
    Charged {
        /// Orders charged now.
        charged: Vec<String>,
        /// Orders already charged today (free).
        free: Vec<String>,
        /// The quota after the charge.
        quota: QuotaState,
        /// The requested orders' wrapped keys, in request order.
        keys: Vec<OrderKey>,
    },
    /// Refused before risk and quota: the shop is suspended (`SHOP_SUSPENDED`), an order is
    /// missing or another shop's (`ORDER_NOT_FOUND`), its state forbids the purpose
    /// (`ORDER_STATE_FORBIDS_REVEAL`) or its key was shredded (`ORDER_SHREDDED`).
    Refused {
        /// Why.
        code: ErrorCode,
        /// The orders concerned (empty for a suspended shop).
        order_ids: Vec<String>,
    },
    /// The account or the shop is cooling down; nothing charged.
    Cooldown(risk::Refused),
    /// Not enough quota left; nothing charged.
    QuotaExhausted {
        /// The quota as it stands.
        quota: QuotaState,
        /// Units this request needed.
        needed: u32,
    },
}

/// The handle handlers use; cheap to clone. The task ends when the last handle is dropped.
#[derive(Clone, Debug)]
pub struct Settler {
    queue: Queue<Settle>,
}

impl Settler {
    /// Start the settler on a thread of its own, with its own single-threaded runtime and
    /// its own database connection: its statements then never wait for a pooled connection
    /// or for a turn among the request handlers' tasks, which would stretch every batch and
    /// with it every grant's latency.
    pub fn start(db: Db) -> Self {
        let (queue, worker) = Queue::new(Settle { db, conn: None, last_prune: None });
        let spawned = std::thread::Builder::new().name("orderveil-settler".into()).spawn(move || {
            match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt.block_on(worker),
                Err(e) => tracing::error!("the charge settler's runtime did not start: {e}"),
            }
        });
        if let Err(e) = spawned {
            tracing::error!("the charge settler's thread did not start: {e}");
        }
        Self { queue }
    }

    /// Settle `job`: returns once its transaction committed (or failed).
    pub async fn settle(&self, job: ChargeJob) -> AppResult<Outcome> {
        self.queue.submit(job).await
    }
}

/// The settler's side of the group commit: its dedicated connection, and when it last
/// pruned the old risk counts.
struct Settle {
    db: Db,
    conn: Option<AnyConnection>,
    last_prune: Option<i64>,
}

impl Committer for Settle {
    type Job = ChargeJob;
    type Answer = Outcome;
    const GROUP: Group = Group { name: "charge settler", failed: ("settling", "reveal charges"), max_jobs: MAX_JOBS, max_weight: MAX_ORDERS, capacity: QUEUE_JOBS };

    fn weight(job: &ChargeJob) -> usize {
        job.orders.len()
    }

    async fn commit(&mut self, jobs: &[&ChargeJob]) -> Result<Vec<AppResult<Outcome>>, sqlx::Error> {
        let now = jobs.iter().map(|j| j.now).max().unwrap_or(0);
        let prune = self.last_prune.is_none_or(|t| now.saturating_sub(t) >= 60);
        let mut result = settle_on(&self.db, &mut self.conn, jobs, prune).await;
        // Two processes on one PostgreSQL cannot deadlock by design (sorted lock order), but
        // a serialization failure is still retried rather than failing a whole batch.
        for _ in 0..2 {
            match &result {
                Err(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("40001" | "40P01")) => {
                    result = settle_on(&self.db, &mut self.conn, jobs, prune).await;
                }
                _ => break,
            }
        }
        let outcomes = result?;
        if prune {
            self.last_prune = Some(now);
        }
        Ok(outcomes.into_iter().map(Ok).collect())
    }
}

/// Settle on the dedicated connection, (re)connecting first if there is none; a failed
/// batch drops the connection, so the next one starts on a clean one.
async fn settle_on(db: &Db, conn: &mut Option<AnyConnection>, jobs: &[&ChargeJob], prune: bool) -> Result<Vec<Outcome>, sqlx::Error> {
    let c = match conn {
        Some(c) => c,
        None => conn.insert(db.connect_durable().await?),
    };
    let result = settle_batch(db, c, jobs, prune).await;
    if result.is_err() {
        *conn = None;
    }
    result
}

/// A shop's quota row for a day, as the batch changes it.
struct Day {
    state: QuotaState,
    used_before: u32,
    base_before: u32,
    charged: HashSet<String>,
}

async fn settle_batch(db: &Db, conn: &mut AnyConnection, jobs: &[&ChargeJob], prune: bool) -> Result<Vec<Outcome>, sqlx::Error> {
    let mut tx = db.begin_write_on(conn).await?;
    let min_now = jobs.iter().map(|j| j.now).min().unwrap_or(0);
    let rules: Rules = platform::rules(&mut *tx).await?;

    // 0. The orders and the shops' suspension, read inside the transaction.
    let order_set: BTreeSet<&str> = jobs.iter().flat_map(|j| j.orders.iter().map(String::as_str)).collect();
    let lookup = pow2_padded(order_set.iter().copied().collect());
    let found: HashMap<String, GrantOrder> = store::orders::for_grant(&mut tx, &lookup).await?.into_iter().map(|r| (r.order_id.clone(), r)).collect();
    let all_shops: BTreeSet<&str> = jobs.iter().map(|j| j.shop.as_str()).collect();
    let suspended = suspended_among(&mut tx, &all_shops).await?;

    // 1–2. Lock the accounts' and shops' risk rows; their cool-downs and counts.
    let subjects: BTreeSet<String> = jobs.iter().flat_map(|j| [j.account.clone(), risk::shop_subject(&j.shop)]).collect();
    let mut book = Book::load(&mut tx, &subjects, min_now).await?;

    // 3. Lock the quota rows; a new row gets its base from the last 30 days' orders.
    let keys: BTreeSet<(&str, &str)> = jobs.iter().map(|j| (j.shop.as_str(), j.day.as_str())).collect();
    let rows = store::quota::lock_days(&mut tx, &keys).await?;
    let mut days: HashMap<(String, String), Day> = HashMap::with_capacity(rows.len());
    for store::quota::QuotaDayRow { shop_id: shop, day, used, base: stored_base, mut orders_30d } in rows {
        if stored_base < 0 {
            let now = jobs.iter().filter(|j| j.shop == shop && j.day == day).map(|j| j.now).min().unwrap_or(min_now);
            let o = orders_last_30_days(&mut *tx, &shop, now).await.map_err(|e| sqlx::Error::Protocol(format!("{e:?}")))?;
            orders_30d = i64::try_from(o).unwrap_or(i64::MAX);
            store::quota::set_orders_30d(&mut tx, &shop, &day, orders_30d).await?;
        }
        let orders_30d = u64::try_from(orders_30d).unwrap_or(0);
        // The day's order count is fixed; the rules may have changed since: recompute.
        let base = base_limit(orders_30d, rules.rate_bps, rules.floor);
        let used = u32::try_from(used).unwrap_or(u32::MAX);
        let state = QuotaState { used, base, extra: 0, orders_30d, rate_bps: rules.rate_bps, floor: rules.floor };
        let base_before = u32::try_from(stored_base).unwrap_or(u32::MAX);
        days.insert((shop, day), Day { state, used_before: used, base_before, charged: HashSet::new() });
    }

    // 4. Approved extras per shop and day, and the orders already charged today.
    let day_set: BTreeSet<&str> = keys.iter().map(|k| k.1).collect();
    let shop_set: BTreeSet<&str> = keys.iter().map(|k| k.0).collect();
    for day in &day_set {
        for (shop, extra) in extras_for(&mut tx, &shop_set, day).await? {
            if let Some(d) = days.get_mut(&(shop, (*day).to_string())) {
                d.state.extra = extra;
            }
        }
    }
    for c in store::quota::charged(&mut tx, &lookup, &day_set).await? {
        if let Some(d) = days.get_mut(&(c.shop_id, c.day)) {
            d.charged.insert(c.order_id);
        }
    }

    // 5. Decide, job by job, in arrival order.
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut events: Vec<(i64, Event)> = Vec::with_capacity(jobs.len());
    let mut charges: Vec<[Val; 6]> = Vec::new();
    for job in jobs {
        let mut ev = job.event.clone();
        ev.outcome = "refused";
        let keys = match check_orders(job, &found, &suspended) {
            Ok(keys) => keys,
            Err((code, order_ids)) => {
                ev.code = Some(code.as_str());
                events.push((job.now, ev));
                outcomes.push(Outcome::Refused { code, order_ids });
                continue;
            }
        };
        let shop_subject = risk::shop_subject(&job.shop);
        let limits = [
            Limit { subject: &job.account, scope: "account", per_minute: rules.per_minute, per_hour: rules.per_hour },
            Limit { subject: &shop_subject, scope: "shop", per_minute: rules.shop_per_minute, per_hour: rules.shop_per_hour },
        ];
        let units = u32::try_from(job.orders.len()).unwrap_or(u32::MAX);
        if let Err(refused) = book.check(&limits, units, job.now, rules.cooldown_secs) {
            ev.code = Some(ErrorCode::RiskCooldown.as_str());
            ev.details["risk"] = refused.details(job.now);
            events.push((job.now, ev));
            outcomes.push(Outcome::Cooldown(refused));
            continue;
        }
        let Some(day) = days.get_mut(&(job.shop.clone(), job.day.clone())) else {
            return Err(sqlx::Error::Protocol(format!("no quota row returned for {} {}", job.shop, job.day)));
        };
        let (free, new): (Vec<&String>, Vec<&String>) = job.orders.iter().partition(|o| day.charged.contains(*o));
        let needed = u32::try_from(new.len()).unwrap_or(u32::MAX);
        if day.state.used.saturating_add(needed) > day.state.limit() {
            ev.code = Some(ErrorCode::QuotaExhausted.as_str());
            ev.details["quota"] = json!({"used": day.state.used, "limit": day.state.limit(), "needed": needed});
            events.push((job.now, ev));
            outcomes.push(Outcome::QuotaExhausted { quota: day.state, needed });
            continue;
        }
        for o in &new {
            day.charged.insert((*o).clone());
            charges.push([
                Val::S(job.shop.clone()),
                Val::S(job.day.clone()),
                Val::S((*o).clone()),
                Val::S(job.grant_id.clone()),
                Val::I(job.user_id),
                Val::I(job.now),
            ]);
        }
        day.state.used += needed;
        book.add(&[&job.account, &shop_subject], units, job.now);
        let charged: Vec<String> = new.into_iter().cloned().collect();
        let free: Vec<String> = free.into_iter().cloned().collect();
        ev.outcome = "ok";
        ev.code = None;
        ev.details["grant_id"] = json!(job.grant_id);
        ev.details["charged"] = json!(charged);
        ev.details["free"] = json!(free);
        events.push((job.now, ev));
        outcomes.push(Outcome::Charged { charged, free, quota: day.state, keys });
    }

    // 6. Write it all, then commit.
    write(&mut tx, &days, &charges).await?;
    book.write(&mut tx, None).await?;
    if prune {
        risk::prune_all(&mut tx, min_now).await?;
    }
    audit::append_many(&mut tx, &events).await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// The checks before risk and quota, in the order a client would want to hear about them.
/// Another shop's order is reported exactly like a missing one.
fn check_orders(job: &ChargeJob, found: &HashMap<String, GrantOrder>, suspended: &HashSet<String>) -> Result<Vec<OrderKey>, (ErrorCode, Vec<String>)> {
    if suspended.contains(&job.shop) {
        return Err((ErrorCode::ShopSuspended, Vec::new()));
    }
    let mine = |o: &String| found.get(o).filter(|r| r.shop_id == job.shop);
    let missing: Vec<String> = job.orders.iter().filter(|o| mine(o).is_none()).cloned().collect();
    if !missing.is_empty() {
        return Err((ErrorCode::OrderNotFound, missing));
    }
    let rows: Vec<&GrantOrder> = job.orders.iter().filter_map(mine).collect();
    // A destroyed key first: it is final, whatever the order's state.
    let shredded: Vec<String> = rows.iter().filter(|r| r.wrapped_dek.is_none()).map(|r| r.order_id.clone()).collect();
    if !shredded.is_empty() {
        return Err((ErrorCode::OrderShredded, shredded));
    }
    let forbidden: Vec<String> = rows
        .iter()
        .filter(|r| !OrderStatus::parse(&r.status).is_some_and(|s| s.allows_reveal(r.completed_at, job.now)))
        .map(|r| r.order_id.clone())
        .collect();
    if !forbidden.is_empty() {
        return Err((ErrorCode::OrderStateForbidsReveal, forbidden));
    }
    rows.iter()
        .map(|r| match &r.wrapped_dek {
            Some(w) => Ok((r.order_id.clone(), r.kek_version, w.clone())),
            None => Err((ErrorCode::OrderShredded, vec![r.order_id.clone()])),
        })
        .collect()
}

async fn write(tx: &mut WriteTx<'_>, days: &HashMap<(String, String), Day>, charges: &[[Val; 6]]) -> Result<(), sqlx::Error> {
    store::quota::insert_charges(tx, charges).await?;
    // `base` is kept as the record of the limit the day's charges were made under.
    let mut changed: Vec<(&(String, String), &Day)> = days.iter().filter(|(_, d)| d.state.used != d.used_before || d.state.base != d.base_before).collect();
    changed.sort_by(|a, b| a.0.cmp(b.0));
    for ((shop, day), d) in changed {
        store::quota::set_used(tx, shop, day, i64::from(d.state.used), i64::from(d.state.base)).await?;
    }
    Ok(())
}
