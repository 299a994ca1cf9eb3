//! The transparency rows (issue 20): disclosure receipts, the per-shop daily counts the
//! dashboard draws, the flags the rules raise and the rules' thresholds.

use std::collections::BTreeMap;

use sqlx::AnyConnection;

use super::{Stmt, Val, pow2_chunks};

/// Receipts per multi-row `INSERT` (14 values each).
const INSERT_CHUNK: usize = 64;

/// One receipt to write: `order_id, shop_id, at, day, path, fields, actor_kind, actor_key,
/// app_name, factory_id, purpose, audit_chain, audit_seq`.
pub type NewReceipt = [Val; 13];

/// Write receipts.
pub async fn insert_receipts(conn: &mut AnyConnection, rows: &[NewReceipt]) -> Result<(), sqlx::Error> {
    for chunk in pow2_chunks(rows, INSERT_CHUNK) {
        let mut st = Stmt::new(conn, "INSERT INTO disclosures (order_id, shop_id, at, day, path, fields, actor_kind, actor_key, app_name, factory_id, purpose, audit_chain, audit_seq) VALUES ");
        st.rows(chunk, |s, row| {
            s.list(row.iter().cloned());
        });
        st.execute(conn).await?;
    }
    Ok(())
}

/// What one write adds to a shop's day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Orders received.
    pub orders: i64,
    /// Orders revealed.
    pub reveals: i64,
    /// Orders printed.
    pub prints: i64,
    /// Search units.
    pub search_units: i64,
    /// Orders matched by searches.
    pub search_matches: i64,
    /// SMS queued.
    pub sms: i64,
    /// Virtual numbers bound.
    pub virtual_numbers: i64,
}

impl Counts {
    fn vals(&self) -> [i64; 7] {
        [self.orders, self.reveals, self.prints, self.search_units, self.search_matches, self.sms, self.virtual_numbers]
    }
}

const COUNT_COLUMNS: [&str; 7] = ["orders", "reveals", "prints", "search_units", "search_matches", "sms", "virtual_numbers"];

/// Add to shops' days (sorted by shop and day, so writers lock rows in one order).
pub async fn add_daily(conn: &mut AnyConnection, deltas: &BTreeMap<(String, String), Counts>) -> Result<(), sqlx::Error> {
    if deltas.is_empty() {
        return Ok(());
    }
    let mut st = Stmt::new(conn, &format!("INSERT INTO exposure_daily (shop_id, day, {}) VALUES ", COUNT_COLUMNS.join(", ")));
    st.rows(deltas, |s, ((shop, day), c)| {
        s.arg(Val::S(shop.clone())).sql(", ").arg(Val::S(day.clone()));
        for v in c.vals() {
            s.sql(", ").arg(Val::I(v));
        }
    });
    let sets: Vec<String> = COUNT_COLUMNS.iter().map(|c| format!("{c} = exposure_daily.{c} + excluded.{c}")).collect();
    st.sql(&format!(" ON CONFLICT (shop_id, day) DO UPDATE SET {}", sets.join(", ")));
    st.execute(conn).await?;
    Ok(())
}

crate::row_struct! {
    /// A stored receipt.
    #[allow(missing_docs)] // the columns of the same name
    pub struct ReceiptRow {
        pub id: i64,
        pub order_id: String,
        pub shop_id: String,
        pub at: i64,
        pub path: String,
        pub fields: String,
        pub actor_kind: String,
        pub actor_key: String,
        pub app_name: Option<String>,
        pub factory_id: Option<String>,
        pub purpose: Option<String>,
        pub audit_chain: String,
        pub audit_seq: i64,
    }
}

const RECEIPT_COLUMNS: &str = "id, order_id, shop_id, at, path, fields, actor_kind, actor_key, app_name, factory_id, purpose, audit_chain, audit_seq";

/// One page of an order's receipts, newest first, and their count.
pub async fn of_order(conn: &mut AnyConnection, order_id: &str, limit: i64, offset: i64) -> Result<(Vec<ReceiptRow>, i64), sqlx::Error> {
    let rows = sqlx::query_as(&format!("SELECT {RECEIPT_COLUMNS} FROM disclosures WHERE order_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3"))
        .bind(order_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM disclosures WHERE order_id = $1").bind(order_id).fetch_one(conn).await?;
    Ok((rows, n))
}

/// The order of `shop`'s latest receipt.
pub async fn latest_disclosed(conn: &mut AnyConnection, shop: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT order_id FROM disclosures WHERE shop_id = $1 ORDER BY at DESC, id DESC LIMIT 1").bind(shop).fetch_optional(conn).await
}

/// Up to `limit` of a shop's receipts of days `from..=to`, oldest first, after `after_id`.
pub async fn of_shop(conn: &mut AnyConnection, shop: &str, (from, to): (&str, &str), after_id: i64, limit: i64) -> Result<Vec<ReceiptRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {RECEIPT_COLUMNS} FROM disclosures WHERE shop_id = $1 AND day >= $2 AND day <= $3 AND id > $4 ORDER BY id LIMIT $5"))
        .bind(shop)
        .bind(from)
        .bind(to)
        .bind(after_id)
        .bind(limit)
        .fetch_all(conn)
        .await
}

// ---------------------------------------------------------------------------------------
// The dashboard

crate::row_struct! {
    /// A shop's sums over days, or one day's counts.
    #[allow(missing_docs)] // the columns of the same name
    pub struct DailyRow {
        pub shop_id: String,
        pub day: String,
        pub orders: i64,
        pub reveals: i64,
        pub prints: i64,
        pub search_units: i64,
        pub search_matches: i64,
        pub sms: i64,
        pub virtual_numbers: i64,
    }
}

fn sums() -> String {
    COUNT_COLUMNS.iter().map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}")).collect::<Vec<_>>().join(", ")
}

/// Shops active in days `from..=to` (or only `shop`), most reveals first: one page of their
/// sums (`day` = ''), and how many there are.
pub async fn shop_sums(conn: &mut AnyConnection, (from, to): (&str, &str), shop: Option<&str>, limit: i64, offset: i64) -> Result<(Vec<DailyRow>, i64), sqlx::Error> {
    let mut st = Stmt::new(conn, &format!("SELECT shop_id, '' AS day, {} FROM exposure_daily WHERE day >= ", sums()));
    st.arg(Val::S(from.into())).sql(" AND day <= ").arg(Val::S(to.into()));
    if let Some(s) = shop {
        st.sql(" AND shop_id = ").arg(Val::S(s.into()));
    }
    st.sql(&format!(" GROUP BY shop_id ORDER BY reveals DESC, shop_id LIMIT {limit} OFFSET {offset}"));
    let rows = st.fetch_all(conn).await?;
    let mut st = Stmt::new(conn, "SELECT '' AS shop_id, '' AS k, COUNT(DISTINCT shop_id) AS n FROM exposure_daily WHERE day >= ");
    st.arg(Val::S(from.into())).sql(" AND day <= ").arg(Val::S(to.into()));
    if let Some(s) = shop {
        st.sql(" AND shop_id = ").arg(Val::S(s.into()));
    }
    let n: Vec<KeyCount> = st.fetch_all(conn).await?;
    Ok((rows, n.first().map_or(0, |c| c.n)))
}

/// The day the period sums end before, if they were ever summed (a read, no lock).
pub async fn period_day(conn: &mut AnyConnection) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT to_day FROM exposure_period_meta WHERE id = 1").fetch_optional(conn).await
}

/// Lock the period sums' marker and return the day they end before ('' if never summed).
pub async fn lock_period(conn: &mut AnyConnection) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO exposure_period_meta (id, to_day) VALUES (1, '') ON CONFLICT (id) DO UPDATE SET to_day = exposure_period_meta.to_day RETURNING to_day")
        .fetch_one(conn)
        .await
}

/// Sum every shop's days `from..today` (today excluded) into the period table (inside the
/// transaction that locked the marker).
pub async fn refresh_period(conn: &mut AnyConnection, from: &str, today: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM exposure_period").execute(&mut *conn).await?;
    let sums: Vec<String> = COUNT_COLUMNS.iter().map(|c| format!("SUM({c})")).collect();
    sqlx::query(&format!(
        "INSERT INTO exposure_period (shop_id, {}) SELECT shop_id, {} FROM exposure_daily WHERE day >= $1 AND day < $2 GROUP BY shop_id",
        COUNT_COLUMNS.join(", "),
        sums.join(", ")
    ))
    .bind(from)
    .bind(today)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE exposure_period_meta SET to_day = $1 WHERE id = 1").bind(today).execute(conn).await?;
    Ok(())
}

/// The period's shops (its closed days' sums plus `today`'s row), most reveals first: one
/// page (`day` = ''), and how many there are.
pub async fn period_page(conn: &mut AnyConnection, today: &str, limit: i64, offset: i64) -> Result<(Vec<DailyRow>, i64), sqlx::Error> {
    let joined: Vec<String> = COUNT_COLUMNS.iter().map(|c| format!("p.{c} + COALESCE(t.{c}, 0) AS {c}")).collect();
    let alone: Vec<String> = COUNT_COLUMNS.iter().map(|c| format!("t.{c} AS {c}")).collect();
    let sql = format!(
        "SELECT shop_id, '' AS day, {cols} FROM (            SELECT p.shop_id AS shop_id, {joined} FROM exposure_period p LEFT JOIN exposure_daily t ON t.shop_id = p.shop_id AND t.day = $1            UNION ALL            SELECT t.shop_id AS shop_id, {alone} FROM exposure_daily t WHERE t.day = $1 AND NOT EXISTS (SELECT 1 FROM exposure_period p WHERE p.shop_id = t.shop_id)          ) x ORDER BY reveals DESC, shop_id LIMIT $2 OFFSET $3",
        cols = COUNT_COLUMNS.join(", "),
        joined = joined.join(", "),
        alone = alone.join(", "),
    );
    let rows = sqlx::query_as(&sql).bind(today).bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM exposure_period) + (SELECT COUNT(*) FROM exposure_daily t WHERE t.day = $1 AND NOT EXISTS (SELECT 1 FROM exposure_period p WHERE p.shop_id = t.shop_id))",
    )
    .bind(today)
    .fetch_one(conn)
    .await?;
    Ok((rows, n))
}

/// The days `from..=to` of `shops` (only days with a row).
pub async fn days_of(conn: &mut AnyConnection, shops: &[String], (from, to): (&str, &str)) -> Result<Vec<DailyRow>, sqlx::Error> {
    if shops.is_empty() {
        return Ok(Vec::new());
    }
    let mut st = Stmt::new(conn, &format!("SELECT shop_id, day, {} FROM exposure_daily WHERE day >= ", COUNT_COLUMNS.join(", ")));
    st.arg(Val::S(from.into())).sql(" AND day <= ").arg(Val::S(to.into()));
    st.sql(" AND shop_id IN (").list(shops.iter().map(|s| Val::S(s.clone()))).sql(") ORDER BY shop_id, day");
    st.fetch_all(conn).await
}

/// Every shop's rows of days `from..=to` with reveals, searches or orders (the rules' input).
pub async fn days_between(conn: &mut AnyConnection, (from, to): (&str, &str)) -> Result<Vec<DailyRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT shop_id, day, {} FROM exposure_daily WHERE day >= $1 AND day <= $2 ORDER BY shop_id, day", COUNT_COLUMNS.join(", ")))
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await
}

crate::row_struct! {
    /// A shop's name and state.
    #[allow(missing_docs)] // the columns of the same name
    pub struct ShopRow { pub shop_id: String, pub name: String, pub suspended: i64 }
}

/// Names and states of `shops`.
pub async fn shops(conn: &mut AnyConnection, shops: &[String]) -> Result<Vec<ShopRow>, sqlx::Error> {
    if shops.is_empty() {
        return Ok(Vec::new());
    }
    let mut st = Stmt::new(conn, "SELECT shop_id, name, suspended FROM shops WHERE shop_id IN (");
    st.list(shops.iter().map(|s| Val::S(s.clone()))).sql(")");
    st.fetch_all(conn).await
}

crate::row_struct! {
    /// A count per shop (and key).
    #[allow(missing_docs)] // the columns of the same name
    pub struct KeyCount { pub shop_id: String, pub k: String, pub n: i64 }
}

/// Open flags of `shops` for days `from..=to`.
pub async fn open_flag_counts(conn: &mut AnyConnection, shops: &[String], (from, to): (&str, &str)) -> Result<Vec<KeyCount>, sqlx::Error> {
    if shops.is_empty() {
        return Ok(Vec::new());
    }
    let mut st = Stmt::new(conn, "SELECT shop_id, '' AS k, COUNT(*) AS n FROM exposure_flags WHERE status = 'open' AND day >= ");
    st.arg(Val::S(from.into())).sql(" AND day <= ").arg(Val::S(to.into()));
    st.sql(" AND shop_id IN (").list(shops.iter().map(|s| Val::S(s.clone()))).sql(") GROUP BY shop_id");
    st.fetch_all(conn).await
}

// ---------------------------------------------------------------------------------------
// The rules' reads

/// Reveals of `day` per shop at `at` in any of `windows` (`[from, to)` unix seconds).
pub async fn reveals_in(conn: &mut AnyConnection, day: &str, windows: &[(i64, i64)]) -> Result<Vec<KeyCount>, sqlx::Error> {
    let mut st = Stmt::new(conn, "SELECT shop_id, '' AS k, COUNT(*) AS n FROM disclosures WHERE day = ");
    st.arg(Val::S(day.into())).sql(" AND path = 'reveal' AND (1 = 0");
    for (from, to) in windows {
        st.sql(" OR (at >= ").arg(Val::I(*from)).sql(" AND at < ").arg(Val::I(*to)).sql(")");
    }
    st.sql(") GROUP BY shop_id");
    st.fetch_all(conn).await
}

/// Reveals of `day` per shop and account (the audit actor).
pub async fn reveals_by_account(conn: &mut AnyConnection, day: &str) -> Result<Vec<KeyCount>, sqlx::Error> {
    sqlx::query_as("SELECT shop_id, actor_key AS k, COUNT(*) AS n FROM disclosures WHERE day = $1 AND path = 'reveal' GROUP BY shop_id, actor_key")
        .bind(day)
        .fetch_all(conn)
        .await
}

/// Accounts that revealed in days `from..=to`, per shop of `shops`.
pub async fn accounts_revealing(conn: &mut AnyConnection, shops: &[String], (from, to): (&str, &str)) -> Result<Vec<KeyCount>, sqlx::Error> {
    if shops.is_empty() {
        return Ok(Vec::new());
    }
    let mut st = Stmt::new(conn, "SELECT shop_id, '' AS k, COUNT(DISTINCT actor_key) AS n FROM disclosures WHERE path = 'reveal' AND day >= ");
    st.arg(Val::S(from.into())).sql(" AND day <= ").arg(Val::S(to.into()));
    st.sql(" AND shop_id IN (").list(shops.iter().map(|s| Val::S(s.clone()))).sql(") GROUP BY shop_id");
    st.fetch_all(conn).await
}

crate::row_struct! {
    /// An order revealed on a day, and whether anything served its buyer afterwards.
    #[allow(missing_docs)] // the columns of the same name
    pub struct RevealedOrder { pub shop_id: String, pub order_id: String, pub served: i64 }
}

/// Orders revealed on `day`, each once, with `served` = 1 when, by now, the order has shipped
/// (shipped, completed or in after-sales), or the shop sent its buyer an SMS or a message
/// after its first reveal that day.
pub async fn revealed_orders(conn: &mut AnyConnection, day: &str) -> Result<Vec<RevealedOrder>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.shop_id AS shop_id, r.order_id AS order_id, \
           CASE WHEN o.status IN ('shipped', 'completed', 'after_sale') \
                  OR EXISTS (SELECT 1 FROM disclosures s WHERE s.order_id = r.order_id AND s.path = 'sms' AND s.at >= r.first_at) \
                  OR EXISTS (SELECT 1 FROM order_messages m WHERE m.order_id = r.order_id AND m.sender <> 'buyer' AND m.created_at >= r.first_at) \
                THEN 1 ELSE 0 END AS served \
         FROM (SELECT shop_id, order_id, MIN(at) AS first_at FROM disclosures WHERE day = $1 AND path = 'reveal' GROUP BY shop_id, order_id) r \
         LEFT JOIN orders o ON o.order_id = r.order_id \
         ORDER BY r.shop_id, r.order_id",
    )
    .bind(day)
    .fetch_all(conn)
    .await
}

// ---------------------------------------------------------------------------------------
// Flags

crate::row_struct! {
    /// A stored flag.
    #[allow(missing_docs)] // the columns of the same name
    pub struct FlagRow {
        pub id: i64,
        pub shop_id: String,
        pub shop_name: String,
        pub day: String,
        pub rule: String,
        pub measured: i64,
        pub threshold: i64,
        pub details: String,
        pub raised_at: i64,
        pub status: String,
        pub decided_by: Option<String>,
        pub decided_at: Option<i64>,
        pub comment: Option<String>,
    }
}

const FLAG_COLUMNS: &str = "f.id AS id, f.shop_id AS shop_id, COALESCE(s.name, f.shop_id) AS shop_name, f.day AS day, f.rule AS rule, f.measured AS measured, \
    f.threshold AS threshold, f.details AS details, f.raised_at AS raised_at, f.status AS status, f.decided_by AS decided_by, f.decided_at AS decided_at, f.comment AS comment";

/// A flag to raise (or to update while it is open).
#[derive(Clone, Debug)]
pub struct NewFlag {
    /// The shop.
    pub shop_id: String,
    /// The day.
    pub day: String,
    /// The rule's wire name.
    pub rule: &'static str,
    /// What it measured.
    pub measured: i64,
    /// The threshold crossed.
    pub threshold: i64,
    /// Facts (JSON).
    pub details: String,
}

/// Raise `flag`: insert it, or refresh an open one's figures. Returns the id when it is new.
pub async fn raise(conn: &mut AnyConnection, flag: &NewFlag, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let existing: Option<(i64, String)> = sqlx::query_as("SELECT id, status FROM exposure_flags WHERE shop_id = $1 AND day = $2 AND rule = $3")
        .bind(&flag.shop_id)
        .bind(&flag.day)
        .bind(flag.rule)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some((id, status)) = existing {
        if status == "open" {
            sqlx::query("UPDATE exposure_flags SET measured = $1, threshold = $2, details = $3, updated_at = $4 WHERE id = $5")
                .bind(flag.measured)
                .bind(flag.threshold)
                .bind(&flag.details)
                .bind(now)
                .bind(id)
                .execute(conn)
                .await?;
        }
        return Ok(None);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO exposure_flags (shop_id, day, rule, measured, threshold, details, raised_at, updated_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 'open') \
         ON CONFLICT (shop_id, day, rule) DO NOTHING RETURNING id",
    )
    .bind(&flag.shop_id)
    .bind(&flag.day)
    .bind(flag.rule)
    .bind(flag.measured)
    .bind(flag.threshold)
    .bind(&flag.details)
    .bind(now)
    .fetch_optional(conn)
    .await?
    .unwrap_or(0);
    Ok((id > 0).then_some(id))
}

/// One page of flags (newest day first) and their count.
pub async fn flags(conn: &mut AnyConnection, status: Option<&str>, shop: Option<&str>, limit: i64, offset: i64) -> Result<(Vec<FlagRow>, i64), sqlx::Error> {
    let filter = |st: &mut Stmt| {
        if let Some(s) = status {
            st.sql(" AND f.status = ").arg(Val::S(s.into()));
        }
        if let Some(s) = shop {
            st.sql(" AND f.shop_id = ").arg(Val::S(s.into()));
        }
    };
    let mut st = Stmt::new(conn, &format!("SELECT {FLAG_COLUMNS} FROM exposure_flags f LEFT JOIN shops s ON s.shop_id = f.shop_id WHERE 1 = 1"));
    filter(&mut st);
    st.sql(&format!(" ORDER BY f.day DESC, f.id DESC LIMIT {limit} OFFSET {offset}"));
    let rows = st.fetch_all(conn).await?;
    let mut st = Stmt::new(conn, "SELECT f.shop_id AS shop_id, '' AS k, COUNT(*) AS n FROM exposure_flags f WHERE 1 = 1");
    filter(&mut st);
    st.sql(" GROUP BY f.shop_id");
    let counts: Vec<KeyCount> = st.fetch_all(conn).await?;
    Ok((rows, counts.iter().map(|c| c.n).sum()))
}

/// One flag.
pub async fn flag(conn: &mut AnyConnection, id: i64) -> Result<Option<FlagRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {FLAG_COLUMNS} FROM exposure_flags f LEFT JOIN shops s ON s.shop_id = f.shop_id WHERE f.id = $1")).bind(id).fetch_optional(conn).await
}

/// Decide an open flag; false if it was not open any more.
pub async fn decide(conn: &mut AnyConnection, id: i64, status: &str, by: &str, comment: &str, now: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE exposure_flags SET status = $1, decided_by = $2, decided_at = $3, comment = $4, updated_at = $3 WHERE id = $5 AND status = 'open'")
        .bind(status)
        .bind(by)
        .bind(now)
        .bind(comment)
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------
// The rules' thresholds

crate::row_struct! {
    /// The stored rules.
    #[allow(missing_docs)] // the columns of the same name
    pub struct RulesRow { pub rules: String, pub version: i64, pub updated_at: Option<i64>, pub updated_by: Option<String> }
}

/// The stored rules, if an admin ever saved them.
pub async fn rules(conn: &mut AnyConnection) -> Result<Option<RulesRow>, sqlx::Error> {
    sqlx::query_as("SELECT rules, version, updated_at, updated_by FROM exposure_rules WHERE id = 1").fetch_optional(conn).await
}

/// Store the rules if the version is still `expected` (0: none stored yet); false otherwise.
pub async fn set_rules(conn: &mut AnyConnection, rules: &str, expected: i64, now: i64, by: &str) -> Result<bool, sqlx::Error> {
    let n = if expected == 0 {
        sqlx::query("INSERT INTO exposure_rules (id, rules, version, updated_at, updated_by) VALUES (1, $1, 1, $2, $3) ON CONFLICT (id) DO NOTHING")
            .bind(rules)
            .bind(now)
            .bind(by)
            .execute(conn)
            .await?
    } else {
        sqlx::query("UPDATE exposure_rules SET rules = $1, version = version + 1, updated_at = $2, updated_by = $3 WHERE id = 1 AND version = $4")
            .bind(rules)
            .bind(now)
            .bind(by)
            .bind(expected)
            .execute(conn)
            .await?
    };
    Ok(n.rows_affected() == 1)
}
