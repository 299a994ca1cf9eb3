//! Shipments: the orders a set of shipments names (locked), marking them shipped, and the
//! per-status counts they move.

use sqlx::AnyConnection;

use super::{Stmt, Val, pow2_chunks};

/// Orders per multi-row statement (3 values each, plus a few).
const ROWS_PER_STATEMENT: usize = 512;

crate::row_struct! {
    /// An order's status, as shipping checks it.
    pub struct OrderStatusRow {
        /// Order id.
        pub order_id: String,
        /// Stored status name.
        pub status: String,
    }
}

fn is_sqlite(conn: &AnyConnection) -> bool {
    conn.backend_name().eq_ignore_ascii_case("sqlite")
}

/// The statuses of the orders `ids` (sorted, distinct) of `shop`; on PostgreSQL the rows are
/// locked, in order-id order, so concurrent shippers never deadlock and never ship an order
/// twice. One `IN (…)` query per 512 ids; orders of other shops are absent.
pub async fn lock_statuses(conn: &mut AnyConnection, shop: &str, ids: &[&str]) -> Result<Vec<OrderStatusRow>, sqlx::Error> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in pow2_chunks(ids, ROWS_PER_STATEMENT) {
        let mut st = Stmt::new(conn, "SELECT order_id AS order_id, status AS status FROM orders WHERE shop_id = ");
        st.arg(Val::S(shop.into())).sql(" AND order_id IN (").list(chunk.iter().map(|id| Val::S((*id).into()))).sql(") ORDER BY order_id");
        if !is_sqlite(conn) {
            st.sql(" FOR UPDATE");
        }
        out.extend(st.fetch_all::<OrderStatusRow>(conn).await?);
    }
    Ok(out)
}

/// One order to mark shipped.
#[derive(Clone, Copy, Debug)]
pub struct Shipped<'a> {
    /// Order id.
    pub order_id: &'a str,
    /// Carrier code.
    pub carrier: &'a str,
    /// Normalized tracking number.
    pub tracking_no: &'a str,
}

/// Mark the `rows` of `shop` that await shipment `shipped` (carrier, tracking number,
/// `shipped_at = updated_at = now`), one `UPDATE … FROM (VALUES …)` per 512 rows; returns
/// the orders updated.
pub async fn mark_shipped(conn: &mut AnyConnection, shop: &str, rows: &[Shipped<'_>], now: i64) -> Result<u64, sqlx::Error> {
    let sqlite = is_sqlite(conn);
    let mut updated = 0u64;
    for chunk in pow2_chunks(rows, ROWS_PER_STATEMENT) {
        let mut st = Stmt::new(conn, "WITH v (order_id, carrier, tracking_no) AS (VALUES ");
        st.rows(chunk, |s, r| {
            s.list([Val::S(r.order_id.into()), Val::S(r.carrier.into()), Val::S(r.tracking_no.into())]);
        });
        // `OR FAIL`: no statement journal on SQLite; any error rolls the transaction back.
        st.sql(if sqlite { ") UPDATE OR FAIL orders" } else { ") UPDATE orders" });
        st.sql(" SET status = 'shipped', carrier = v.carrier, tracking_no = v.tracking_no, shipped_at = ").arg(Val::I(now)).sql(", updated_at = ").arg(Val::I(now));
        st.sql(" FROM v WHERE orders.order_id = v.order_id AND orders.shop_id = ").arg(Val::S(shop.into())).sql(" AND orders.status = 'awaiting_shipment'");
        updated += st.execute(conn).await?;
    }
    Ok(updated)
}
