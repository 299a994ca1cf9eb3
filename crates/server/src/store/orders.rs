//! Orders: ingest writes, the masked list and its filters, reads by id, the per-shop
//! counts, and the wrapped keys a grant unwraps.

use std::collections::{BTreeMap, BTreeSet};

use orderveil_api::OrderStatus;
use orderveil_cipher::{FieldKind, OrderId, ShopId};
use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyConnection, Executor};

use super::{Backend, Stmt, Val};

// ---------------------------------------------------------------------------------------
// Ingest

/// A validated incoming order, as stored (the receiver apart: [`Sealed`]).
pub struct Incoming {
    /// The order.
    pub order_id: OrderId,
    /// Its shop.
    pub shop_id: ShopId,
    /// Its status.
    pub status: OrderStatus,
    /// Created at, unix seconds.
    pub created_at: i64,
    /// Completed at, unix seconds.
    pub completed_at: Option<i64>,
    /// The items, as JSON.
    pub items: String,
    /// Amount in cents.
    pub amount_cents: i64,
}

/// What is stored for one order's receiver, in column form: ciphertexts, masks, tokens.
/// No plaintext (the last 4 phone digits are what the mask shows anyway).
#[derive(Clone)]
pub struct Sealed {
    /// The order's data key, wrapped.
    pub wrapped_dek: Vec<u8>,
    /// Name ciphertext.
    pub name_ct: String,
    /// Phone ciphertext.
    pub phone_ct: String,
    /// Address ciphertext.
    pub address_ct: String,
    /// Name mask.
    pub name_masked: String,
    /// Phone mask.
    pub phone_masked: String,
    /// Address mask.
    pub address_masked: String,
    /// The phone's exact-match token.
    pub phone_token: String,
    /// The last 4 digits the phone's mask shows.
    pub phone_last4: String,
    /// Name window tokens.
    pub name_index: String,
    /// Address window tokens.
    pub address_index: String,
    /// Tells whether the receiver changed, without decrypting.
    pub receiver_key: String,
}

type Query<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

impl Sealed {
    /// Bind the stored columns `wrapped_dek` … `receiver_key`, in [`ORDER_COLUMNS`] order.
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

/// Rows per multi-row statement. SQLite: a full ingest batch in one statement (22 values a
/// row stays under its 32,766 parameters), since every statement costs two thread
/// hand-offs. PostgreSQL: 100 (2,200 parameters); measured against 250 and 500 rows a
/// statement, 100 cost the least PostgreSQL CPU per order (~31 µs against ~36 µs at 500;
/// the planner and executor set-up grow with the parameter count, and statements past
/// `log_min_duration_statement` get logged with every parameter).
fn rows_per_statement(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 1_000,
        Backend::Postgres => 100,
    }
}

/// `OR FAIL` on SQLite, for the multi-row `INSERT` and `UPDATE`s: stop at a failed
/// constraint instead of first undoing the statement's own rows. The default (`OR ABORT`)
/// makes SQLite keep a statement journal of every existing page a multi-row statement
/// changes (in a temp file once past 64 KiB) so that it can undo just that statement; here
/// any error rolls the whole transaction back anyway, so the journal is pure cost.
fn or_fail(backend: Backend) -> &'static str {
    if backend == Backend::Sqlite { " OR FAIL" } else { "" }
}

const ORDER_COLUMNS: &str = "order_id, shop_id, status, created_at, completed_at, items, amount_cents, kek_version, wrapped_dek, \
     name_ct, phone_ct, address_ct, name_masked, phone_masked, address_masked, phone_token, phone_last4, name_index, address_index, \
     receiver_key, ingested_at, updated_at";

crate::row_struct! {
    /// An order that exists already, as an ingest batch sees it.
    pub struct PriorOrder {
        /// The order.
        pub order_id: String,
        /// Its shop.
        pub shop_id: String,
        /// Its status.
        pub status: String,
        /// Its receiver key.
        pub receiver_key: String,
    }
}

/// Which of `orders` exist already: one query for the whole batch.
pub async fn prior(tx: &mut AnyConnection, orders: &[Incoming]) -> Result<Vec<PriorOrder>, sqlx::Error> {
    let mut st = Stmt::new(tx, "SELECT order_id AS order_id, shop_id AS shop_id, status AS status, receiver_key AS receiver_key FROM orders WHERE order_id IN (");
    st.slots(orders.len()).sql(")");
    let mut q = st.query()?;
    for c in orders {
        q = q.bind(c.order_id.as_str());
    }
    q.try_map(|row: sqlx::any::AnyRow| <PriorOrder as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row(&row)).fetch_all(&mut *tx).await
}

/// Create the shops of a batch that do not exist yet (named by their id).
pub async fn ensure_shops(tx: &mut AnyConnection, shops: &BTreeSet<&str>, now: i64) -> Result<(), sqlx::Error> {
    let mut st = Stmt::new(tx, "INSERT INTO shops (shop_id, name, suspended, created_at) VALUES ");
    st.rows(shops, |s, _| {
        s.slots(2).sql(", 0, ").slots(1);
    });
    st.sql(" ON CONFLICT (shop_id) DO NOTHING");
    let mut q = st.query()?;
    for shop in shops {
        q = q.bind(*shop).bind(*shop).bind(now);
    }
    q.execute(&mut *tx).await?;
    Ok(())
}

/// Repeats: status and completion time, set-based.
pub async fn set_status(tx: &mut AnyConnection, backend: Backend, repeats: &[&Incoming], now: i64) -> Result<(), sqlx::Error> {
    for chunk in repeats.chunks(rows_per_statement(backend)) {
        let mut st = Stmt::new(tx, "WITH v (order_id, status, completed_at) AS (VALUES ");
        st.rows(chunk, |s, _| {
            s.slots(3);
        });
        st.sql(") UPDATE").sql(or_fail(backend)).sql(" orders SET status = v.status, completed_at = v.completed_at, updated_at = ");
        st.slots(1).sql(" FROM v WHERE orders.order_id = v.order_id");
        let mut q = st.query()?;
        for c in chunk {
            q = q.bind(c.order_id.as_str()).bind(c.status.as_str()).bind(c.completed_at);
        }
        q.bind(now).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Repeats whose receiver changed: the new ciphertexts, set-based.
pub async fn reseal(tx: &mut AnyConnection, backend: Backend, changed: &[(&Incoming, &Sealed)], kek_version: i64) -> Result<(), sqlx::Error> {
    for chunk in changed.chunks(rows_per_statement(backend)) {
        let mut st = Stmt::new(
            tx,
            "WITH v (order_id, wrapped_dek, name_ct, phone_ct, address_ct, name_masked, phone_masked, address_masked, phone_token, \
             phone_last4, name_index, address_index, receiver_key) AS (VALUES ",
        );
        st.rows(chunk, |s, _| {
            s.slots(13);
        });
        st.sql(") UPDATE").sql(or_fail(backend)).sql(" orders SET kek_version = ");
        st.slots(1).sql(
            ", wrapped_dek = v.wrapped_dek, name_ct = v.name_ct, phone_ct = v.phone_ct, address_ct = v.address_ct, \
             name_masked = v.name_masked, phone_masked = v.phone_masked, address_masked = v.address_masked, phone_token = v.phone_token, \
             phone_last4 = v.phone_last4, name_index = v.name_index, address_index = v.address_index, receiver_key = v.receiver_key \
             FROM v WHERE orders.order_id = v.order_id",
        );
        let mut q = st.query()?;
        for (c, e) in chunk {
            q = e.bind(q.bind(c.order_id.as_str()));
        }
        q.bind(kek_version).execute(&mut *tx).await?;
    }
    Ok(())
}

/// New orders: multi-row INSERTs (one for a whole batch on SQLite).
pub async fn insert(tx: &mut AnyConnection, backend: Backend, fresh: &[(&Incoming, &Sealed)], kek_version: i64, now: i64) -> Result<(), sqlx::Error> {
    for chunk in fresh.chunks(rows_per_statement(backend)) {
        let mut st = Stmt::new(tx, "INSERT");
        st.sql(or_fail(backend)).sql(" INTO orders (").sql(ORDER_COLUMNS).sql(") VALUES ");
        st.rows(chunk, |s, _| {
            s.slots(22);
        });
        let mut q = st.query()?;
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
    Ok(())
}

/// Add `deltas` to the per-shop, per-status counts: one upsert (keys in sorted order, so
/// concurrent batches lock the rows in the same order on PostgreSQL). Zero deltas are
/// the caller's to drop; an empty map writes nothing.
pub async fn add_counts(tx: &mut AnyConnection, deltas: &BTreeMap<(&str, &str), i64>) -> Result<(), sqlx::Error> {
    if deltas.is_empty() {
        return Ok(());
    }
    let mut st = Stmt::new(tx, "INSERT INTO shop_order_counts (shop_id, status, n) VALUES ");
    st.rows(deltas, |s, _| {
        s.slots(3);
    });
    st.sql(" ON CONFLICT (shop_id, status) DO UPDATE SET n = shop_order_counts.n + excluded.n");
    let mut q = st.query()?;
    for ((shop, status), d) in deltas {
        q = q.bind(*shop).bind(*status).bind(*d);
    }
    q.execute(&mut *tx).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The masked list

crate::row_struct! {
    /// One order as the list and the detail show it (masked, with its ciphertexts).
    pub struct OrderRow {
        /// The order.
        pub order_id: String,
        /// Its shop.
        pub shop_id: String,
        /// Its status.
        pub status: String,
        /// Created at, unix seconds.
        pub created_at: i64,
        /// Completed at.
        pub completed_at: Option<i64>,
        /// Items, JSON.
        pub items: String,
        /// Amount in cents.
        pub amount_cents: i64,
        /// Name mask.
        pub name_masked: String,
        /// Phone mask.
        pub phone_masked: String,
        /// Address mask.
        pub address_masked: String,
        /// Name ciphertext.
        pub name_ct: String,
        /// Phone ciphertext.
        pub phone_ct: String,
        /// Address ciphertext.
        pub address_ct: String,
        /// Receiver key.
        pub receiver_key: String,
        /// Shipment carrier.
        pub carrier: Option<String>,
        /// Shipment tracking number.
        pub tracking_no: Option<String>,
        /// Shipped at.
        pub shipped_at: Option<i64>,
        /// 1 once the order's data key is shredded (retention).
        pub shredded: i64,
    }
}

const COLUMNS: &str = "order_id AS order_id, shop_id AS shop_id, status AS status, created_at AS created_at, completed_at AS completed_at, \
     items AS items, amount_cents AS amount_cents, name_masked AS name_masked, phone_masked AS phone_masked, address_masked AS address_masked, \
     name_ct AS name_ct, phone_ct AS phone_ct, address_ct AS address_ct, receiver_key AS receiver_key, carrier AS carrier, \
     tracking_no AS tracking_no, shipped_at AS shipped_at, CASE WHEN wrapped_dek IS NULL THEN 1 ELSE 0 END AS shredded";

/// A filter of one shop's orders, with the search terms already turned into what the store
/// is searched by: blind-index tokens (phone, name, address), the last 4 phone digits (which
/// the mask shows anyway), the order id and the status. The order list builds one per request;
/// an export job stores it (never the plaintext terms) and re-runs it on each download.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFilter {
    /// The shop.
    pub shop_id: String,
    /// Status.
    pub status: Option<OrderStatus>,
    /// Exact order id.
    pub order_id: Option<String>,
    /// Last 4 phone digits.
    pub phone_last4: Option<String>,
    /// The phone's exact-match token (`-`, which no order has, for a phone without digits).
    pub phone_token: Option<String>,
    /// Name window tokens, all of which must occur (none: the fragment was too short to narrow).
    pub name_tokens: Vec<String>,
    /// Address window tokens, likewise.
    pub address_tokens: Vec<String>,
    /// A search term was given, so the count cannot come from the per-status counters.
    pub searched: bool,
    /// The receiver fields searched (each a metered search unit, [`crate::search`]); not
    /// stored with an export job, which is charged once, when it is created.
    #[serde(skip)]
    pub metered: Vec<FieldKind>,
}

impl OrderFilter {
    /// Append the filter's conditions (`shop_id = … AND …`) to `st`.
    pub fn push_where(&self, st: &mut Stmt) {
        st.sql("shop_id = ").arg(Val::S(self.shop_id.clone()));
        if let Some(s) = self.status {
            st.sql(" AND status = ").arg(Val::S(s.as_str().into()));
        }
        if let Some(id) = &self.order_id {
            st.sql(" AND order_id = ").arg(Val::S(id.clone()));
        }
        if let Some(last4) = &self.phone_last4 {
            st.sql(" AND phone_last4 = ").arg(Val::S(last4.clone()));
        }
        if let Some(t) = &self.phone_token {
            st.sql(" AND phone_token = ").arg(Val::S(t.clone()));
        }
        for (col, tokens) in [("name_index", &self.name_tokens), ("address_index", &self.address_tokens)] {
            for t in tokens {
                st.sql(" AND ").sql(col).sql(" LIKE ").arg(Val::S(format!("%{t}%")));
            }
        }
    }
}

crate::row_struct! {
    /// A count.
    struct Count {
        n: i64,
    }
}

/// Orders matching `filter`: counted for a search, else read from the per-status counters
/// (a shop's 1,000,000 orders are never counted row by row).
pub async fn count(conn: &mut AnyConnection, filter: &OrderFilter) -> Result<i64, sqlx::Error> {
    if filter.searched {
        let mut st = Stmt::new(conn, "SELECT COUNT(*) AS n FROM orders WHERE ");
        filter.push_where(&mut st);
        Ok(st.fetch_one::<Count>(conn).await?.n)
    } else {
        counted(&mut *conn, &filter.shop_id, filter.status).await
    }
}

/// A shop's orders (of `status`, or all) by the per-status counters.
pub async fn counted<'e, E: Executor<'e, Database = Any>>(ex: E, shop: &str, status: Option<OrderStatus>) -> Result<i64, sqlx::Error> {
    let row: Count = match status {
        Some(s) => {
            sqlx::query_as("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM shop_order_counts WHERE shop_id = $1 AND status = $2")
                .bind(shop)
                .bind(s.as_str())
                .fetch_one(ex)
                .await?
        }
        None => sqlx::query_as("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM shop_order_counts WHERE shop_id = $1").bind(shop).fetch_one(ex).await?,
    };
    Ok(row.n)
}

/// One page of the orders matching `filter`, newest first.
pub async fn page(conn: &mut AnyConnection, filter: &OrderFilter, limit: i64, offset: i64) -> Result<Vec<OrderRow>, sqlx::Error> {
    let mut st = Stmt::new(conn, "SELECT ");
    st.sql(COLUMNS).sql(" FROM orders WHERE ");
    filter.push_where(&mut st);
    st.sql(" ORDER BY created_at DESC, order_id DESC LIMIT ").arg(Val::I(limit)).sql(" OFFSET ").arg(Val::I(offset));
    st.fetch_all(conn).await
}

/// The ids of the orders `filter` matches, newest first, at most `limit`.
pub async fn filtered_ids(conn: &mut AnyConnection, filter: &OrderFilter, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    let mut st = Stmt::new(conn, "SELECT order_id FROM orders WHERE ");
    filter.push_where(&mut st);
    st.sql(" ORDER BY created_at DESC, order_id DESC LIMIT ").arg(Val::I(limit));
    let rows: Vec<(String,)> = st.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// One order by id.
pub async fn by_id(conn: &mut AnyConnection, order_id: &str) -> Result<Option<OrderRow>, sqlx::Error> {
    let mut st = Stmt::new(conn, "SELECT ");
    st.sql(COLUMNS).sql(" FROM orders WHERE order_id = ").arg(Val::S(order_id.into()));
    st.fetch_optional(conn).await
}

/// Orders of `shop` created from `from` to `to` (unix seconds, inclusive).
pub async fn created_between<'e, E: Executor<'e, Database = Any>>(ex: E, shop: &str, from: i64, to: i64) -> Result<i64, sqlx::Error> {
    let row: Count = sqlx::query_as("SELECT COUNT(*) AS n FROM orders WHERE shop_id = $1 AND created_at >= $2 AND created_at <= $3")
        .bind(shop)
        .bind(from)
        .bind(to)
        .fetch_one(ex)
        .await?;
    Ok(row.n)
}

// ---------------------------------------------------------------------------------------
// What a grant needs

crate::row_struct! {
    /// An order as a reveal charge checks it, with its wrapped key.
    pub struct GrantOrder {
        /// The order.
        pub order_id: String,
        /// Its shop.
        pub shop_id: String,
        /// Its status.
        pub status: String,
        /// Completed at.
        pub completed_at: Option<i64>,
        /// The master key version of `wrapped_dek`.
        pub kek_version: i64,
        /// The wrapped data key (`None` once shredded).
        pub wrapped_dek: Option<Vec<u8>>,
    }
}

/// The orders of `ids` that exist. The ids are joined as a VALUES table, not matched with
/// `IN (…)`: PostgreSQL's generic plan for `IN ($1, …, $1000)` may scan the table comparing
/// each row with the whole list, while the join is hashed or probes the index, whatever the
/// statistics say.
pub async fn for_grant(conn: &mut AnyConnection, ids: &[&str]) -> Result<Vec<GrantOrder>, sqlx::Error> {
    let mut st = Stmt::new(
        conn,
        "SELECT o.order_id AS order_id, o.shop_id AS shop_id, o.status AS status, o.completed_at AS completed_at, \
         o.kek_version AS kek_version, o.wrapped_dek AS wrapped_dek FROM (VALUES ",
    );
    st.rows(ids, |s, o| {
        s.arg(Val::S((*o).into()));
    });
    st.sql(") AS v JOIN orders o ON o.order_id = v.column1");
    st.fetch_all(conn).await
}
