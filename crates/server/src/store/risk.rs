//! The burst rules' rows: each subject's cool-down (`risk_subjects`) and its counts per
//! second (`risk_counts`).

use std::collections::BTreeSet;

use sqlx::AnyConnection;

use super::{Stmt, Val};

crate::row_struct! {
    /// A subject's cool-down.
    pub struct SubjectRow {
        /// The subject.
        pub subject: String,
        /// End of its cool-down, unix seconds (0: none).
        pub until: i64,
    }
}

/// Lock `subjects`' rows (sorted), creating missing ones, and return their cool-downs.
pub async fn lock_subjects(conn: &mut AnyConnection, subjects: &BTreeSet<String>) -> Result<Vec<SubjectRow>, sqlx::Error> {
    let mut st = Stmt::new(conn, "INSERT INTO risk_subjects (subject, until, reason) VALUES ");
    st.rows(subjects, |s, subject| {
        s.arg(Val::S(subject.clone())).sql(", 0, ''");
    });
    st.sql(" ON CONFLICT (subject) DO UPDATE SET until = risk_subjects.until RETURNING subject AS subject, until AS until");
    st.fetch_all(conn).await
}

crate::row_struct! {
    /// A subject's units in one second.
    pub struct CountRow {
        /// The subject.
        pub subject: String,
        /// The second, unix.
        pub sec: i64,
        /// Units.
        pub n: i64,
    }
}

/// `subjects`' counts of the seconds after `after`.
pub async fn counts_after(conn: &mut AnyConnection, subjects: &BTreeSet<String>, after: i64) -> Result<Vec<CountRow>, sqlx::Error> {
    let mut st = Stmt::new(conn, "SELECT subject AS subject, sec AS sec, n AS n FROM risk_counts WHERE sec > ");
    st.arg(Val::I(after)).sql(" AND subject IN (").list(subjects.iter().map(|s| Val::S(s.clone()))).sql(")");
    st.fetch_all(conn).await
}

/// Start a subject's cool-down.
pub async fn set_cooldown(conn: &mut AnyConnection, subject: &str, until: i64, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE risk_subjects SET until = $1, reason = $2 WHERE subject = $3").bind(until).bind(reason).bind(subject).execute(conn).await?;
    Ok(())
}

/// Add `(subject, second, units)` counts (sorted, so writers lock rows in one order).
pub async fn add_counts(conn: &mut AnyConnection, counts: &[(&str, i64, i64)]) -> Result<(), sqlx::Error> {
    if counts.is_empty() {
        return Ok(());
    }
    let mut st = Stmt::new(conn, "INSERT INTO risk_counts (subject, sec, n) VALUES ");
    st.rows(counts, |s, (subject, sec, n)| {
        s.arg(Val::S((*subject).to_string())).sql(", ").arg(Val::I(*sec)).sql(", ").arg(Val::I(*n));
    });
    st.sql(" ON CONFLICT (subject, sec) DO UPDATE SET n = risk_counts.n + excluded.n");
    st.execute(conn).await?;
    Ok(())
}

/// Drop `subjects`' counts of the seconds before `before`.
pub async fn prune_subjects(conn: &mut AnyConnection, subjects: &BTreeSet<&str>, before: i64) -> Result<(), sqlx::Error> {
    let mut st = Stmt::new(conn, "DELETE FROM risk_counts WHERE sec < ");
    st.arg(Val::I(before)).sql(" AND subject IN (").list(subjects.iter().map(|s| Val::S((*s).to_string()))).sql(")");
    st.execute(conn).await?;
    Ok(())
}

/// Drop every count of the seconds before `before`.
pub async fn prune_all(conn: &mut AnyConnection, before: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM risk_counts WHERE sec < $1").bind(before).execute(conn).await?;
    Ok(())
}

crate::row_struct! {
    /// A cool-down's end.
    struct Until {
        until: i64,
    }
}

/// A subject's cool-down end (0 when it has no row), read without locking.
pub async fn cooling_until(conn: &mut AnyConnection, subject: &str) -> Result<i64, sqlx::Error> {
    let row: Option<Until> = sqlx::query_as("SELECT until AS until FROM risk_subjects WHERE subject = $1").bind(subject).fetch_optional(conn).await?;
    Ok(row.map_or(0, |r| r.until))
}
