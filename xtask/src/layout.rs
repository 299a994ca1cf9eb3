//! The layout invariants, checked by `cargo xtask test` (and alone by `cargo xtask layout`):
//!
//! * **SQL only in the store.** No `sqlx::query…` call and no SQL statement text
//!   (`SELECT … FROM`, `INSERT INTO`, `UPDATE … SET`, `DELETE FROM`) in the server outside
//!   `crates/server/src/store/` and `crates/server/migrations/`. Tests (`tests/`, and
//!   `#[cfg(test)]` modules from their first line to the end of the file) and the benchmark
//!   harness (`benches/`: it creates throw-away PostgreSQL databases and reads the server's
//!   backend pids) may poke the database directly.
//! * **Small files.** No Rust source file over [`MAX_LINES`] lines, not counting a trailing
//!   `#[cfg(test)]` module; integration tests (`tests/`) are exempt.

use std::fs;
use std::path::{Path, PathBuf};

use crate::{Result, root};

/// The longest a source file may be, tests aside.
pub(crate) const MAX_LINES: usize = 600;

/// Where the Rust sources live (relative to the workspace root).
const SOURCE_ROOTS: &[&str] = &["crates", "web/src", "xtask/src", "tests"];

/// Check the workspace; an error lists every violation.
pub(crate) fn check_layout() -> Result {
    let root = root();
    let mut files = Vec::new();
    for dir in SOURCE_ROOTS {
        rust_files(&root.join(dir), &mut files)?;
    }
    let mut problems = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&root).unwrap_or(file).to_string_lossy().replace('\\', "/");
        let text = fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        problems.extend(check_file(&rel, &text));
    }
    if problems.is_empty() {
        println!("layout: {} Rust files checked: SQL only in crates/server/src/store/, none over {MAX_LINES} lines", files.len());
        Ok(())
    } else {
        Err(format!("layout invariants broken:\n  {}", problems.join("\n  ")))
    }
}

/// Every `.rs` file under `dir`, skipping build output and generated packages.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if path.is_dir() {
            if !matches!(name, "target" | "pkg" | "pkg-bundler" | "node_modules" | "fuzz") {
                rust_files(&path, out)?;
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

/// The violations in one file (`rel`: its path from the workspace root, `/`-separated).
fn check_file(rel: &str, text: &str) -> Vec<String> {
    let is_test_file = rel.split('/').any(|p| p == "tests");
    // The part that is not a trailing test module.
    let code: Vec<&str> = text.lines().take_while(|l| l.trim() != "#[cfg(test)]").collect();
    let mut problems = Vec::new();
    if !is_test_file && code.len() > MAX_LINES {
        problems.push(format!("{rel}: {} lines (tests aside), more than {MAX_LINES}", code.len()));
    }
    let is_harness = is_test_file || rel.split('/').any(|p| p == "benches");
    let in_server = rel.starts_with("crates/server/") && !is_harness;
    let in_store = rel.starts_with("crates/server/src/store/") || rel.starts_with("crates/server/migrations/");
    if in_server && !in_store {
        for (i, line) in code.iter().enumerate() {
            if let Some(what) = sql_in(line) {
                problems.push(format!("{rel}:{}: {what} outside crates/server/src/store/", i + 1));
            }
        }
    }
    problems
}

/// Does `line` run or hold SQL? Comments are not code.
fn sql_in(line: &str) -> Option<&'static str> {
    let code = line.trim_start();
    if code.starts_with("//") {
        return None;
    }
    if code.contains("sqlx::query") {
        return Some("a sqlx::query call");
    }
    // SQL here is written in capitals; prose in capitals is not.
    let statement = ["SELECT ", "INSERT INTO ", "UPDATE ", "DELETE FROM "].iter().any(|kw| {
        code.match_indices(kw).any(|(at, _)| {
            // Inside a string literal: an odd number of quotes before it.
            let quoted = code[..at].matches('"').count() % 2 == 1;
            quoted && (*kw != "UPDATE " || code[at..].contains(" SET ") || code.trim_end().ends_with('\\'))
        })
    });
    statement.then_some("an SQL statement")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_outside_the_store_is_found() {
        let handler = "fn f() {\n    sqlx::query(\"SELECT 1\").execute(&pool);\n}\n";
        assert_eq!(check_file("crates/server/src/orders.rs", handler).len(), 1);
        let text = "let q = \"SELECT id FROM orders WHERE shop_id = $1\";\n";
        let continued = "    \"SELECT u.id, u.username \\\n     FROM users u\",\n";
        assert_eq!(check_file("crates/server/src/guard.rs", continued).len(), 1);
        assert_eq!(check_file("crates/server/src/export/stream.rs", text).len(), 1);
        assert_eq!(check_file("crates/server/src/x.rs", "    \"UPDATE orders SET status = $1\",\n").len(), 1);
        assert_eq!(check_file("crates/server/src/x.rs", "    \"DELETE FROM sessions\"\n").len(), 1);
        assert_eq!(check_file("crates/server/src/x.rs", "const S: &str = \"INSERT INTO audit_log (a) VALUES ($1)\";\n").len(), 1);
    }

    #[test]
    fn the_store_migrations_tests_and_prose_may_hold_sql() {
        let text = "sqlx::query(\"SELECT id FROM orders\")\n";
        assert!(check_file("crates/server/src/store/orders.rs", text).is_empty());
        assert!(check_file("crates/server/tests/it/audit.rs", text).is_empty());
        assert!(check_file("crates/server/benches/server/fixtures.rs", text).is_empty());
        assert!(check_file("crates/server/src/orders.rs", &format!("fn a() {{}}\n#[cfg(test)]\nmod tests {{\n{text}}}\n")).is_empty());
        // Prose and identifiers are not SQL.
        let prose = "// SELECT the rows, then UPDATE the cache\n/// Select one: \"Select a carrier\"\nlet update = \"update available\";\n";
        assert!(check_file("crates/server/src/waybills.rs", prose).is_empty(), "{:?}", check_file("crates/server/src/waybills.rs", prose));
        // Other crates have no database.
        assert!(check_file("web/src/pages/orders.rs", text).is_empty());
    }

    #[test]
    fn long_files_are_found_but_not_their_tests_or_integration_tests() {
        let long = "fn a() {}\n".repeat(MAX_LINES + 1);
        assert_eq!(check_file("crates/cipher/src/mask.rs", &long).len(), 1);
        assert!(check_file("crates/cipher/src/mask.rs", &"fn a() {}\n".repeat(MAX_LINES)).is_empty());
        let with_tests = format!("{}#[cfg(test)]\n{long}", "fn a() {}\n".repeat(10));
        assert!(check_file("crates/cipher/src/mask.rs", &with_tests).is_empty());
        assert!(check_file("crates/server/tests/it/helpers.rs", &long).is_empty());
    }
}
