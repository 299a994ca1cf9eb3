//! Crypto-shredding: the orders past retention lose their wrapped data key.

use sqlx::AnyConnection;

use crate::store::{Stmt, Val};

crate::row_struct! {
    /// An order whose key is due to go.
    #[allow(missing_docs)] // the columns of the same name
    pub struct DueRow {
        pub order_id: String,
        pub shop_id: String,
    }
}

/// Up to `limit` orders that still have a data key and were completed (by `completed_at`, else
/// their last change) or cancelled or closed (by their last change) at or before `cutoff`.
pub async fn due(conn: &mut AnyConnection, cutoff: i64, limit: i64) -> Result<Vec<DueRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT order_id, shop_id FROM orders WHERE wrapped_dek IS NOT NULL AND ( \
         (status = 'completed' AND COALESCE(completed_at, updated_at) <= $1) OR (status IN ('cancelled', 'closed') AND updated_at <= $1)) \
         ORDER BY order_id LIMIT $2",
    )
    .bind(cutoff)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Drop the wrapped data keys of `ids` (the ciphertexts and masks stay); returns how many.
pub async fn shred(conn: &mut AnyConnection, ids: &[String]) -> Result<u64, sqlx::Error> {
    let mut st = Stmt::new(conn, "UPDATE orders SET wrapped_dek = NULL WHERE wrapped_dek IS NOT NULL AND order_id IN (");
    st.list(ids.iter().map(|i| Val::S(i.clone()))).sql(")");
    st.execute(conn).await
}
