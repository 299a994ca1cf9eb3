//! Factories, their accounts, bindings to shops, assignments of orders and product rules
//! (厂商代发). No receiver data: the factory's list reads masks and receiver keys only.

use sqlx::{Any, AnyConnection, Executor};

use super::{Stmt, Val};

crate::row_struct! {
    /// A factory.
    #[allow(missing_docs)] // the columns of the same name
    pub struct FactoryRow { pub factory_id: String, pub name: String, pub suspended: i64, pub created_at: i64 }
}

/// Every factory, by id.
pub async fn factories<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Vec<FactoryRow>, sqlx::Error> {
    sqlx::query_as("SELECT factory_id, name, suspended, created_at FROM factories ORDER BY factory_id").fetch_all(ex).await
}

/// One factory.
pub async fn factory<'e, E: Executor<'e, Database = Any>>(ex: E, id: &str) -> Result<Option<FactoryRow>, sqlx::Error> {
    sqlx::query_as("SELECT factory_id, name, suspended, created_at FROM factories WHERE factory_id = $1").bind(id).fetch_optional(ex).await
}

/// Insert a factory; false if the id exists.
pub async fn insert_factory(conn: &mut AnyConnection, id: &str, name: &str, now: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("INSERT INTO factories (factory_id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (factory_id) DO NOTHING")
        .bind(id)
        .bind(name)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Suspend or resume a factory; false if there is no such factory.
pub async fn set_factory_suspended(conn: &mut AnyConnection, id: &str, suspended: bool) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE factories SET suspended = $1 WHERE factory_id = $2").bind(i64::from(suspended)).bind(id).execute(conn).await?;
    Ok(r.rows_affected() == 1)
}

/// Insert a factory account (`factory` owner or `factory_staff`); returns its id.
pub async fn insert_user(conn: &mut AnyConnection, username: &str, password_hash: &str, role: &str, factory: &str, permissions: &str, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, role, shop_id, factory_id, permissions, disabled, created_at) \
         VALUES ($1, $2, $3, NULL, $4, $5, 0, $6) RETURNING id",
    )
    .bind(username)
    .bind(password_hash)
    .bind(role)
    .bind(factory)
    .bind(permissions)
    .bind(now)
    .fetch_one(conn)
    .await
}

// ---------------------------------------------------------------------------------------
// Bindings

crate::row_struct! {
    /// A binding with both names and its open assignments.
    #[allow(missing_docs)] // the columns of the same name
    pub struct BindingRow {
        pub id: i64,
        pub shop_id: String,
        pub shop_name: String,
        pub factory_id: String,
        pub factory_name: String,
        pub status: String,
        pub invited_by: String,
        pub invited_at: i64,
        pub decided_at: Option<i64>,
        pub ended_at: Option<i64>,
        pub ended_by: Option<String>,
        pub open_assignments: i64,
    }
}

const BINDING_SELECT: &str = "SELECT b.id, b.shop_id, s.name AS shop_name, b.factory_id, f.name AS factory_name, b.status, b.invited_by, b.invited_at, \
     b.decided_at, b.ended_at, b.ended_by, \
     (SELECT COUNT(*) FROM assignments a WHERE a.binding_id = b.id AND a.status = 'assigned') AS open_assignments \
     FROM factory_bindings b JOIN shops s ON s.shop_id = b.shop_id JOIN factories f ON f.factory_id = b.factory_id";

/// One binding.
pub async fn binding<'e, E: Executor<'e, Database = Any>>(ex: E, id: i64) -> Result<Option<BindingRow>, sqlx::Error> {
    sqlx::query_as(&format!("{BINDING_SELECT} WHERE b.id = $1")).bind(id).fetch_optional(ex).await
}

/// A shop's bindings (`shop` given) or a factory's, newest first.
pub async fn bindings<'e, E: Executor<'e, Database = Any>>(ex: E, shop: Option<&str>, factory: Option<&str>) -> Result<Vec<BindingRow>, sqlx::Error> {
    let sql = format!("{BINDING_SELECT} WHERE ($1 IS NULL OR b.shop_id = $1) AND ($2 IS NULL OR b.factory_id = $2) ORDER BY b.id DESC LIMIT 500");
    sqlx::query_as(&sql).bind(shop).bind(factory).fetch_all(ex).await
}

/// The live (invited or active) binding of a shop and a factory: `(id, status)`.
pub async fn live_binding(conn: &mut AnyConnection, shop: &str, factory: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, status FROM factory_bindings WHERE shop_id = $1 AND factory_id = $2 AND status IN ('invited', 'active')")
        .bind(shop)
        .bind(factory)
        .fetch_optional(conn)
        .await
}

/// Insert an invitation; returns its id.
pub async fn insert_binding(conn: &mut AnyConnection, shop: &str, factory: &str, by: &str, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO factory_bindings (shop_id, factory_id, status, invited_by, invited_at) VALUES ($1, $2, 'invited', $3, $4) RETURNING id")
        .bind(shop)
        .bind(factory)
        .bind(by)
        .bind(now)
        .fetch_one(conn)
        .await
}

/// Move a binding from `from` to `to` (accepted, declined: `decided_*`; ended: `ended_*`);
/// false if it was not in `from`.
pub async fn set_binding(conn: &mut AnyConnection, id: i64, from: &str, to: &str, by: &str, now: i64) -> Result<bool, sqlx::Error> {
    let sql = if to == "ended" {
        "UPDATE factory_bindings SET status = $3, ended_by = $4, ended_at = $5 WHERE id = $1 AND status = $2"
    } else {
        "UPDATE factory_bindings SET status = $3, decided_by = $4, decided_at = $5 WHERE id = $1 AND status = $2"
    };
    let r = sqlx::query(sql).bind(id).bind(from).bind(to).bind(by).bind(now).execute(conn).await?;
    Ok(r.rows_affected() == 1)
}

/// The active binding of a shop and a factory, locked for the assignment's transaction.
pub async fn active_binding(conn: &mut AnyConnection, shop: &str, factory: &str) -> Result<Option<i64>, sqlx::Error> {
    let lock = if conn.backend_name().eq_ignore_ascii_case("sqlite") { "" } else { " FOR UPDATE" };
    sqlx::query_scalar(&format!("SELECT id FROM factory_bindings WHERE shop_id = $1 AND factory_id = $2 AND status = 'active'{lock}"))
        .bind(shop)
        .bind(factory)
        .fetch_optional(conn)
        .await
}

// ---------------------------------------------------------------------------------------
// Assignments

crate::row_struct! {
    /// What decides whether an order of the shop can be assigned.
    #[allow(missing_docs)] // the columns of the same name
    pub struct AssignableRow { pub order_id: String, pub status: String, pub shredded: i64, pub assigned_to: Option<String> }
}

/// The shop's orders among `ids` with their state and live assignment.
pub async fn assignable(conn: &mut AnyConnection, shop: &str, ids: &[String]) -> Result<Vec<AssignableRow>, sqlx::Error> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut st = Stmt::new(
            conn,
            "SELECT o.order_id, o.status, CASE WHEN o.wrapped_dek IS NULL THEN 1 ELSE 0 END AS shredded, a.factory_id AS assigned_to \
             FROM orders o LEFT JOIN assignments a ON a.order_id = o.order_id AND a.status = 'assigned' WHERE o.shop_id = ",
        );
        st.arg(Val::S(shop.into())).sql(" AND o.order_id IN (").list(chunk.iter().map(|i| Val::S(i.clone()))).sql(")");
        out.extend(st.fetch_all::<AssignableRow>(conn).await?);
    }
    Ok(out)
}

/// What one assignment row records.
pub struct NewAssignment<'a> {
    /// The shop.
    pub shop: &'a str,
    /// The factory.
    pub factory: &'a str,
    /// Its active binding.
    pub binding: i64,
    /// `selection`, `filter` or `rule`.
    pub how: &'a str,
    /// Who.
    pub by: &'a str,
    /// When.
    pub now: i64,
}

/// Assign `ids` (multi-row inserts). A concurrent assignment of the same order fails on the
/// unique index of live assignments.
pub async fn insert_assignments(conn: &mut AnyConnection, ids: &[String], a: &NewAssignment<'_>) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(500) {
        let mut st = Stmt::new(conn, "INSERT INTO assignments (order_id, shop_id, factory_id, binding_id, status, how, assigned_by, assigned_at) VALUES ");
        st.rows(chunk, |s, id| {
            s.list([
                Val::S(id.clone()),
                Val::S(a.shop.into()),
                Val::S(a.factory.into()),
                Val::I(a.binding),
                Val::S("assigned".into()),
                Val::S(a.how.into()),
                Val::S(a.by.into()),
                Val::I(a.now),
            ]);
        });
        st.query()?.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The orders among `ids` of `shop` with a live assignment: `(order id, factory)`.
pub async fn live_of(conn: &mut AnyConnection, shop: &str, ids: &[String]) -> Result<Vec<(String, String)>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut st = Stmt::new(conn, "SELECT order_id, factory_id FROM assignments WHERE status = 'assigned' AND shop_id = ");
        st.arg(Val::S(shop.into())).sql(" AND order_id IN (").list(chunk.iter().map(|i| Val::S(i.clone()))).sql(")");
        out.extend(st.fetch_all::<(String, String)>(conn).await?);
    }
    Ok(out)
}

/// End the live assignments of `ids` of `shop` as `to` (`recalled` or `shipped`); returns how
/// many.
pub async fn end_assignments(conn: &mut AnyConnection, shop: &str, ids: &[String], to: &str, by: &str, now: i64) -> Result<u64, sqlx::Error> {
    let mut n = 0;
    for chunk in ids.chunks(500) {
        let mut st = Stmt::new(conn, "UPDATE assignments SET status = ");
        st.arg(Val::S(to.into())).sql(", ended_by = ").arg(Val::S(by.into())).sql(", ended_at = ").arg(Val::I(now));
        st.sql(" WHERE status = 'assigned' AND shop_id = ").arg(Val::S(shop.into()));
        st.sql(" AND order_id IN (").list(chunk.iter().map(|i| Val::S(i.clone()))).sql(")");
        n += st.query()?.execute(&mut *conn).await?.rows_affected();
    }
    Ok(n)
}

/// Recall every live assignment of a binding; returns the order ids.
pub async fn recall_binding(conn: &mut AnyConnection, binding: i64, by: &str, now: i64) -> Result<Vec<String>, sqlx::Error> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT order_id FROM assignments WHERE binding_id = $1 AND status = 'assigned' ORDER BY order_id")
        .bind(binding)
        .fetch_all(&mut *conn)
        .await?;
    sqlx::query("UPDATE assignments SET status = 'recalled', ended_by = $2, ended_at = $3 WHERE binding_id = $1 AND status = 'assigned'")
        .bind(binding)
        .bind(by)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(ids)
}

crate::row_struct! {
    /// The assignment an order view shows.
    #[allow(missing_docs)] // the columns of the same name
    pub struct OrderAssignmentRow { pub order_id: String, pub factory_id: String, pub factory_name: String, pub status: String, pub assigned_at: i64 }
}

/// The live or shipped assignment of each of `ids`.
pub async fn of_orders(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<OrderAssignmentRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut st = Stmt::new(
        conn,
        "SELECT a.order_id, a.factory_id, f.name AS factory_name, a.status, a.assigned_at FROM assignments a JOIN factories f ON f.factory_id = a.factory_id \
         WHERE a.status IN ('assigned', 'shipped') AND a.order_id IN (",
    );
    st.list(ids.iter().map(|i| Val::S(i.clone()))).sql(")");
    st.fetch_all(conn).await
}

crate::row_struct! {
    /// One order of a factory's list: masks and keys to merge by, never ciphertext.
    #[allow(missing_docs)] // the columns of the same name
    pub struct FactoryOrderRow {
        pub order_id: String,
        pub shop_id: String,
        pub shop_name: String,
        pub status: String,
        pub created_at: i64,
        pub items: String,
        pub name_masked: String,
        pub phone_masked: String,
        pub address_masked: String,
        pub receiver_key: String,
        pub assignment: String,
        pub assigned_at: i64,
        pub carrier: Option<String>,
        pub tracking_no: Option<String>,
        pub shipped_at: Option<i64>,
        pub waybill_no: Option<String>,
    }
}

/// What a factory's list is filtered by.
#[derive(Clone, Debug, Default)]
pub struct FactoryFilter {
    /// The factory.
    pub factory: String,
    /// One shop.
    pub shop: Option<String>,
    /// `assigned` or `shipped`.
    pub status: String,
    /// One order.
    pub order_id: Option<String>,
}

impl FactoryFilter {
    fn push_where(&self, st: &mut Stmt) {
        st.sql(" WHERE a.factory_id = ").arg(Val::S(self.factory.clone())).sql(" AND a.status = ").arg(Val::S(self.status.clone()));
        if let Some(s) = &self.shop {
            st.sql(" AND a.shop_id = ").arg(Val::S(s.clone()));
        }
        if let Some(o) = &self.order_id {
            st.sql(" AND a.order_id = ").arg(Val::S(o.clone()));
        }
    }
}

/// A page of a factory's orders, newest assignment first.
pub async fn factory_orders(conn: &mut AnyConnection, f: &FactoryFilter, limit: i64, offset: i64) -> Result<Vec<FactoryOrderRow>, sqlx::Error> {
    let mut st = Stmt::new(
        conn,
        "SELECT o.order_id, o.shop_id, s.name AS shop_name, o.status, o.created_at, o.items, o.name_masked, o.phone_masked, o.address_masked, \
         o.receiver_key, a.status AS assignment, a.assigned_at, o.carrier, o.tracking_no, o.shipped_at, \
         (SELECT wo.waybill_no FROM waybill_orders wo WHERE wo.order_id = o.order_id AND wo.live = 1) AS waybill_no \
         FROM assignments a JOIN orders o ON o.order_id = a.order_id JOIN shops s ON s.shop_id = a.shop_id",
    );
    f.push_where(&mut st);
    st.sql(" ORDER BY a.assigned_at DESC, a.id DESC LIMIT ").arg(Val::I(limit)).sql(" OFFSET ").arg(Val::I(offset));
    st.fetch_all(conn).await
}

/// How many orders a factory's filter matches.
pub async fn factory_order_count(conn: &mut AnyConnection, f: &FactoryFilter) -> Result<i64, sqlx::Error> {
    let mut st = Stmt::new(conn, "SELECT COUNT(*) FROM assignments a");
    f.push_where(&mut st);
    let (n,): (i64,) = st.fetch_one(conn).await?;
    Ok(n)
}

/// The orders among `ids` assigned (live) to `factory`: `(order id, shop)`.
pub async fn assigned_to(conn: &mut AnyConnection, factory: &str, ids: &[String]) -> Result<Vec<(String, String)>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut st = Stmt::new(conn, "SELECT order_id, shop_id FROM assignments WHERE status = 'assigned' AND factory_id = ");
        st.arg(Val::S(factory.into())).sql(" AND order_id IN (").list(chunk.iter().map(|i| Val::S(i.clone()))).sql(")");
        out.extend(st.fetch_all::<(String, String)>(conn).await?);
    }
    Ok(out)
}

/// The live (allocated or printed) waybills of `factory`'s accounts that carry any of `ids`:
/// `(waybill no, account id)`, each once.
pub async fn factory_live_waybills_of(conn: &mut AnyConnection, factory: &str, ids: &[String]) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut st = Stmt::new(
            conn,
            "SELECT DISTINCT w.waybill_no, w.account_id FROM waybill_orders o JOIN waybills w ON w.waybill_no = o.waybill_no \
             JOIN waybill_accounts a ON a.id = w.account_id WHERE o.live = 1 AND a.factory_id = ",
        );
        st.arg(Val::S(factory.into())).sql(" AND o.order_id IN (").list(chunk.iter().map(|i| Val::S(i.clone()))).sql(")");
        out.extend(st.fetch_all::<(String, i64)>(conn).await?);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Mark the live assignments of `ids` to `factory` shipped, and the orders shipped by it.
pub async fn factory_shipped(conn: &mut AnyConnection, factory: &str, ids: &[String], by: &str, now: i64) -> Result<u64, sqlx::Error> {
    let mut n = 0;
    for chunk in ids.chunks(500) {
        let mut st = Stmt::new(conn, "UPDATE assignments SET status = 'shipped', ended_by = ");
        st.arg(Val::S(by.into())).sql(", ended_at = ").arg(Val::I(now)).sql(" WHERE status = 'assigned' AND factory_id = ").arg(Val::S(factory.into()));
        st.sql(" AND order_id IN (").list(chunk.iter().map(|i| Val::S(i.clone()))).sql(")");
        n += st.query()?.execute(&mut *conn).await?.rows_affected();
        let mut st = Stmt::new(conn, "UPDATE orders SET shipped_by_factory = ");
        st.arg(Val::S(factory.into())).sql(" WHERE order_id IN (").list(chunk.iter().map(|i| Val::S(i.clone()))).sql(")");
        st.query()?.execute(&mut *conn).await?;
    }
    Ok(n)
}

// ---------------------------------------------------------------------------------------
// Product rules

crate::row_struct! {
    /// A product rule with its factory's name.
    #[allow(missing_docs)] // the columns of the same name
    pub struct RuleRow { pub sku: String, pub factory_id: String, pub factory_name: String, pub created_by: String, pub created_at: i64 }
}

/// A shop's rules, by SKU.
pub async fn rules<'e, E: Executor<'e, Database = Any>>(ex: E, shop: &str) -> Result<Vec<RuleRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.sku, r.factory_id, f.name AS factory_name, r.created_by, r.created_at FROM assignment_rules r \
         JOIN factories f ON f.factory_id = r.factory_id WHERE r.shop_id = $1 ORDER BY r.sku",
    )
    .bind(shop)
    .fetch_all(ex)
    .await
}

/// Set (or replace) the rule of a SKU.
pub async fn set_rule(conn: &mut AnyConnection, shop: &str, sku: &str, factory: &str, by: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO assignment_rules (shop_id, sku, factory_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (shop_id, sku) DO UPDATE SET factory_id = excluded.factory_id, created_by = excluded.created_by, created_at = excluded.created_at",
    )
    .bind(shop)
    .bind(sku)
    .bind(factory)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Delete a rule; false if there was none.
pub async fn delete_rule(conn: &mut AnyConnection, shop: &str, sku: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM assignment_rules WHERE shop_id = $1 AND sku = $2").bind(shop).bind(sku).execute(conn).await?.rows_affected() == 1)
}

/// The rules of `shop` whose factory is bound (active) and not suspended: `(sku, factory,
/// binding)`.
pub async fn live_rules(conn: &mut AnyConnection, shop: &str) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.sku, r.factory_id, b.id FROM assignment_rules r JOIN factory_bindings b \
         ON b.shop_id = r.shop_id AND b.factory_id = r.factory_id AND b.status = 'active' \
         JOIN factories f ON f.factory_id = r.factory_id AND f.suspended = 0 WHERE r.shop_id = $1",
    )
    .bind(shop)
    .fetch_all(conn)
    .await
}

/// The staff accounts of `factory`, by id.
pub async fn factory_staff<'e, E: Executor<'e, Database = Any>>(ex: E, factory: &str) -> Result<Vec<super::users::StaffRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, username, permissions, disabled, created_at FROM users WHERE role = 'factory_staff' AND factory_id = $1 ORDER BY id")
        .bind(factory)
        .fetch_all(ex)
        .await
}

/// Of the waybills `nos`, those allocated from `factory`'s accounts.
pub async fn factory_waybill_nos(conn: &mut AnyConnection, factory: &str, nos: &[String]) -> Result<Vec<String>, sqlx::Error> {
    let mut st = Stmt::new(conn, "SELECT w.waybill_no FROM waybills w JOIN waybill_accounts a ON a.id = w.account_id WHERE a.factory_id = ");
    st.arg(Val::S(factory.into())).sql(" AND w.waybill_no IN (").list(nos.iter().map(|n| Val::S(n.clone()))).sql(")");
    let rows: Vec<(String,)> = st.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// The waybills allocated from `factory`'s accounts, newest first.
pub async fn factory_waybill_nos_all(conn: &mut AnyConnection, factory: &str, status: Option<&str>, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    let mut st = Stmt::new(conn, "SELECT w.waybill_no FROM waybills w JOIN waybill_accounts a ON a.id = w.account_id WHERE a.factory_id = ");
    st.arg(Val::S(factory.into()));
    if let Some(s) = status {
        st.sql(" AND w.status = ").arg(Val::S(s.into()));
    }
    st.sql(" ORDER BY w.allocated_at DESC, w.waybill_no DESC LIMIT ").arg(Val::I(limit));
    let rows: Vec<(String,)> = st.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// Staff account `id` of `factory`, if it is one.
pub async fn factory_staff_member(conn: &mut AnyConnection, factory: &str, id: i64) -> Result<Option<super::users::StaffRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, username, permissions, disabled, created_at FROM users WHERE id = $1 AND role = 'factory_staff' AND factory_id = $2")
        .bind(id)
        .bind(factory)
        .fetch_optional(conn)
        .await
}
