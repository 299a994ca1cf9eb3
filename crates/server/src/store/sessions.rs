//! Login sessions: created at log-in, read on every cookie request, ended by log-out,
//! a disabled account or a password reset.

use sqlx::{Any, AnyConnection, Executor};

crate::row_struct! {
    /// A session's user, as the session extractor loads it.
    #[allow(missing_docs)] // the columns of the same name
    pub struct SessionUserRow {
        pub id: i64,
        pub username: String,
        pub role: String,
        pub shop_id: Option<String>,
        pub factory_id: Option<String>,
        pub permissions: String,
        pub disabled: i64,
        pub csrf_token: String,
        pub expires_at: i64,
        pub last_seen_at: i64,
        pub idle_secs: i64,
        pub factory_suspended: i64,
    }
}

/// The user of the session whose token digest is `token_hash`.
pub async fn user_of<'e, E: Executor<'e, Database = Any>>(ex: E, token_hash: &str) -> Result<Option<SessionUserRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id AS id, u.username AS username, u.role AS role, u.shop_id AS shop_id, u.factory_id AS factory_id, u.permissions AS permissions, \
         u.disabled AS disabled, s.csrf_token AS csrf_token, s.expires_at AS expires_at, s.last_seen_at AS last_seen_at, \
         (SELECT p.session_idle_secs FROM platform_settings p WHERE p.id = 1) AS idle_secs, \
         COALESCE((SELECT f.suspended FROM factories f WHERE f.factory_id = u.factory_id), 0) AS factory_suspended \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(ex)
    .await
}

/// Store a new session.
pub async fn insert<'e, E: Executor<'e, Database = Any>>(ex: E, token_hash: &str, user_id: i64, csrf_token: &str, created_at: i64, expires_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(created_at)
        .bind(expires_at)
        .execute(ex)
        .await?;
    Ok(())
}

/// End the session of `user_id` with this CSRF token (log-out).
pub async fn delete<'e, E: Executor<'e, Database = Any>>(ex: E, user_id: i64, csrf_token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND csrf_token = $2").bind(user_id).bind(csrf_token).execute(ex).await?;
    Ok(())
}

/// End every session of `user_id`; returns how many.
pub async fn delete_for_user(conn: &mut AnyConnection, user_id: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(conn).await?.rows_affected())
}

/// End every session of `user_id` but the one with this CSRF token (a password change);
/// returns how many.
pub async fn delete_others(conn: &mut AnyConnection, user_id: i64, keep_csrf_token: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND csrf_token <> $2").bind(user_id).bind(keep_csrf_token).execute(conn).await?.rows_affected())
}

crate::row_struct! {
    /// A stored login lock.
    #[allow(missing_docs)] // the columns of the same name
    pub struct LoginLockRow {
        pub subject: String,
        pub locked_until: i64,
    }
}

/// The longest stored login lock in force at `now` of either subject (`account:<name>`,
/// `address:<ip>`).
pub async fn login_lock<'e, E: Executor<'e, Database = Any>>(ex: E, subjects: &[String; 2], now: i64) -> Result<Option<LoginLockRow>, sqlx::Error> {
    let row: Option<LoginLockRow> = sqlx::query_as("SELECT subject, locked_until FROM login_locks WHERE subject IN ($1, $2) AND locked_until > $3 ORDER BY locked_until DESC LIMIT 1")
        .bind(&subjects[0])
        .bind(&subjects[1])
        .bind(now)
        .fetch_optional(ex)
        .await?;
    Ok(row)
}

/// Store a login lock (or lengthen one).
pub async fn set_login_lock(conn: &mut AnyConnection, subject: &str, until: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_locks (subject, locked_until) VALUES ($1, $2) \
         ON CONFLICT (subject) DO UPDATE SET locked_until = CASE WHEN excluded.locked_until > login_locks.locked_until THEN excluded.locked_until ELSE login_locks.locked_until END",
    )
    .bind(subject)
    .bind(until)
    .execute(conn)
    .await?;
    Ok(())
}

/// Note that the session was used at `now` (the idle timeout counts from here).
pub async fn touch<'e, E: Executor<'e, Database = Any>>(ex: E, token_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1").bind(now).bind(token_hash).execute(ex).await?;
    Ok(())
}

/// What a purge removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Sessions past their end or idle too long.
    pub sessions: u64,
    /// ISV access and refresh tokens past their end.
    pub isv_tokens: u64,
    /// Login locks that ended.
    pub login_locks: u64,
}

/// Delete what has ended by `now`: sessions past `expires_at` or unused for the idle timeout
/// in force, expired ISV tokens, ended login locks.
pub async fn purge(conn: &mut AnyConnection, now: i64) -> Result<Purged, sqlx::Error> {
    let sessions = sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= $1 \
         OR last_seen_at <= $1 - (SELECT p.session_idle_secs FROM platform_settings p WHERE p.id = 1)",
    )
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let isv_tokens = sqlx::query("DELETE FROM isv_tokens WHERE expires_at <= $1").bind(now).execute(&mut *conn).await?.rows_affected();
    let login_locks = sqlx::query("DELETE FROM login_locks WHERE locked_until <= $1").bind(now).execute(&mut *conn).await?.rows_affected();
    Ok(Purged { sessions, isv_tokens, login_locks })
}
