//! SMS templates and the outbox (issue 19). The outbox holds the order, the phone field's
//! ciphertext and its mask; never a plaintext number.

use sqlx::{Any, AnyConnection, Executor};

use super::{Stmt, Val};

crate::row_struct! {
    /// A template version.
    #[allow(missing_docs)] // the columns of the same name
    pub struct TemplateRow {
        pub id: i64,
        pub shop_id: String,
        pub name: String,
        pub version: i64,
        pub kind: String,
        pub body: String,
        pub status: String,
        pub submitted_by: String,
        pub submitted_at: i64,
        pub decided_by: Option<String>,
        pub decided_at: Option<i64>,
        pub comment: Option<String>,
    }
}

const TEMPLATE_COLUMNS: &str = "id, shop_id, name, version, kind, body, status, submitted_by, submitted_at, decided_by, decided_at, comment";

/// Template version `id`.
pub async fn template(conn: &mut AnyConnection, id: i64) -> Result<Option<TemplateRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {TEMPLATE_COLUMNS} FROM sms_templates WHERE id = $1")).bind(id).fetch_optional(conn).await
}

/// Template versions, newest first: one shop's or every shop's, optionally of one state.
pub async fn templates<'e, E: Executor<'e, Database = Any>>(ex: E, shop: Option<&str>, status: Option<&str>) -> Result<Vec<TemplateRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {TEMPLATE_COLUMNS} FROM sms_templates WHERE ($1 IS NULL OR shop_id = $1) AND ($2 IS NULL OR status = $2) ORDER BY CASE WHEN status = 'pending' THEN 0 ELSE 1 END, id DESC LIMIT 1000"
    );
    sqlx::query_as(&sql).bind(shop).bind(status).fetch_all(ex).await
}

/// The next version number of `name` in `shop` (1 for a new name).
pub async fn next_version(conn: &mut AnyConnection, shop: &str, name: &str) -> Result<i64, sqlx::Error> {
    let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM sms_templates WHERE shop_id = $1 AND name = $2").bind(shop).bind(name).fetch_one(conn).await?;
    Ok(v.unwrap_or(0) + 1)
}

/// A new pending version; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert_template(conn: &mut AnyConnection, shop: &str, name: &str, version: i64, kind: &str, body: &str, by: &str, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO sms_templates (shop_id, name, version, kind, body, status, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) RETURNING id",
    )
    .bind(shop)
    .bind(name)
    .bind(version)
    .bind(kind)
    .bind(body)
    .bind(by)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Move version `id` from `from` to `to` with the decider and comment; returns rows changed
/// (0: it was not in `from` any more).
pub async fn decide(conn: &mut AnyConnection, id: i64, from: &str, to: &str, by: &str, now: i64, comment: Option<&str>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE sms_templates SET status = $1, decided_by = $2, decided_at = $3, comment = $4 WHERE id = $5 AND status = $6")
        .bind(to)
        .bind(by)
        .bind(now)
        .bind(comment)
        .bind(id)
        .bind(from)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Mark the other approved versions of a template name superseded.
pub async fn supersede_others(conn: &mut AnyConnection, shop: &str, name: &str, keep: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sms_templates SET status = 'superseded' WHERE shop_id = $1 AND name = $2 AND status = 'approved' AND id <> $3")
        .bind(shop)
        .bind(name)
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(())
}

crate::row_struct! {
    /// What sending needs of an order.
    #[allow(missing_docs)] // the columns of the same name
    pub struct SmsOrderRow {
        pub order_id: String,
        pub status: String,
        pub created_at: i64,
        pub phone_ct: String,
        pub phone_masked: String,
        pub carrier: Option<String>,
        pub tracking_no: Option<String>,
        pub shredded: i64,
    }
}

/// `shop`'s orders among `ids` (others, and other shops', are absent).
pub async fn shop_orders(conn: &mut AnyConnection, shop: &str, ids: &[String]) -> Result<Vec<SmsOrderRow>, sqlx::Error> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut st = Stmt::new(
            conn,
            "SELECT order_id, status, created_at, phone_ct, phone_masked, carrier, tracking_no, CASE WHEN wrapped_dek IS NULL THEN 1 ELSE 0 END AS shredded \
             FROM orders WHERE shop_id = ",
        );
        st.arg(Val::S(shop.into())).sql(" AND order_id IN (").list(chunk.iter().map(|i| Val::S(i.clone()))).sql(")");
        out.extend(st.fetch_all::<SmsOrderRow>(conn).await?);
    }
    Ok(out)
}

/// Messages queued today (`day`) for each of `ids`: `(order id, count)`.
pub async fn per_order_today(conn: &mut AnyConnection, day: &str, ids: &[String]) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut st = Stmt::new(conn, "SELECT order_id, COUNT(*) FROM sms_outbox WHERE day = ");
        st.arg(Val::S(day.into())).sql(" AND order_id IN (").list(chunk.iter().map(|i| Val::S(i.clone()))).sql(") GROUP BY order_id");
        out.extend(st.fetch_all::<(String, i64)>(conn).await?);
    }
    Ok(out)
}

/// Messages `shop` queued on `day`.
pub async fn shop_today(conn: &mut AnyConnection, shop: &str, day: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM sms_outbox WHERE shop_id = $1 AND day = $2").bind(shop).bind(day).fetch_one(conn).await
}

/// The daily limits in force: (per order, per shop).
pub async fn limits<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as("SELECT sms_per_order_day, sms_per_shop_day FROM platform_settings WHERE id = 1").fetch_one(ex).await
}

/// A message to queue.
#[derive(Debug)]
pub struct NewMessage<'a> {
    /// The order.
    pub order_id: &'a str,
    /// The filled text.
    pub body: String,
    /// The phone ciphertext.
    pub phone_ct: &'a str,
    /// Its mask.
    pub phone_masked: &'a str,
    /// Random, unique: the gateway drops a repeat.
    pub idempotency_key: String,
}

/// Queue `messages` of `shop` with template `template` (`kind`) by `by`; returns their ids
/// in order.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue(conn: &mut AnyConnection, shop: &str, template: i64, kind: &str, messages: &[NewMessage<'_>], by: &str, now: i64, day: &str) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::with_capacity(messages.len());
    for m in messages {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sms_outbox (shop_id, order_id, template_id, kind, body, phone_ct, phone_masked, idempotency_key, status, attempts, next_attempt_at, created_by, created_at, day) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9, $10, $9, $11) RETURNING id",
        )
        .bind(shop)
        .bind(m.order_id)
        .bind(template)
        .bind(kind)
        .bind(&m.body)
        .bind(m.phone_ct)
        .bind(m.phone_masked)
        .bind(&m.idempotency_key)
        .bind(now)
        .bind(by)
        .bind(day)
        .fetch_one(&mut *conn)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

crate::row_struct! {
    /// An outbox message.
    #[allow(missing_docs)] // the columns of the same name
    pub struct MessageRow {
        pub id: i64,
        pub shop_id: String,
        pub order_id: String,
        pub template_id: i64,
        pub kind: String,
        pub body: String,
        pub phone_ct: String,
        pub phone_masked: String,
        pub idempotency_key: String,
        pub status: String,
        pub attempts: i64,
        pub last_error: Option<String>,
        pub created_by: String,
        pub created_at: i64,
        pub sent_at: Option<i64>,
    }
}

const MESSAGE_COLUMNS: &str =
    "id, shop_id, order_id, template_id, kind, body, phone_ct, phone_masked, idempotency_key, status, attempts, last_error, created_by, created_at, sent_at";

/// A page of `shop`'s outbox, newest first, and the total.
pub async fn outbox(conn: &mut AnyConnection, shop: &str, status: Option<&str>, order: Option<&str>, limit: i64, offset: i64) -> Result<(Vec<MessageRow>, i64), sqlx::Error> {
    let filter = "WHERE shop_id = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR order_id = $3)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM sms_outbox {filter}")).bind(shop).bind(status).bind(order).fetch_one(&mut *conn).await?;
    let rows = sqlx::query_as(&format!("SELECT {MESSAGE_COLUMNS} FROM sms_outbox {filter} ORDER BY id DESC LIMIT $4 OFFSET $5"))
        .bind(shop)
        .bind(status)
        .bind(order)
        .bind(limit)
        .bind(offset)
        .fetch_all(conn)
        .await?;
    Ok((rows, total))
}

/// Claim up to `n` due messages for `lease_secs`: queued or failed ones whose next attempt
/// is due, and `sending` ones whose lease ran out (a process died while handing them over);
/// during the marketing quiet hours (`quiet`), no marketing message. On PostgreSQL `FOR
/// UPDATE SKIP LOCKED` keeps two workers off the same row; SQLite has one writer.
pub async fn claim(conn: &mut AnyConnection, postgres: bool, now: i64, lease_secs: i64, n: i64, quiet: bool) -> Result<Vec<MessageRow>, sqlx::Error> {
    let due = "((status IN ('queued', 'failed') AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until <= $1)) AND ($3 = 0 OR kind <> 'marketing')";
    let lock = if postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let ids: Vec<i64> = sqlx::query_scalar(&format!("SELECT id FROM sms_outbox WHERE {due} ORDER BY next_attempt_at, id LIMIT $2{lock}"))
        .bind(now)
        .bind(n)
        .bind(i64::from(quiet))
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        sqlx::query("UPDATE sms_outbox SET status = 'sending', lease_until = $1, attempts = attempts + 1 WHERE id = $2").bind(now + lease_secs).bind(id).execute(&mut *conn).await?;
        out.push(sqlx::query_as(&format!("SELECT {MESSAGE_COLUMNS} FROM sms_outbox WHERE id = $1")).bind(id).fetch_one(&mut *conn).await?);
    }
    Ok(out)
}

/// The gateway accepted message `id`.
pub async fn mark_sent(conn: &mut AnyConnection, id: i64, provider_id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sms_outbox SET status = 'sent', sent_at = $1, provider_id = $2, lease_until = NULL, last_error = NULL WHERE id = $3 AND status = 'sending'")
        .bind(now)
        .bind(provider_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// An attempt failed: try again at `next` (`failed`), or stop (`gave_up`).
pub async fn mark_failed(conn: &mut AnyConnection, id: i64, give_up: bool, next: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sms_outbox SET status = $1, next_attempt_at = $2, lease_until = NULL, last_error = $3 WHERE id = $4 AND status = 'sending'")
        .bind(if give_up { "gave_up" } else { "failed" })
        .bind(next)
        .bind(error)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// An order's wrapped data key: `(kek version, wrapped key)` (`None` once shredded).
pub async fn order_key(conn: &mut AnyConnection, order_id: &str) -> Result<Option<(i64, Option<Vec<u8>>)>, sqlx::Error> {
    sqlx::query_as("SELECT kek_version, wrapped_dek FROM orders WHERE order_id = $1").bind(order_id).fetch_optional(conn).await
}

/// The shop's display name.
pub async fn shop_name(conn: &mut AnyConnection, shop: &str) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM shops WHERE shop_id = $1").bind(shop).fetch_one(conn).await
}
