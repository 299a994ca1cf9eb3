//! The hash-chained audit trail: `orderveil audit verify` catches tampering; reveals and
//! refusals are visible to the right people only.

use orderveil_api::RevealGrantResponse;

use crate::helpers::*;

both_stores!(audit_verify_catches_an_edited_a_deleted_and_a_truncated_row, reveals_and_refusals_are_audited_for_the_right_eyes);

type Row = (i64, String, i64, i64, String, Option<i64>, Option<String>, String, String, Option<String>, String, String, String, String);

async fn row(app: &TestApp, chain: &str, seq: i64) -> Row {
    sqlx::query_as(
        "SELECT id, chain, seq, at, actor, actor_id, shop_id, action, outcome, code, order_ids, details, prev_hash, hash \
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
        "INSERT INTO audit (id, chain, seq, at, actor, actor_id, shop_id, action, outcome, code, order_ids, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
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

    // Staff and factories do not read the trail.
    ops.get("/api/v1/audit").await.err(403, "FORBIDDEN");
    app.login("factory1").await.get("/api/v1/audit").await.err(403, "FORBIDDEN");

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
