//! The audit trail's hash chain: append (heads locked, rows written in a few multi-row
//! statements), the filtered reads and CSV export pages, and the full reads that verify it.

use sqlx::{Any, AnyConnection, Executor};

use super::{Db, Stmt, Val, pow2_chunks};

/// Rows per multi-row audit `INSERT` (13 values each).
const INSERT_CHUNK: usize = 128;

crate::row_struct! {
    /// A chain's head: its last seq and hash.
    #[allow(missing_docs)] // the columns of the same name
    pub struct HeadRow { pub chain: String, pub seq: i64, pub hash: String }
}

/// Lock the heads of `chains` (creating missing ones at seq 0 with `genesis`), in the order
/// given (row locks on PostgreSQL; SQLite write transactions are exclusive anyway), and
/// return them.
pub async fn lock_heads(conn: &mut AnyConnection, chains: &[String], genesis: &str) -> Result<Vec<HeadRow>, sqlx::Error> {
    let mut st = Stmt::new(conn, "INSERT INTO audit_heads (chain, seq, hash) VALUES ");
    st.rows(chains, |s, c| {
        s.arg(Val::S(c.clone())).sql(", 0, ").arg(Val::S(genesis.into()));
    });
    st.sql(" ON CONFLICT (chain) DO UPDATE SET seq = audit_heads.seq RETURNING chain, seq, hash");
    st.fetch_all(conn).await
}

/// Write `rows`, each the 14 values `chain, seq, at, actor, actor_id, shop_id, action,
/// outcome, code, order_ids, details, prev_hash, hash, keyed`, in power-of-two chunks.
pub async fn insert_rows(conn: &mut AnyConnection, rows: &[[Val; 14]]) -> Result<(), sqlx::Error> {
    for chunk in pow2_chunks(rows, INSERT_CHUNK) {
        let mut st = Stmt::new(conn, "INSERT INTO audit (chain, seq, at, actor, actor_id, shop_id, action, outcome, code, order_ids, details, prev_hash, hash, keyed) VALUES ");
        st.rows(chunk, |s, row| {
            s.list(row.iter().cloned());
        });
        st.execute(conn).await?;
    }
    Ok(())
}

/// Move a chain's head.
pub async fn set_head(conn: &mut AnyConnection, chain: &str, seq: i64, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE audit_heads SET seq = $1, hash = $2 WHERE chain = $3").bind(seq).bind(hash).bind(chain).execute(conn).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Verification reads

crate::row_struct! {
    /// A stored row with every hashed column.
    #[allow(missing_docs)] // the columns of the same name
    pub struct ChainRow {
        pub id: i64,
        pub chain: String,
        pub seq: i64,
        pub at: i64,
        pub actor: String,
        pub actor_id: Option<i64>,
        pub shop_id: Option<String>,
        pub action: String,
        pub outcome: String,
        pub code: Option<String>,
        pub order_ids: String,
        pub details: String,
        pub prev_hash: String,
        pub hash: String,
        pub keyed: i64,
    }
}

/// Every head by chain name, or only `only`'s.
pub async fn heads<'e, E: Executor<'e, Database = Any>>(ex: E, only: Option<&str>) -> Result<Vec<HeadRow>, sqlx::Error> {
    match only {
        None => sqlx::query_as("SELECT chain, seq, hash FROM audit_heads ORDER BY chain").fetch_all(ex).await,
        Some(c) => sqlx::query_as("SELECT chain, seq, hash FROM audit_heads WHERE chain = $1").bind(c).fetch_all(ex).await,
    }
}

/// The chains whose last row is unkeyed (written before the chain was keyed).
pub async fn chains_ending_unkeyed<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT a.chain FROM audit a JOIN audit_heads h ON h.chain = a.chain AND h.seq = a.seq WHERE a.keyed = 0 ORDER BY a.chain",
    )
    .fetch_all(ex)
    .await
}

/// The names of the chains that have rows, or only `only` if it has.
pub async fn chains_with_rows<'e, E: Executor<'e, Database = Any>>(ex: E, only: Option<&str>) -> Result<Vec<String>, sqlx::Error> {
    match only {
        None => sqlx::query_scalar("SELECT DISTINCT chain FROM audit ORDER BY chain").fetch_all(ex).await,
        Some(c) => sqlx::query_scalar("SELECT DISTINCT chain FROM audit WHERE chain = $1").bind(c).fetch_all(ex).await,
    }
}

/// Up to `limit` rows of `chain` after seq `after` (and, at equal seq, after row id
/// `after_id`: a duplicated seq is still read), in chain order: a page of a chain that is read
/// whole in constant memory.
pub async fn chain_page<'e, E: Executor<'e, Database = Any>>(ex: E, chain: &str, after: (i64, i64), limit: i64) -> Result<Vec<ChainRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, chain, seq, at, actor, actor_id, shop_id, action, outcome, code, order_ids, details, prev_hash, hash, keyed \
         FROM audit WHERE chain = $1 AND (seq > $2 OR (seq = $2 AND id > $3)) ORDER BY seq, id LIMIT $4",
    )
    .bind(chain)
    .bind(after.0)
    .bind(after.1)
    .bind(limit)
    .fetch_all(ex)
    .await
}

// ---------------------------------------------------------------------------------------
// Filtered reads

crate::row_struct! {
    /// A row as the trail's readers see it.
    #[allow(missing_docs)] // the columns of the same name
    pub struct EntryRow {
        pub id: i64,
        pub chain: String,
        pub seq: i64,
        pub at: i64,
        pub actor: String,
        pub shop_id: Option<String>,
        pub action: String,
        pub outcome: String,
        pub code: Option<String>,
        pub order_ids: String,
        pub details: String,
        pub hash: String,
    }
}

crate::row_struct! {
    /// A count.
    #[allow(missing_docs)] // the column of the same name
    pub struct CountRow { pub n: i64 }
}

const ENTRY_COLUMNS: &str = "id, chain, seq, at, actor, shop_id, action, outcome, code, order_ids, details, hash";

/// Which rows a read selects; every field set narrows it.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Exact shop.
    pub shop_id: Option<String>,
    /// Exact chain (a factory's: `factory:<id>`).
    pub chain: Option<String>,
    /// Exact actor.
    pub actor: Option<String>,
    /// Exact action.
    pub action: Option<String>,
    /// Exact outcome.
    pub outcome: Option<String>,
    /// A `LIKE` pattern (escape `\`) on the `order_ids` JSON.
    pub order_ids_like: Option<String>,
    /// A `LIKE` pattern (escape `\`) on the `details` JSON.
    pub details_like: Option<String>,
    /// `at >=` this.
    pub from: Option<i64>,
    /// `at <` this.
    pub to: Option<i64>,
}

impl Filter {
    /// `SELECT <what> FROM audit WHERE <the filter>` for `backend`.
    fn select(&self, backend: super::Backend, what: &str) -> Stmt {
        let mut st = Stmt::with_backend(backend, &format!("SELECT {what} FROM audit WHERE 1 = 1"));
        for (col, v) in [("shop_id", &self.shop_id), ("chain", &self.chain), ("actor", &self.actor), ("action", &self.action), ("outcome", &self.outcome)] {
            if let Some(v) = v {
                st.sql(&format!(" AND {col} = ")).arg(Val::S(v.clone()));
            }
        }
        for (col, v) in [("order_ids", &self.order_ids_like), ("details", &self.details_like)] {
            if let Some(v) = v {
                st.sql(&format!(" AND {col} LIKE ")).arg(Val::S(v.clone())).sql(" ESCAPE '\\'");
            }
        }
        if let Some(t) = self.from {
            st.sql(" AND at >= ").arg(Val::I(t));
        }
        if let Some(t) = self.to {
            st.sql(" AND at < ").arg(Val::I(t));
        }
        st
    }
}

/// How many rows `f` selects.
pub async fn count(db: &Db, f: &Filter) -> Result<i64, sqlx::Error> {
    let st = f.select(db.backend, "COUNT(*) AS n");
    let rows: Vec<CountRow> = st.fetch_all(&mut *db.pool.acquire().await?).await?;
    Ok(rows.first().map_or(0, |r| r.n))
}

/// One page of `f`'s rows, newest first.
pub async fn page(db: &Db, f: &Filter, limit: i64, offset: i64) -> Result<Vec<EntryRow>, sqlx::Error> {
    let mut st = f.select(db.backend, ENTRY_COLUMNS);
    st.sql(&format!(" ORDER BY at DESC, id DESC LIMIT {limit} OFFSET {offset}"));
    st.fetch_all(&mut *db.pool.acquire().await?).await
}

/// Up to `limit` of `f`'s rows, newest first, after the row `(at, id)` if given (keyset
/// pagination for the export).
pub async fn page_after(db: &Db, f: &Filter, after: Option<(i64, i64)>, limit: i64) -> Result<Vec<EntryRow>, sqlx::Error> {
    let mut st = f.select(db.backend, ENTRY_COLUMNS);
    if let Some((at, id)) = after {
        st.sql(" AND (at < ").arg(Val::I(at)).sql(" OR (at = ").arg(Val::I(at)).sql(" AND id < ").arg(Val::I(id)).sql("))");
    }
    st.sql(&format!(" ORDER BY at DESC, id DESC LIMIT {limit}"));
    st.fetch_all(&mut *db.pool.acquire().await?).await
}
