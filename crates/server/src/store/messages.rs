//! Order message threads (issue 19) and how far each side has read them.

use sqlx::AnyConnection;

use super::{Stmt, Val};

crate::row_struct! {
    /// A message.
    #[allow(missing_docs)] // the columns of the same name
    pub struct MessageRow {
        pub id: i64,
        pub order_id: String,
        pub sender: String,
        pub author: String,
        pub factory_id: Option<String>,
        pub body: String,
        pub created_at: i64,
    }
}

/// Add a message; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert(conn: &mut AnyConnection, order_id: &str, shop_id: &str, sender: &str, author: &str, factory_id: Option<&str>, body: &str, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO order_messages (order_id, shop_id, sender, author, factory_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(order_id)
        .bind(shop_id)
        .bind(sender)
        .bind(author)
        .bind(factory_id)
        .bind(body)
        .bind(now)
        .fetch_one(conn)
        .await
}

/// The thread's last `limit` messages, oldest first.
pub async fn thread(conn: &mut AnyConnection, order_id: &str, limit: i64) -> Result<Vec<MessageRow>, sqlx::Error> {
    let mut rows: Vec<MessageRow> =
        sqlx::query_as("SELECT id, order_id, sender, author, factory_id, body, created_at FROM order_messages WHERE order_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(order_id)
            .bind(limit)
            .fetch_all(conn)
            .await?;
    rows.reverse();
    Ok(rows)
}

/// How far `side` has read the thread (0: nothing).
pub async fn last_read(conn: &mut AnyConnection, order_id: &str, side: &str) -> Result<i64, sqlx::Error> {
    let v: Option<i64> = sqlx::query_scalar("SELECT last_read_id FROM order_message_reads WHERE order_id = $1 AND side = $2").bind(order_id).bind(side).fetch_optional(conn).await?;
    Ok(v.unwrap_or(0))
}

/// `side` has read up to `id`.
pub async fn mark_read(conn: &mut AnyConnection, order_id: &str, side: &str, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO order_message_reads (order_id, side, last_read_id) VALUES ($1, $2, $3) \
         ON CONFLICT (order_id, side) DO UPDATE SET last_read_id = CASE WHEN excluded.last_read_id > order_message_reads.last_read_id THEN excluded.last_read_id ELSE order_message_reads.last_read_id END",
    )
    .bind(order_id)
    .bind(side)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Buyer messages the shop has not read, per order of `ids`: `(order id, count)`.
pub async fn unread_by_shop(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut st = Stmt::new(
            conn,
            "SELECT m.order_id, COUNT(*) FROM order_messages m LEFT JOIN order_message_reads r ON r.order_id = m.order_id AND r.side = 'shop' \
             WHERE m.sender = 'buyer' AND m.id > COALESCE(r.last_read_id, 0) AND m.order_id IN (",
        );
        st.list(chunk.iter().map(|i| Val::S(i.clone()))).sql(") GROUP BY m.order_id");
        out.extend(st.fetch_all::<(String, i64)>(conn).await?);
    }
    Ok(out)
}
