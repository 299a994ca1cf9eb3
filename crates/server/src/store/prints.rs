//! What printing reads and counts: the waybills of a print grant with their account's sender
//! details and owner, their orders' keys and label fields, and the reprint count.

use sqlx::AnyConnection;

use super::{Stmt, Val};
use super::waybills::texts;


crate::row_struct! {
    /// A waybill as printing checks it, with its account's sender details.
    pub struct PrintRow {
        /// Number.
        pub waybill_no: String,
        /// The waybill's shop.
        pub shop_id: String,
        /// Carrier code.
        pub carrier: String,
        /// Status.
        pub status: String,
        /// Prints so far.
        pub print_count: i64,
        /// Sender name.
        pub sender_name: String,
        /// Sender phone.
        pub sender_phone: String,
        /// Sender address.
        pub sender_address: String,
        /// The account's shop (empty for a factory's account).
        pub account_shop: String,
        /// The account's factory.
        pub account_factory: Option<String>,
    }
}

crate::row_struct! {
    /// An order of a waybill being printed: its state, key and label fields.
    pub struct PrintOrderRow {
        /// Waybill number.
        pub waybill_no: String,
        /// Order id.
        pub order_id: String,
        /// Status.
        pub status: String,
        /// Unix seconds.
        pub completed_at: Option<i64>,
        /// KEK version of the wrapped DEK.
        pub kek_version: i64,
        /// The wrapped DEK (none once shredded).
        pub wrapped_dek: Option<Vec<u8>>,
        /// Items JSON.
        pub items: String,
        /// Name ciphertext.
        pub name_ct: String,
        /// Phone ciphertext.
        pub phone_ct: String,
        /// Address ciphertext.
        pub address_ct: String,
    }
}

/// The waybills `nos` as printing checks them.
pub async fn print_rows(conn: &mut AnyConnection, nos: &[String]) -> Result<Vec<PrintRow>, sqlx::Error> {
    let mut st = Stmt::new(
        conn,
        "SELECT w.waybill_no AS waybill_no, w.shop_id AS shop_id, w.carrier AS carrier, w.status AS status, w.print_count AS print_count, \
         a.sender_name AS sender_name, a.sender_phone AS sender_phone, a.sender_address AS sender_address, COALESCE(a.shop_id, '') AS account_shop, a.factory_id AS account_factory \
         FROM waybills w JOIN waybill_accounts a ON a.id = w.account_id WHERE w.waybill_no IN (",
    );
    st.list(texts(nos)).sql(")");
    st.fetch_all(conn).await
}

/// The orders of the waybills `nos`, by waybill and order.
pub async fn print_orders(conn: &mut AnyConnection, nos: &[String]) -> Result<Vec<PrintOrderRow>, sqlx::Error> {
    let mut st = Stmt::new(
        conn,
        "SELECT wo.waybill_no AS waybill_no, o.order_id AS order_id, o.status AS status, o.completed_at AS completed_at, o.kek_version AS kek_version, \
         o.wrapped_dek AS wrapped_dek, o.items AS items, o.name_ct AS name_ct, o.phone_ct AS phone_ct, o.address_ct AS address_ct \
         FROM waybill_orders wo JOIN orders o ON o.order_id = wo.order_id WHERE wo.waybill_no IN (",
    );
    st.list(texts(nos)).sql(") ORDER BY wo.waybill_no, o.order_id");
    st.fetch_all(conn).await
}

/// Count one print of each of the waybills `nos` that is allocated or printed and under
/// `limit` prints (marking it printed); returns how many were counted.
pub async fn count_prints(conn: &mut AnyConnection, nos: &[String], limit: i64, now: i64) -> Result<u64, sqlx::Error> {
    let mut st = Stmt::new(conn, "UPDATE waybills SET print_count = print_count + 1, status = 'printed', printed_at = ");
    st.arg(Val::I(now)).sql(" WHERE print_count < ").arg(Val::I(limit)).sql(" AND status IN ('allocated', 'printed') AND waybill_no IN (");
    st.list(texts(nos)).sql(")");
    st.execute(conn).await
}
