//! The schema: one migration script per change, rendered per backend (`{{ID}}`, `{{BLOB}}`)
//! and applied in order at start.

use sqlx::Executor as _;

use super::{Backend, Db};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../migrations/0001_init.sql")),
    (2, "reveal_rate", include_str!("../../migrations/0002_reveal_rate.sql")),
    (3, "isv", include_str!("../../migrations/0003_isv.sql")),
    (4, "quota_applications", include_str!("../../migrations/0004_quota_applications.sql")),
    (5, "platform_settings", include_str!("../../migrations/0005_platform_settings.sql")),
    (6, "shipping", include_str!("../../migrations/0006_shipping.sql")),
    (7, "exports", include_str!("../../migrations/0007_exports.sql")),
    (8, "waybills", include_str!("../../migrations/0008_waybills.sql")),
    (9, "side_doors", include_str!("../../migrations/0009_side_doors.sql")),
    (10, "accounts", include_str!("../../migrations/0010_accounts.sql")),
    (11, "one_live_waybill", include_str!("../../migrations/0011_one_live_waybill.sql")),
    (12, "key_checks", include_str!("../../migrations/0012_key_checks.sql")),
    (13, "retention", include_str!("../../migrations/0013_retention.sql")),
    (14, "keyed_audit", include_str!("../../migrations/0014_keyed_audit.sql")),
    (15, "kek_versions", include_str!("../../migrations/0015_kek_versions.sql")),
    (16, "dropshipping", include_str!("../../migrations/0016_dropshipping.sql")),
    (17, "factory_apps", include_str!("../../migrations/0017_factory_apps.sql")),
    (18, "sms", include_str!("../../migrations/0018_sms.sql")),
    (19, "virtual_numbers", include_str!("../../migrations/0019_virtual_numbers.sql")),
    (20, "order_messages", include_str!("../../migrations/0020_order_messages.sql")),
    (21, "disclosures", include_str!("../../migrations/0021_disclosures.sql")),
];

impl Db {
    /// Apply pending migrations. Safe to run from several processes at once on PostgreSQL
    /// (an advisory lock serializes them).
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        self.migrate_until(i64::MAX).await
    }

    /// Apply pending migrations up to version `last`: the upgrade tests stop at an earlier
    /// schema, write rows as an older release did, and then migrate the rest.
    pub async fn migrate_until(&self, last: i64) -> Result<(), sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        // SQLite changes a column's constraints by rebuilding the table, which the foreign
        // keys of other tables must not stop (SQLite's documented procedure: off outside the
        // transaction, on again after it).
        if self.backend == Backend::Sqlite {
            conn.execute("PRAGMA foreign_keys = OFF").await?;
        }
        let done = self.migrate_on(&mut conn, last).await;
        if self.backend == Backend::Sqlite {
            conn.execute("PRAGMA foreign_keys = ON").await?;
        }
        done
    }

    async fn migrate_on(&self, conn: &mut sqlx::AnyConnection, last: i64) -> Result<(), sqlx::Error> {
        use sqlx::Connection as _;
        let mut tx = conn.begin().await?;
        if self.backend == Backend::Postgres {
            tx.execute("SELECT pg_advisory_xact_lock(7140001)").await?;
        }
        tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)").await?;
        for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 <= last) {
            let done: Option<(i64,)> = sqlx::query_as("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_some() {
                continue;
            }
            let (id, blob) = match self.backend {
                Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
                Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "BYTEA"),
            };
            let rendered = render(sql, self.backend).replace("{{ID}}", id).replace("{{BLOB}}", blob);
            sqlx::raw_sql(&rendered).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)").bind(version).bind(*name).execute(&mut *tx).await?;
            tracing::info!(version, name, "applied migration");
        }
        tx.commit().await
    }

}

/// A migration's text for `backend`: a line `-- sqlite: SQL` is `SQL` on SQLite only, a line
/// `-- postgres: SQL` on PostgreSQL only (elsewhere they stay comments).
fn render(sql: &str, backend: Backend) -> String {
    let mine = match backend {
        Backend::Sqlite => "-- sqlite: ",
        Backend::Postgres => "-- postgres: ",
    };
    sql.lines().map(|l| l.strip_prefix(mine).unwrap_or(l)).collect::<Vec<_>>().join("\n")
}
