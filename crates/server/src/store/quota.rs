//! Daily quota, charges, extras (approved raises), the shops' suspension as the quota reads
//! it, and the daily search units.

use std::collections::BTreeSet;

use sqlx::{AnyConnection, AnyPool};

use super::{Stmt, Val, pow2_chunks};

/// Rows per multi-row `INSERT` of charges (6 values each).
const CHARGE_CHUNK: usize = 512;

crate::row_struct! {
    /// A shop's quota row of a day. `base` is -1 on a row created by the settler before its
    /// order count was taken.
    pub struct QuotaDayRow {
        /// The shop.
        pub shop_id: String,
        /// The day (Asia/Shanghai).
        pub day: String,
        /// Units used.
        pub used: i64,
        /// The base limit the day's charges were made under.
        pub base: i64,
        /// Orders of the last 30 days when the row was created.
        pub orders_30d: i64,
    }
}

/// Lock the quota rows of `keys` (`(shop, day)`, sorted), creating missing ones with
/// `base = -1`, and return them.
pub async fn lock_days(conn: &mut AnyConnection, keys: &BTreeSet<(&str, &str)>) -> Result<Vec<QuotaDayRow>, sqlx::Error> {
    let mut st = Stmt::new(conn, "INSERT INTO quota_days (shop_id, day, used, base, orders_30d) VALUES ");
    st.rows(keys, |s, (shop, day)| {
        s.arg(Val::S((*shop).into())).sql(", ").arg(Val::S((*day).into())).sql(", 0, -1, 0");
    });
    st.sql(
        " ON CONFLICT (shop_id, day) DO UPDATE SET used = quota_days.used \
         RETURNING shop_id AS shop_id, day AS day, used AS used, base AS base, orders_30d AS orders_30d",
    );
    st.fetch_all(conn).await
}

/// Record the day's order count on a new quota row.
pub async fn set_orders_30d(conn: &mut AnyConnection, shop: &str, day: &str, orders_30d: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE quota_days SET orders_30d = $1 WHERE shop_id = $2 AND day = $3").bind(orders_30d).bind(shop).bind(day).execute(conn).await?;
    Ok(())
}

/// Set a day's `used` and `base`.
pub async fn set_used(conn: &mut AnyConnection, shop: &str, day: &str, used: i64, base: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE quota_days SET used = $1, base = $2 WHERE shop_id = $3 AND day = $4").bind(used).bind(base).bind(shop).bind(day).execute(conn).await?;
    Ok(())
}

crate::row_struct! {
    /// A quota row's counters.
    pub struct DayUsage {
        /// Units used.
        pub used: i64,
        /// The stored base (-1: not yet counted).
        pub base: i64,
        /// Orders of the last 30 days when the row was created.
        pub orders_30d: i64,
    }
}

/// A shop's quota row of `day`, if any.
pub async fn day(conn: &mut AnyConnection, shop: &str, day: &str) -> Result<Option<DayUsage>, sqlx::Error> {
    sqlx::query_as("SELECT used AS used, base AS base, orders_30d AS orders_30d FROM quota_days WHERE shop_id = $1 AND day = $2")
        .bind(shop)
        .bind(day)
        .fetch_optional(conn)
        .await
}

crate::row_struct! {
    /// Units used on a day.
    pub struct DayUsed {
        /// The day.
        pub day: String,
        /// Units used.
        pub used: i64,
    }
}

/// A shop's quota rows from `from` to `to` (days, inclusive).
pub async fn days_between(pool: &AnyPool, shop: &str, from: &str, to: &str) -> Result<Vec<DayUsed>, sqlx::Error> {
    sqlx::query_as("SELECT day AS day, used AS used FROM quota_days WHERE shop_id = $1 AND day >= $2 AND day <= $3")
        .bind(shop)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
}

crate::row_struct! {
    /// A shop's approved extras on a day.
    pub struct ShopExtra {
        /// The shop.
        pub shop_id: String,
        /// Extra units per day.
        pub per_day: i64,
    }
}

/// The approved extras covering `day` of each of `shops` (shops without any are absent).
pub async fn extras(conn: &mut AnyConnection, shops: &BTreeSet<&str>, day: &str) -> Result<Vec<ShopExtra>, sqlx::Error> {
    if shops.is_empty() {
        return Ok(Vec::new());
    }
    let mut st = Stmt::new(
        conn,
        "SELECT shop_id AS shop_id, CAST(COALESCE(SUM(per_day), 0) AS BIGINT) AS per_day FROM quota_extras WHERE status = 'approved' AND start_day <= ",
    );
    st.arg(Val::S(day.into())).sql(" AND end_day >= ").arg(Val::S(day.into()));
    st.sql(" AND shop_id IN (").list(shops.iter().map(|s| Val::S((*s).into()))).sql(") GROUP BY shop_id");
    st.fetch_all(conn).await
}

crate::row_struct! {
    /// A shop id.
    pub struct ShopRow {
        /// The shop.
        pub shop_id: String,
    }
}

/// Which of `shops` are suspended.
pub async fn suspended(conn: &mut AnyConnection, shops: &BTreeSet<&str>) -> Result<Vec<ShopRow>, sqlx::Error> {
    if shops.is_empty() {
        return Ok(Vec::new());
    }
    let mut st = Stmt::new(conn, "SELECT shop_id AS shop_id FROM shops WHERE suspended <> 0 AND shop_id IN (");
    st.list(shops.iter().map(|s| Val::S((*s).into()))).sql(")");
    st.fetch_all(conn).await
}

crate::row_struct! {
    /// An order charged on a day.
    pub struct Charged {
        /// The shop charged.
        pub shop_id: String,
        /// The day.
        pub day: String,
        /// The order.
        pub order_id: String,
    }
}

/// The charges of `orders` on `days`. Led by the order ids (index
/// `reveal_charges_order_day`), joined as a VALUES table; the caller matches the shop.
pub async fn charged(conn: &mut AnyConnection, orders: &[&str], days: &BTreeSet<&str>) -> Result<Vec<Charged>, sqlx::Error> {
    let mut st = Stmt::new(conn, "SELECT c.shop_id AS shop_id, c.day AS day, c.order_id AS order_id FROM (VALUES ");
    st.rows(orders, |s, o| {
        s.arg(Val::S((*o).into()));
    });
    st.sql(") AS v JOIN reveal_charges c ON c.order_id = v.column1 WHERE c.day IN (");
    st.list(days.iter().map(|d| Val::S((*d).into()))).sql(")");
    st.fetch_all(conn).await
}

/// Insert charges, each `[shop, day, order, grant id, user id, at]`, in power-of-two chunks.
pub async fn insert_charges(conn: &mut AnyConnection, charges: &[[Val; 6]]) -> Result<(), sqlx::Error> {
    for chunk in pow2_chunks(charges, CHARGE_CHUNK) {
        let mut st = Stmt::new(conn, "INSERT INTO reveal_charges (shop_id, day, order_id, grant_id, user_id, at) VALUES ");
        st.rows(chunk, |s, row| {
            s.list(row.iter().cloned());
        });
        st.execute(conn).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Search units

crate::row_struct! {
    /// A shop's search units of a day.
    pub struct SearchDay {
        /// Units used.
        pub used: i64,
        /// Refusals recorded.
        pub refused: i64,
    }
}

/// A shop's search row of `day`, if any.
pub async fn search_day(conn: &mut AnyConnection, shop: &str, day: &str) -> Result<Option<SearchDay>, sqlx::Error> {
    sqlx::query_as("SELECT used AS used, refused AS refused FROM search_days WHERE shop_id = $1 AND day = $2").bind(shop).bind(day).fetch_optional(conn).await
}

/// Lock a shop's search row of `day`, creating it if missing.
pub async fn lock_search_day(conn: &mut AnyConnection, shop: &str, day: &str) -> Result<SearchDay, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO search_days (shop_id, day, used, refused) VALUES ($1, $2, 0, 0) \
         ON CONFLICT (shop_id, day) DO UPDATE SET used = search_days.used RETURNING used AS used, refused AS refused",
    )
    .bind(shop)
    .bind(day)
    .fetch_one(conn)
    .await
}

/// Count a budget refusal on a shop's search row.
pub async fn refuse_search(conn: &mut AnyConnection, shop: &str, day: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE search_days SET refused = refused + 1 WHERE shop_id = $1 AND day = $2").bind(shop).bind(day).execute(conn).await?;
    Ok(())
}

/// Charge `units` to a shop's search row.
pub async fn charge_search(conn: &mut AnyConnection, shop: &str, day: &str, units: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE search_days SET used = used + $1 WHERE shop_id = $2 AND day = $3").bind(units).bind(shop).bind(day).execute(conn).await?;
    Ok(())
}
