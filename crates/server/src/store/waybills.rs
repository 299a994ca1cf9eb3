//! E-waybill accounts, top-ups, allocation and print grants.

use sqlx::{AnyConnection, AnyPool};

use super::{Stmt, Val};

// ---------------------------------------------------------------------------------------
// Accounts

crate::row_struct! {
    /// An e-waybill account.
    pub struct AccountRow {
        /// Id.
        pub id: i64,
        /// Shop (empty for a factory's account).
        pub shop_id: String,
        /// Factory, for a factory's account.
        pub factory_id: Option<String>,
        /// Carrier code.
        pub carrier: String,
        /// Outlet (网点).
        pub outlet: String,
        /// Sender name on the labels.
        pub sender_name: String,
        /// Sender phone.
        pub sender_phone: String,
        /// Sender address.
        pub sender_address: String,
        /// `pending`, `approved` or `rejected`.
        pub status: String,
        /// Waybill units left.
        pub balance: i64,
        /// Who applied.
        pub applied_by: String,
        /// Unix seconds.
        pub created_at: i64,
        /// The admin who decided.
        pub decided_by: Option<String>,
        /// The decision's comment.
        pub comment: Option<String>,
    }
}

const ACCOUNT_COLUMNS: &str = "id AS id, COALESCE(shop_id, '') AS shop_id, factory_id AS factory_id, carrier AS carrier, outlet AS outlet, sender_name AS sender_name, sender_phone AS sender_phone, \
     sender_address AS sender_address, status AS status, balance AS balance, applied_by AS applied_by, created_at AS created_at, decided_by AS decided_by, comment AS comment";

/// The account `id`.
pub async fn account(conn: &mut AnyConnection, id: i64) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {ACCOUNT_COLUMNS} FROM waybill_accounts WHERE id = $1")).bind(id).fetch_optional(conn).await
}

pub use super::Owner;

/// The id of the owner's account for this carrier and outlet that is approved or pending.
pub async fn live_account_id(conn: &mut AnyConnection, owner: Owner<'_>, carrier: &str, outlet: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!("SELECT id FROM waybill_accounts WHERE {} = $1 AND carrier = $2 AND outlet = $3 AND status <> 'rejected'", owner.column()))
        .bind(owner.id())
        .bind(carrier)
        .bind(outlet)
        .fetch_optional(conn)
        .await
}

/// An account application.
#[derive(Debug)]
pub struct NewAccount<'a> {
    /// The shop or factory.
    pub owner: Owner<'a>,
    /// Carrier code.
    pub carrier: &'a str,
    /// Outlet.
    pub outlet: &'a str,
    /// Sender name.
    pub sender_name: &'a str,
    /// Sender phone.
    pub sender_phone: &'a str,
    /// Sender address.
    pub sender_address: &'a str,
    /// Who applies.
    pub applied_by: &'a str,
    /// Unix seconds.
    pub now: i64,
}

/// Store a pending account with no balance; returns its id.
pub async fn insert_account(conn: &mut AnyConnection, a: &NewAccount<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO waybill_accounts (shop_id, factory_id, carrier, outlet, sender_name, sender_phone, sender_address, status, balance, applied_by, created_at) \
         VALUES ($1, $9, $2, $3, $4, $5, $6, 'pending', 0, $7, $8) RETURNING id",
    )
    .bind(a.owner.split().0)
    .bind(a.carrier)
    .bind(a.outlet)
    .bind(a.sender_name)
    .bind(a.sender_phone)
    .bind(a.sender_address)
    .bind(a.applied_by)
    .bind(a.now)
    .bind(a.owner.split().1)
    .fetch_one(conn)
    .await
}

/// Every shop's accounts (of `status`, if given), pending first.
pub async fn all_accounts(pool: &AnyPool, status: Option<&str>) -> Result<Vec<AccountRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {ACCOUNT_COLUMNS} FROM waybill_accounts WHERE ($1 IS NULL OR status = $1) ORDER BY CASE status WHEN 'pending' THEN 0 ELSE 1 END, id"))
        .bind(status)
        .fetch_all(pool)
        .await
}

/// The owner's accounts (of `status`, if given).
pub async fn shop_accounts(pool: &AnyPool, owner: Owner<'_>, status: Option<&str>) -> Result<Vec<AccountRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {ACCOUNT_COLUMNS} FROM waybill_accounts WHERE {} = $1 AND ($2 IS NULL OR status = $2) ORDER BY id", owner.column()))
        .bind(owner.id())
        .bind(status)
        .fetch_all(pool)
        .await
}

/// Decide a pending account (`approved` or `rejected`); returns 0 if it was not pending.
pub async fn decide_account(conn: &mut AnyConnection, id: i64, status: &str, by: &str, now: i64, comment: Option<&str>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE waybill_accounts SET status = $1, decided_by = $2, decided_at = $3, comment = $4 WHERE id = $5 AND status = 'pending'")
        .bind(status)
        .bind(by)
        .bind(now)
        .bind(comment)
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Take `n` units off an approved account's balance if it has them; returns 0 if not.
pub async fn take_balance(conn: &mut AnyConnection, account: i64, n: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE waybill_accounts SET balance = balance - $1 WHERE id = $2 AND status = 'approved' AND balance >= $1")
        .bind(n)
        .bind(account)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Add `units` to an account's balance; returns the new balance.
pub async fn add_balance(conn: &mut AnyConnection, account: i64, units: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("UPDATE waybill_accounts SET balance = balance + $1 WHERE id = $2 RETURNING balance").bind(units).bind(account).fetch_one(conn).await
}

/// Return one unit to an account (a cancelled, unprinted waybill's).
pub async fn return_unit(conn: &mut AnyConnection, account: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE waybill_accounts SET balance = balance + 1 WHERE id = $1").bind(account).execute(conn).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Top-ups

crate::row_struct! {
    /// A top-up request, with its account's carrier and outlet.
    pub struct TopupRow {
        /// Id.
        pub id: i64,
        /// Account.
        pub account_id: i64,
        /// Shop (empty for a factory's top-up).
        pub shop_id: String,
        /// Factory, for a factory's top-up.
        pub factory_id: Option<String>,
        /// The account's carrier code.
        pub carrier: String,
        /// The account's outlet.
        pub outlet: String,
        /// Units asked for.
        pub units: i64,
        /// The owner's note.
        pub note: Option<String>,
        /// `pending`, `confirmed` or `rejected`.
        pub status: String,
        /// Who asked.
        pub requested_by: String,
        /// Unix seconds.
        pub requested_at: i64,
        /// The admin who decided.
        pub decided_by: Option<String>,
        /// Unix seconds.
        pub decided_at: Option<i64>,
        /// The payment confirmed, in fen.
        pub amount_cents: Option<i64>,
        /// The payment reference.
        pub payment_ref: Option<String>,
        /// The decision's comment.
        pub comment: Option<String>,
        /// The balance after confirming.
        pub balance_after: Option<i64>,
    }
}

const TOPUP_COLUMNS: &str = "t.id AS id, t.account_id AS account_id, COALESCE(t.shop_id, '') AS shop_id, t.factory_id AS factory_id, a.carrier AS carrier, a.outlet AS outlet, t.units AS units, \
     t.note AS note, t.status AS status, t.requested_by AS requested_by, t.requested_at AS requested_at, t.decided_by AS decided_by, \
     t.decided_at AS decided_at, t.amount_cents AS amount_cents, t.payment_ref AS payment_ref, t.comment AS comment, t.balance_after AS balance_after";

/// The top-up `id`.
pub async fn topup(conn: &mut AnyConnection, id: i64) -> Result<Option<TopupRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {TOPUP_COLUMNS} FROM waybill_topups t JOIN waybill_accounts a ON a.id = t.account_id WHERE t.id = $1")).bind(id).fetch_optional(conn).await
}

/// Pending top-ups of an account.
pub async fn pending_topups(conn: &mut AnyConnection, account: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM waybill_topups WHERE account_id = $1 AND status = 'pending'").bind(account).fetch_one(conn).await
}

/// Store a pending top-up request; returns its id.
pub async fn insert_topup(conn: &mut AnyConnection, account: i64, owner: Owner<'_>, units: i64, note: Option<&str>, by: &str, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO waybill_topups (account_id, shop_id, factory_id, units, note, status, requested_by, requested_at) VALUES ($1, $2, $7, $3, $4, 'pending', $5, $6) RETURNING id",
    )
        .bind(account)
        .bind(owner.split().0)
        .bind(units)
        .bind(note)
        .bind(by)
        .bind(now)
        .bind(owner.split().1)
        .fetch_one(conn)
        .await
}

/// Every shop's latest `limit` top-ups (of `status`, if given), pending first.
pub async fn all_topups(pool: &AnyPool, status: Option<&str>, limit: i64) -> Result<Vec<TopupRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {TOPUP_COLUMNS} FROM waybill_topups t JOIN waybill_accounts a ON a.id = t.account_id WHERE ($1 IS NULL OR t.status = $1) \
         ORDER BY CASE t.status WHEN 'pending' THEN 0 ELSE 1 END, t.id DESC LIMIT {limit}"
    ))
    .bind(status)
    .fetch_all(pool)
    .await
}

/// The owner's latest `limit` top-ups (of `status`, if given).
pub async fn shop_topups(pool: &AnyPool, owner: Owner<'_>, status: Option<&str>, limit: i64) -> Result<Vec<TopupRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {TOPUP_COLUMNS} FROM waybill_topups t JOIN waybill_accounts a ON a.id = t.account_id WHERE t.{} = $1 AND ($2 IS NULL OR t.status = $2) \
         ORDER BY t.id DESC LIMIT {limit}",
        owner.column()
    ))
    .bind(owner.id())
    .bind(status)
    .fetch_all(pool)
    .await
}

/// A confirmation of a top-up's payment.
#[derive(Debug)]
pub struct TopupConfirmation<'a> {
    /// The admin.
    pub by: &'a str,
    /// Unix seconds.
    pub now: i64,
    /// Payment in fen.
    pub amount_cents: i64,
    /// Payment reference.
    pub payment_ref: &'a str,
    /// Comment.
    pub comment: Option<&'a str>,
}

/// Mark a pending top-up confirmed; returns 0 if it was not pending.
pub async fn confirm_topup(conn: &mut AnyConnection, id: i64, c: &TopupConfirmation<'_>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE waybill_topups SET status = 'confirmed', decided_by = $1, decided_at = $2, amount_cents = $3, payment_ref = $4, comment = $5 \
         WHERE id = $6 AND status = 'pending'",
    )
    .bind(c.by)
    .bind(c.now)
    .bind(c.amount_cents)
    .bind(c.payment_ref)
    .bind(c.comment)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Record the balance a confirmed top-up left.
pub async fn set_balance_after(conn: &mut AnyConnection, id: i64, balance: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE waybill_topups SET balance_after = $1 WHERE id = $2").bind(balance).bind(id).execute(conn).await?;
    Ok(())
}

/// Mark a pending top-up rejected; returns 0 if it was not pending.
pub async fn reject_topup(conn: &mut AnyConnection, id: i64, by: &str, now: i64, comment: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE waybill_topups SET status = 'rejected', decided_by = $1, decided_at = $2, comment = $3 WHERE id = $4 AND status = 'pending'")
        .bind(by)
        .bind(now)
        .bind(comment)
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected())
}

// ---------------------------------------------------------------------------------------
// Waybills

crate::row_struct! {
    /// A waybill.
    pub struct WaybillRow {
        /// Number.
        pub waybill_no: String,
        /// Account.
        pub account_id: i64,
        /// Carrier code.
        pub carrier: String,
        /// `allocated`, `printed`, `shipped` or `cancelled`.
        pub status: String,
        /// Prints so far.
        pub print_count: i64,
        /// The receiver key of its orders.
        pub receiver_key: String,
        /// Unix seconds.
        pub allocated_at: i64,
        /// Who allocated it.
        pub allocated_by: String,
    }
}

const WAYBILL_COLUMNS: &str = "w.waybill_no AS waybill_no, w.account_id AS account_id, w.carrier AS carrier, w.status AS status, w.print_count AS print_count, \
     w.receiver_key AS receiver_key, w.allocated_at AS allocated_at, w.allocated_by AS allocated_by";

crate::row_struct! {
    /// An order on a waybill.
    pub struct WaybillOrder {
        /// Waybill number.
        pub waybill_no: String,
        /// Order id.
        pub order_id: String,
    }
}

crate::row_struct! {
    /// An order as allocation checks it.
    pub struct AllocOrder {
        /// Order id.
        pub order_id: String,
        /// Stored status name.
        pub status: String,
        /// Receiver key.
        pub receiver_key: String,
    }
}

crate::row_struct! {
    /// A waybill number.
    pub struct WaybillNo {
        /// Number.
        pub waybill_no: String,
    }
}

crate::row_struct! {
    /// What cancelling a waybill checks.
    pub struct CancelRow {
        /// Account.
        pub account_id: i64,
        /// Status.
        pub status: String,
        /// Prints so far.
        pub print_count: i64,
    }
}

pub(crate) fn texts(vals: &[String]) -> impl Iterator<Item = Val> + '_ {
    vals.iter().map(|v| Val::S(v.clone()))
}

/// The orders on these waybills, by order id.
pub async fn orders_of(conn: &mut AnyConnection, nos: &[String]) -> Result<Vec<WaybillOrder>, sqlx::Error> {
    let mut st = Stmt::new(conn, "SELECT waybill_no AS waybill_no, order_id AS order_id FROM waybill_orders WHERE waybill_no IN (");
    st.list(texts(nos)).sql(") ORDER BY order_id");
    st.fetch_all(conn).await
}

/// The orders `ids` of `shop` (others are absent).
pub async fn shop_orders(conn: &mut AnyConnection, shop: &str, ids: &[String]) -> Result<Vec<AllocOrder>, sqlx::Error> {
    let mut st = Stmt::new(conn, "SELECT order_id AS order_id, status AS status, receiver_key AS receiver_key FROM orders WHERE shop_id = ");
    st.arg(Val::S(shop.into())).sql(" AND order_id IN (").list(texts(ids)).sql(")");
    st.fetch_all(conn).await
}

/// The live (allocated or printed) waybills of the orders `ids`.
pub async fn live_waybills_of(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<WaybillOrder>, sqlx::Error> {
    let mut st = Stmt::new(
        conn,
        "SELECT w.waybill_no AS waybill_no, wo.order_id AS order_id FROM waybill_orders wo JOIN waybills w ON w.waybill_no = wo.waybill_no \
         WHERE w.status IN ('allocated', 'printed') AND wo.order_id IN (",
    );
    st.list(texts(ids)).sql(")");
    st.fetch_all(conn).await
}

/// A waybill to create (allocated, never printed).
#[derive(Debug)]
pub struct NewWaybill<'a> {
    /// Number.
    pub waybill_no: &'a str,
    /// Account.
    pub account: i64,
    /// Shop.
    pub shop: &'a str,
    /// Carrier code.
    pub carrier: &'a str,
    /// Receiver key of its orders.
    pub receiver_key: &'a str,
    /// Who allocates.
    pub by: &'a str,
    /// Unix seconds.
    pub now: i64,
}

/// Create a waybill unless its number is taken; returns whether it was created.
pub async fn insert_waybill(conn: &mut AnyConnection, w: &NewWaybill<'_>) -> Result<bool, sqlx::Error> {
    let inserted: Option<String> = sqlx::query_scalar(
        "INSERT INTO waybills (waybill_no, account_id, shop_id, carrier, receiver_key, status, print_count, allocated_by, allocated_at) \
         VALUES ($1, $2, $3, $4, $5, 'allocated', 0, $6, $7) ON CONFLICT (waybill_no) DO NOTHING RETURNING waybill_no",
    )
    .bind(w.waybill_no)
    .bind(w.account)
    .bind(w.shop)
    .bind(w.carrier)
    .bind(w.receiver_key)
    .bind(w.by)
    .bind(w.now)
    .fetch_optional(conn)
    .await?;
    Ok(inserted.is_some())
}

/// Put the orders `ids` on waybill `no`, live. An order that has a live waybill already
/// fails the unique index `waybill_orders_live` ([`crate::store::users::is_unique_violation`]).
pub async fn link_orders(conn: &mut AnyConnection, no: &str, ids: &[&str]) -> Result<(), sqlx::Error> {
    let mut st = Stmt::new(conn, "INSERT INTO waybill_orders (waybill_no, order_id, live) VALUES ");
    st.rows(ids, |s, id| {
        s.arg(Val::S(no.into())).sql(", ").arg(Val::S((*id).into())).sql(", 1");
    });
    st.execute(conn).await?;
    Ok(())
}

/// The waybills `nos` (in no particular order).
pub async fn waybills(conn: &mut AnyConnection, nos: &[String]) -> Result<Vec<WaybillRow>, sqlx::Error> {
    let mut st = Stmt::new(conn, &format!("SELECT {WAYBILL_COLUMNS} FROM waybills w WHERE w.waybill_no IN ("));
    st.list(texts(nos)).sql(")");
    st.fetch_all(conn).await
}

/// The shop's latest `limit` waybills (of `status`, of `order_id`, if given), newest first.
pub async fn shop_waybills(conn: &mut AnyConnection, shop: &str, status: Option<&str>, order_id: Option<&str>, limit: i64) -> Result<Vec<WaybillRow>, sqlx::Error> {
    let mut st = Stmt::new(conn, &format!("SELECT {WAYBILL_COLUMNS} FROM waybills w WHERE w.shop_id = "));
    st.arg(Val::S(shop.into()));
    if let Some(s) = status {
        st.sql(" AND w.status = ").arg(Val::S(s.into()));
    }
    if let Some(o) = order_id {
        st.sql(" AND w.waybill_no IN (SELECT waybill_no FROM waybill_orders WHERE order_id = ").arg(Val::S(o.into())).sql(")");
    }
    st.sql(&format!(" ORDER BY w.allocated_at DESC, w.waybill_no LIMIT {limit}"));
    st.fetch_all(conn).await
}

/// Which of the waybills `nos` are the shop's.
pub async fn shop_waybill_nos(conn: &mut AnyConnection, shop: &str, nos: &[String]) -> Result<Vec<String>, sqlx::Error> {
    let mut st = Stmt::new(conn, "SELECT waybill_no AS waybill_no FROM waybills WHERE shop_id = ");
    st.arg(Val::S(shop.into())).sql(" AND waybill_no IN (").list(texts(nos)).sql(")");
    Ok(st.fetch_all::<WaybillNo>(conn).await?.into_iter().map(|w| w.waybill_no).collect())
}

/// What cancelling the shop's waybill `no` checks.
pub async fn cancel_row(conn: &mut AnyConnection, no: &str, shop: &str) -> Result<Option<CancelRow>, sqlx::Error> {
    sqlx::query_as("SELECT account_id AS account_id, status AS status, print_count AS print_count FROM waybills WHERE waybill_no = $1 AND shop_id = $2")
        .bind(no)
        .bind(shop)
        .fetch_optional(conn)
        .await
}

/// Cancel a waybill that is allocated and never printed (its orders are free for another);
/// returns 0 if it is not.
pub async fn cancel_waybill(conn: &mut AnyConnection, no: &str, now: i64) -> Result<u64, sqlx::Error> {
    cancel_if(conn, no, now, "status = 'allocated' AND print_count = 0").await
}

/// Void a live waybill, printed or not (its orders taken back from the factory that holds
/// it): cancelled, its orders free for another; returns 0 if it was not live.
pub async fn void_waybill(conn: &mut AnyConnection, no: &str, now: i64) -> Result<u64, sqlx::Error> {
    cancel_if(conn, no, now, "status IN ('allocated', 'printed')").await
}

/// Cancel `no` if its row meets `condition` (a fixed SQL text), and clear its orders' live flag.
async fn cancel_if(conn: &mut AnyConnection, no: &str, now: i64, condition: &'static str) -> Result<u64, sqlx::Error> {
    let sql = format!("UPDATE waybills SET status = 'cancelled', cancelled_at = $1 WHERE waybill_no = $2 AND {condition}");
    let n = sqlx::query(&sql).bind(now).bind(no).execute(&mut *conn).await?.rows_affected();
    if n > 0 {
        sqlx::query("UPDATE waybill_orders SET live = 0 WHERE waybill_no = $1").bind(no).execute(&mut *conn).await?;
    }
    Ok(n)
}

/// Mark the printed waybills among `nos` shipped; returns how many.
pub async fn mark_shipped(conn: &mut AnyConnection, nos: &[String], now: i64) -> Result<u64, sqlx::Error> {
    let mut st = Stmt::new(conn, "UPDATE waybills SET status = 'shipped', shipped_at = ");
    st.arg(Val::I(now)).sql(" WHERE status = 'printed' AND waybill_no IN (").list(texts(nos)).sql(")");
    let n = st.execute(&mut *conn).await?;
    let mut st = Stmt::new(conn, "UPDATE waybill_orders SET live = 0 WHERE waybill_no IN (SELECT waybill_no FROM waybills WHERE status = 'shipped' AND waybill_no IN (");
    st.list(texts(nos)).sql("))");
    st.execute(conn).await?;
    Ok(n)
}
