//! An online copy of a SQLite store.

use crate::store::{Backend, Db};

/// Write a consistent copy of the SQLite store to `to` while it serves: `VACUUM INTO` runs in
/// one read transaction (a snapshot of every committed write, none half-applied), compacts as
/// it copies, and does not block the writer (WAL mode). `to` must not exist.
pub async fn sqlite_copy(db: &Db, to: &str) -> Result<(), sqlx::Error> {
    debug_assert_eq!(db.backend, Backend::Sqlite);
    let mut conn = db.connect_one().await?;
    sqlx::query("VACUUM INTO $1").bind(to).execute(&mut conn).await?;
    Ok(())
}
