//! The hash-chained audit trail: `orderveil audit verify` catches tampering; reveals and
//! refusals are visible to the right people only.

use orderveil_api::RevealGrantResponse;

use crate::helpers::*;

both_stores!(
    audit_verify_catches_an_edited_a_deleted_and_a_truncated_row,
    reveals_and_refusals_are_audited_for_the_right_eyes,
    a_chain_recomputed_without_the_audit_key_fails_verification,
    the_verify_endpoint_streams_progress_and_the_report,
);

/// `GET /api/v1/audit/verify` as `who`, with `accept`: (content type, body text).
async fn verify_text(who: &Client, accept: &str) -> (String, String) {
    let r = who.http.get(who.url("/api/v1/audit/verify")).header("accept", accept).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    (ct, r.text().await.unwrap())
}

async fn the_verify_endpoint_streams_progress_and_the_report(store: Store) {
    use orderveil_server::audit::{self, Event, PAGE};
    let app = TestApp::spawn(store).await;
    // A shop chain over two pages long: the stream reports each page.
    let extra = usize::try_from(2 * PAGE + 10).unwrap();
    let events: Vec<(i64, Event)> = (0..extra).map(|i| (app.now(), Event::new("shop1", None, Some("shop1"), "test_fill", if i % 2 == 0 { "ok" } else { "refused" }))).collect();
    let mut tx = app.state.db.begin_write().await.unwrap();
    audit::append_many(&mut tx, &events).await.unwrap();
    tx.commit().await.unwrap();

    let owner = app.login("shop1").await;
    let (ct, text) = verify_text(&owner, "application/x-ndjson").await;
    assert_eq!(ct, "application/x-ndjson");
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (report, progress) = lines.split_last().unwrap();
    let rows: Vec<u64> = progress.iter().map(|p| p["progress"]["rows"].as_u64().unwrap()).collect();
    assert!(rows.len() >= 3 && rows.windows(2).all(|w| w[0] < w[1]), "a line a page, growing: {rows:?}");
    assert_eq!(rows[0], u64::try_from(PAGE).unwrap());
    let report: orderveil_api::AuditVerifyReport = serde_json::from_value(report.clone()).unwrap();
    assert!(report.ok && report.chains == 1 && report.rows > u64::try_from(extra).unwrap() && report.rows == *rows.last().unwrap(), "{report:?}");

    // Without the header: the report alone, JSON (newlines before it while it runs).
    let (ct, text) = verify_text(&owner, "application/json").await;
    assert_eq!(ct, "application/json");
    assert!(text.starts_with('\n'), "keep-alive newlines while verifying");
    let plain: orderveil_api::AuditVerifyReport = serde_json::from_str(&text).unwrap();
    assert_eq!(plain, report);

    // An edited row in the middle: found, and counted.
    let edited = sqlx::query("UPDATE audit SET outcome = 'ok' WHERE chain = 'shop:shop1' AND action = 'test_fill' AND outcome = 'refused'")
        .execute(&app.state.db.pool)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(edited, u64::try_from(extra / 2).unwrap());
    let (_, text) = verify_text(&owner, "application/x-ndjson").await;
    let last: orderveil_api::AuditVerifyReport = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert!(!last.ok && last.problem_count == u64::try_from(extra / 2).unwrap() && last.problems.len() == audit::MAX_PROBLEMS, "{}", last.problem_count);
    // Staff may not verify (refused before anything streams).
    app.login("shop1-ops").await.get("/api/v1/audit/verify").await.err(403, "FORBIDDEN");
}

/// What someone with write access to the database but not the key can do: rewrite `chain`
/// from `from_seq` on (row `edit_seq` with `details`), recomputing every link with `link`
/// (returns the hash and the `keyed` flag to store), and move the head.
async fn rewrite(app: &TestApp, chain: &str, from_seq: i64, edit_seq: i64, details: &str, link: impl Fn(&str, &Row) -> (String, i64)) {
    let (last,): (i64,) = sqlx::query_as("SELECT MAX(seq) FROM audit WHERE chain = $1").bind(chain).fetch_one(&app.state.db.pool).await.unwrap();
    let mut prev = if from_seq == 1 { orderveil_server::audit::GENESIS.to_string() } else { row(app, chain, from_seq - 1).await.13 };
    for seq in from_seq..=last {
        let mut r = row(app, chain, seq).await;
        if seq == edit_seq {
            r.11 = details.to_string();
        }
        r.12 = prev.clone();
        let (hash, keyed) = link(&prev, &r);
        sqlx::query("UPDATE audit SET details = $1, prev_hash = $2, hash = $3, keyed = $4 WHERE id = $5")
            .bind(&r.11)
            .bind(&r.12)
            .bind(&hash)
            .bind(keyed)
            .bind(r.0)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_heads SET hash = $1 WHERE chain = $2").bind(&prev).bind(chain).execute(&app.state.db.pool).await.unwrap();
}

/// The unkeyed (SHA-256) link anyone can compute.
fn sha_link(prev: &str, r: &Row) -> (String, i64) {
    (orderveil_server::audit::row_hash(prev, &r.1, r.2, r.3, &r.4, r.5, r.6.as_deref(), &r.7, &r.8, r.9.as_deref(), &r.10, &r.11), 0)
}

async fn a_chain_recomputed_without_the_audit_key_fails_verification(store: Store) {
    let app = TestApp::spawn(store).await;
    let s1 = app.login("shop1").await;
    let _: RevealGrantResponse = s1.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();
    let _: RevealGrantResponse = s1.reveal(&["S1-AWAIT-2"], &["phone"]).await.1.ok();
    verify_ok(&app).await;
    let r3 = row(&app, "shop:shop1", 3).await;
    assert_eq!((r3.7.as_str(), r3.14), ("reveal", 1), "new rows are keyed");
    let original: Vec<Row> = {
        let mut v = Vec::new();
        for seq in 1..=4 {
            v.push(row(&app, "shop:shop1", seq).await);
        }
        v
    };
    let forged = r3.11.replace("\"phone\"", "\"name\"");
    let restore = async || {
        for r in &original {
            sqlx::query("UPDATE audit SET details = $1, prev_hash = $2, hash = $3, keyed = $4 WHERE id = $5")
                .bind(&r.11).bind(&r.12).bind(&r.13).bind(r.14).bind(r.0)
                .execute(&app.state.db.pool).await.unwrap();
        }
        sqlx::query("UPDATE audit_heads SET hash = $1 WHERE chain = 'shop:shop1'").bind(&original[3].13).execute(&app.state.db.pool).await.unwrap();
    };

    // (a) Edited, and the rest of the chain relinked with the public SHA-256 rule: the keyed
    // rows before it do not allow an unkeyed link after them.
    rewrite(&app, "shop:shop1", 3, 3, &forged, sha_link).await;
    verify_fails(&app, "has an unkeyed link after the chain became keyed").await;
    restore().await;
    verify_ok(&app).await;
    // (b) The whole chain rewritten unkeyed from its first row: it ends unkeyed.
    rewrite(&app, "shop:shop1", 1, 3, &forged, sha_link).await;
    verify_fails(&app, "the chain ends with unkeyed links").await;
    restore().await;
    // (c) Relinked as keyed, but with a key that is not the store's: every row is "edited".
    let wrong = [7u8; 32];
    rewrite(&app, "shop:shop1", 3, 3, &forged, |prev, r| {
        (orderveil_server::audit::keyed_row_hash(&wrong, prev, &r.1, r.2, r.3, &r.4, r.5, r.6.as_deref(), &r.7, &r.8, r.9.as_deref(), &r.10, &r.11), 1)
    })
    .await;
    verify_fails(&app, "(seq 3) was edited").await;
    restore().await;
    verify_ok(&app).await;

    // A chain written before the chain was keyed (unkeyed rows) is sealed by a keyed
    // `chain_keyed` row at the next start, and verifies; rows edited before the seal fail.
    let all: Vec<i64> = sqlx::query_scalar("SELECT seq FROM audit WHERE chain = 'shop:shop2' ORDER BY seq").fetch_all(&app.state.db.pool).await.unwrap();
    let r1 = row(&app, "shop:shop2", 1).await;
    rewrite(&app, "shop:shop2", 1, 1, &r1.11, sha_link).await;
    verify_fails(&app, "shop:shop2: the chain ends with unkeyed links").await;
    let p = app.spawn_binary(&[], &[]).await;
    let _ = p.stop().await;
    let seal = row(&app, "shop:shop2", *all.last().unwrap() + 1).await;
    assert_eq!((seal.7.as_str(), seal.14), ("chain_keyed", 1));
    verify_ok(&app).await;
    let r1 = row(&app, "shop:shop2", 1).await;
    let edited = r1.11.replace('}', ",\"x\":1}");
    sqlx::query("UPDATE audit SET details = $1 WHERE id = $2").bind(&edited).bind(r1.0).execute(&app.state.db.pool).await.unwrap();
    verify_fails(&app, "shop:shop2: row id").await;
}

type Row = (i64, String, i64, i64, String, Option<i64>, Option<String>, String, String, Option<String>, String, String, String, String, i64);

async fn row(app: &TestApp, chain: &str, seq: i64) -> Row {
    sqlx::query_as(
        "SELECT id, chain, seq, at, actor, actor_id, shop_id, action, outcome, code, order_ids, details, prev_hash, hash, keyed \
         FROM audit WHERE chain = $1 AND seq = $2",
    )
    .bind(chain)
    .bind(seq)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
}

async fn exec(app: &TestApp, sql: &str, binds: &[&str]) {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    let done = q.execute(&app.state.db.pool).await.unwrap();
    assert_eq!(done.rows_affected(), 1, "{sql}");
}

async fn reinsert(app: &TestApp, r: &Row) {
    sqlx::query(
        "INSERT INTO audit (id, chain, seq, at, actor, actor_id, shop_id, action, outcome, code, order_ids, details, prev_hash, hash, keyed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(r.0)
    .bind(&r.1)
    .bind(r.2)
    .bind(r.3)
    .bind(&r.4)
    .bind(r.5)
    .bind(r.6.as_deref())
    .bind(&r.7)
    .bind(&r.8)
    .bind(r.9.as_deref())
    .bind(&r.10)
    .bind(&r.11)
    .bind(&r.12)
    .bind(&r.13)
    .bind(r.14)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
}

async fn verify_fails(app: &TestApp, expect: &str) {
    let (ok, out) = app.audit_verify().await;
    assert!(!ok, "audit verify passed a tampered trail:\n{out}");
    assert!(out.contains(expect), "audit verify did not name the problem {expect:?}:\n{out}");
}

async fn verify_ok(app: &TestApp) {
    let (ok, out) = app.audit_verify().await;
    assert!(ok && out.contains("OK: every chain verifies"), "{out}");
}

async fn audit_verify_catches_an_edited_a_deleted_and_a_truncated_row(store: Store) {
    let app = TestApp::spawn(store).await;
    // Chains: shop:shop1 = ingest, login, reveal, refusal; shop:shop2 = ingest, login, reveal.
    let s1 = app.login("shop1").await;
    let _: RevealGrantResponse = s1.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();
    s1.reveal(&["S1-CANCELLED"], &["phone"]).await.1.err(409, "ORDER_STATE_FORBIDS_REVEAL");
    let s2 = app.login("shop2").await;
    let _: RevealGrantResponse = s2.reveal(&["S2-AWAIT-2"], &["phone"]).await.1.ok();
    let _ = app.login("admin").await;
    verify_ok(&app).await;

    // (a) One row's details edited with SQL.
    let r = row(&app, "shop:shop1", 3).await;
    assert_eq!(r.7, "reveal");
    let forged = r.11.replace("\"phone\"", "\"name\"");
    assert_ne!(forged, r.11);
    exec(&app, "UPDATE audit SET details = $1 WHERE chain = 'shop:shop1' AND seq = 3", &[&forged]).await;
    verify_fails(&app, &format!("shop:shop1: row id {} (seq 3) was edited", r.0)).await;
    exec(&app, "UPDATE audit SET details = $1 WHERE chain = 'shop:shop1' AND seq = 3", &[&r.11]).await;
    verify_ok(&app).await;

    // (b) A middle row deleted.
    let r = row(&app, "shop:shop2", 2).await;
    exec(&app, "DELETE FROM audit WHERE chain = 'shop:shop2' AND seq = 2", &[]).await;
    verify_fails(&app, "shop:shop2: row id").await;
    verify_fails(&app, "has seq 3, expected 2 (row deleted or inserted)").await;
    reinsert(&app, &r).await;
    verify_ok(&app).await;

    // (c) The last row deleted: only the chain head knows it was there.
    exec(&app, "DELETE FROM audit WHERE chain = 'shop:shop1' AND seq = 4", &[]).await;
    verify_fails(&app, "shop:shop1: head says 4 rows but the chain ends at 3").await;
    let (_, out) = app.audit_verify().await;
    assert!(out.contains("FAILED: 1 problem(s)"), "only the truncated chain is reported:\n{out}");
}

async fn reveals_and_refusals_are_audited_for_the_right_eyes(store: Store) {
    let app = TestApp::spawn(store).await;
    let s1 = app.login("shop1").await;
    let ops = app.login("shop1-ops").await;
    let s2 = app.login("shop2").await;
    let g: RevealGrantResponse = ops.reveal(&["S1-AWAIT-1", "S1-AWAIT-2"], &["phone", "address"]).await.1.ok();
    ops.reveal(&["S1-CANCELLED"], &["name"]).await.1.err(409, "ORDER_STATE_FORBIDS_REVEAL");
    s1.reveal(&["S2-AWAIT-2"], &["name"]).await.1.err(404, "ORDER_NOT_FOUND");
    let g2: RevealGrantResponse = s2.reveal(&["S2-AWAIT-2"], &["phone"]).await.1.ok();

    // The owner of shop1 sees its reveals and refusals, newest first.
    let page = s1.audit("action=reveal").await;
    let seen: Vec<(&str, &str, Option<&str>, Vec<String>)> =
        page.entries.iter().map(|e| (e.actor.as_str(), e.outcome.as_str(), e.code.as_deref(), e.order_ids.clone())).collect();
    assert_eq!(
        seen,
        [
            ("shop1", "refused", Some("ORDER_NOT_FOUND"), vec!["S2-AWAIT-2".to_string()]),
            ("shop1-ops", "refused", Some("ORDER_STATE_FORBIDS_REVEAL"), vec!["S1-CANCELLED".to_string()]),
            ("shop1-ops", "ok", None, vec!["S1-AWAIT-1".to_string(), "S1-AWAIT-2".to_string()]),
        ]
    );
    let ok = &page.entries[2];
    assert_eq!(ok.details["grant_id"], g.grant_id.as_str());
    assert_eq!(ok.details["charged"], serde_json::json!(["S1-AWAIT-1", "S1-AWAIT-2"]));
    assert_eq!(ok.details["fields"], serde_json::json!(["phone", "address"]));
    assert!(page.entries.iter().all(|e| e.shop_id.as_deref() == Some("shop1") && e.chain == "shop:shop1"));
    assert_eq!(s1.audit("order_id=S1-AWAIT-2").await.entries.len(), 1);

    // shop2 sees its own reveal and nothing of shop1's.
    let page = s2.audit("per_page=200").await;
    assert!(page.entries.iter().all(|e| e.shop_id.as_deref() == Some("shop2")), "{:?}", page.entries);
    assert!(page.entries.iter().any(|e| e.details["grant_id"] == g2.grant_id.as_str()));
    assert!(!page.entries.iter().any(|e| e.order_ids.iter().any(|o| o.starts_with("S1-"))));
    // Asking for shop1 explicitly changes nothing for a merchant.
    let page = s2.audit("shop_id=shop1&action=reveal").await;
    assert!(page.entries.iter().all(|e| e.shop_id.as_deref() == Some("shop2")));

    // The platform admin sees everything, and can narrow it to a shop.
    let admin = app.login("admin").await;
    let all = admin.audit("action=reveal&per_page=200").await;
    assert_eq!(all.total, 4);
    let shops: std::collections::BTreeSet<_> = all.entries.iter().filter_map(|e| e.shop_id.clone()).collect();
    assert_eq!(shops.into_iter().collect::<Vec<_>>(), ["shop1", "shop2"]);
    assert_eq!(admin.audit("action=reveal&shop_id=shop2").await.total, 1);

    // Staff (of shops and factories) do not read the trail; a factory's owner reads only its
    // factory's own chain, which holds none of the shops' reveals.
    ops.get("/api/v1/audit").await.err(403, "FORBIDDEN");
    app.login("factory1-ops").await.get("/api/v1/audit").await.err(403, "FORBIDDEN");
    assert_eq!(app.login("factory1").await.audit("").await.total, 0);

    // `_` is a legal order-id character (and a LIKE wildcard): the order filter must stay exact.
    let now = app.now();
    let look_alikes: Vec<_> = ["U1_A", "U1xA"].iter().map(|id| order(id, "shop1", orderveil_api::OrderStatus::Shipped, now, 60, SHARED_RECEIVER)).collect();
    app.ingest_ok(&look_alikes).await;
    let _: RevealGrantResponse = s1.reveal(&["U1xA"], &["phone"]).await.1.ok();
    let found = s1.audit("order_id=U1_A").await;
    assert!(found.entries.iter().all(|e| e.order_ids.contains(&"U1_A".to_string())), "{:?}", found.entries);
    assert_eq!(found.total, 0);
    assert_eq!(s1.audit("order_id=U1xA").await.total, 1);
    assert_eq!(s1.audit("order_id=U1%25").await.total, 0);
}
