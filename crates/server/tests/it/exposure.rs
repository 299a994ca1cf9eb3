//! Transparency (issue 20): a receipt per disclosure for the buyer, reachable only with the
//! order system's token or the order's signed link; the exposure dashboard, its flag rules
//! raised by scripted harvesting patterns and not by a normal day, decisions on flags
//! (audited), and the regulator's CSV.

use orderveil_api::{
    ActorKind, AssignResult, AuditPage, BuyerLink, DisclosurePage, DisclosurePath, ExposureFlag, ExposurePage, ExposureRulesView, FlagDetail, FlagPage, FlagRule, FlagStatus,
    IngestOrder, OrderStatus, PrintGrantResponse, ScanReport, SmsQueued, Waybill,
};
use orderveil_cipher::ClientSession;
use orderveil_server::clock::{day_of, day_start};
use serde_json::{Value, json};

use crate::dropship::bind;
use crate::helpers::*;
use crate::isv::{app_client, authorize, register};

both_stores!(
    every_disclosure_path_gives_the_buyer_a_receipt_and_nobody_else_reads_it,
    scripted_harvesting_raises_each_flag_and_a_normal_day_raises_none,
);

/// A receipt as the test compares it: path, fields, actor kind, app name, purpose.
type Shown = (DisclosurePath, Vec<String>, ActorKind, Option<String>, Option<String>);

/// The order system reads an order's receipts (`token` as the bearer, if any).
async fn receipts(app: &TestApp, order: &str, query: &str, token: Option<&str>) -> Resp {
    let mut r = reqwest::Client::new().get(format!("{}/api/v1/buyer/orders/{order}/disclosures{query}", app.base));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    read(r.send().await.unwrap()).await
}

async fn read(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    Resp { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
}

async fn unauthenticated_get(app: &TestApp, path: &str) -> Resp {
    read(reqwest::Client::new().get(format!("{}{path}", app.base)).send().await.unwrap()).await
}

fn b64(s: &ClientSession) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s.public_key())
}

async fn every_disclosure_path_gives_the_buyer_a_receipt_and_nobody_else_reads_it(store: Store) {
    let app = TestApp::spawn(store).await;
    let (owner, ops) = (app.login("shop1").await, app.login("shop1-ops").await);
    let target = "S1-AWAIT-1";

    // Nothing yet: an empty page for a known order, not found for an unknown one.
    let p: DisclosurePage = receipts(&app, target, "", Some(SERVICE_TOKEN)).await.ok();
    assert_eq!((p.total, p.receipts.len()), (0, 0));
    receipts(&app, "NOPE-1", "", Some(SERVICE_TOKEN)).await.err(404, "ORDER_NOT_FOUND");

    // 1. The owner reveals the phone for manual shipping.
    let _: Value = owner.reveal_for(&[target], Some("manual_shipping"), None).await.ok();
    // A refused reveal (an unpaid order) discloses nothing.
    owner.reveal_for(&["S1-UNPAID"], Some("manual_shipping"), None).await.err(409, "ORDER_STATE_FORBIDS_REVEAL");
    // 2. An authorized app reveals it for after-sales.
    let reg = register(&app, "快递助手 ERP", &["http://isv.example:8081"]).await;
    authorize(&app, &reg.app.app_id, &["orders.read", "reveal"]).await;
    let appc = app_client(&app, &reg).await;
    let s = ClientSession::new().unwrap();
    let r = appc.post("/api/v1/reveal-grants", &json!({"order_ids": [target], "fields": ["name", "address"], "client_public": b64(&s), "purpose": "after_sales"})).await.0;
    assert_eq!(r.status, 200, "{}", r.text);
    // 3. Staff print its label.
    let account = crate::waybills::funded_account(&app, 5).await;
    let wb: Vec<Waybill> = ops.post("/api/v1/waybills", &json!({"account_id": account.id, "order_ids": [target], "merge": false})).await.ok();
    let s = ClientSession::new().unwrap();
    let _: PrintGrantResponse = ops.post("/api/v1/print-grants", &json!({"waybill_nos": [wb[0].waybill_no], "client_public": b64(&s)})).await.ok();
    // 4. The owner sends a logistics SMS.
    let t = crate::sms::approved(&app, "发货", "logistics", "您在{shop_name}的订单{order_id}已安排发货，请留意查收。").await;
    let _: SmsQueued = owner.post("/api/v1/sms/send", &json!({"template_id": t.id, "order_ids": [target]})).await.ok();
    // 5. The owner binds a virtual number.
    let _: Value = app.login("admin").await.post("/api/v1/admin/virtual-numbers", &json!({"first": "17000000000", "last": "17000000000", "extensions": 10})).await.ok();
    let _: Value = owner.post(&format!("/api/v1/orders/{target}/virtual-number"), &json!({})).await.ok();
    // 6. The owner's phone search matches it (and shop2's order of the same buyer is not shop1's match).
    let ids = owner.order_ids(&format!("phone={}", SHARED_RECEIVER.1)).await;
    assert_eq!(ids, [target]);
    // 7. factory1, assigned S1-AWAIT-2, binds a virtual number for it.
    bind(&app).await;
    let _: AssignResult = owner.post("/api/v1/assignments", &json!({"factory_id": "factory1", "order_ids": ["S1-AWAIT-2"]})).await.ok();
    let _: Value = app.login("factory1").await.post("/api/v1/orders/S1-AWAIT-2/virtual-number", &json!({})).await.ok();

    // The buyer's receipts, newest first: path, fields, actor kind (an app by name), purpose.
    let p: DisclosurePage = receipts(&app, target, "", Some(SERVICE_TOKEN)).await.ok();
    let got: Vec<Shown> = p.receipts.iter().map(|r| (r.path, r.fields.clone(), r.actor_kind, r.app_name.clone(), r.purpose.clone())).collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let want = vec![
        (DisclosurePath::SearchMatch, s(&["phone"]), ActorKind::Shop, None, Some("search".to_string())),
        (DisclosurePath::VirtualNumber, s(&["phone"]), ActorKind::Shop, None, Some("contact".to_string())),
        (DisclosurePath::Sms, s(&["phone"]), ActorKind::Shop, None, Some("logistics".to_string())),
        (DisclosurePath::Print, s(&["phone", "name", "address"]), ActorKind::Staff, None, Some("print_label".to_string())),
        (DisclosurePath::Reveal, s(&["name", "address"]), ActorKind::App, Some("快递助手 ERP".to_string()), Some("after_sales".to_string())),
        (DisclosurePath::Reveal, s(&["phone"]), ActorKind::Shop, None, Some("manual_shipping".to_string())),
    ];
    assert_eq!(got, want);
    assert_eq!(p.total, 6);
    let r = receipts(&app, target, "", Some(SERVICE_TOKEN)).await;
    for secret in ["shop1-ops", "\"shop1\"", SHARED_RECEIVER.0, SHARED_RECEIVER.1, SHARED_RECEIVER.2, "1380013"] {
        assert!(!r.text.contains(secret), "a receipt shows {secret}: {}", r.text);
    }
    let f: DisclosurePage = receipts(&app, "S1-AWAIT-2", "", Some(SERVICE_TOKEN)).await.ok();
    assert_eq!(f.receipts.iter().map(|r| (r.path, r.actor_kind)).collect::<Vec<_>>(), [(DisclosurePath::VirtualNumber, ActorKind::Factory)]);
    let unpaid: DisclosurePage = receipts(&app, "S1-UNPAID", "", Some(SERVICE_TOKEN)).await.ok();
    assert_eq!(unpaid.total, 0, "a refused reveal left a receipt");
    // Paged.
    let p2: DisclosurePage = receipts(&app, target, "?page=2&per_page=4", Some(SERVICE_TOKEN)).await.ok();
    assert_eq!((p2.total, p2.receipts.iter().map(|r| r.path).collect::<Vec<_>>()), (6, vec![DisclosurePath::Reveal, DisclosurePath::Reveal]));
    receipts(&app, target, "?per_page=101", Some(SERVICE_TOKEN)).await.err(422, "VALIDATION_FAILED");
    // Each receipt points at its audit row on the shop's chain.
    let links: Vec<(String, i64)> = sqlx::query_as("SELECT audit_chain, audit_seq FROM disclosures WHERE order_id = $1 ORDER BY id").bind(target).fetch_all(&app.state.db.pool).await.unwrap();
    for (chain, seq) in &links {
        let (action,): (String,) = sqlx::query_as("SELECT action FROM audit WHERE chain = $1 AND seq = $2").bind(chain).bind(seq).fetch_one(&app.state.db.pool).await.unwrap();
        assert!(["reveal", "print", "sms_send", "virtual_number_bind", "search"].contains(&action.as_str()), "{action}");
    }

    // Nobody but the order system reads them: no token, a guess, a session, an app token.
    receipts(&app, target, "", None).await.err(401, "UNAUTHENTICATED");
    receipts(&app, target, "", Some("ovs_guess")).await.err(401, "UNAUTHENTICATED");
    owner.get(&format!("/api/v1/buyer/orders/{target}/disclosures")).await.err(401, "UNAUTHENTICATED");
    app.login("admin").await.get(&format!("/api/v1/buyer/orders/{target}/disclosures")).await.err(401, "UNAUTHENTICATED");
    let tok: orderveil_api::TokenResponse = crate::isv::token(&app, &reg, "shop1").await.ok();
    receipts(&app, target, "", Some(&tok.access_token)).await.err(401, "UNAUTHENTICATED");
    owner.post(&format!("/api/v1/buyer/orders/{target}/link"), &json!({})).await.err(401, "UNAUTHENTICATED");

    // A signed link shows that one order, until it expires.
    let link: BuyerLink = read(reqwest::Client::new().post(format!("{}/api/v1/buyer/orders/{target}/link", app.base)).bearer_auth(SERVICE_TOKEN).json(&json!({"days": 7})).send().await.unwrap())
        .await
        .ok();
    assert!(link.url.starts_with("/buyer/?order_id=S1-AWAIT-1&expires="), "{}", link.url);
    let q = |order: &str, expires: i64, sig: &str| format!("/api/v1/buyer/disclosures?order_id={order}&expires={expires}&sig={sig}");
    let via_link: DisclosurePage = unauthenticated_get(&app, &q(target, link.expires_unix, &link.sig)).await.ok();
    assert_eq!(via_link.receipts, p.receipts);
    unauthenticated_get(&app, &q("S1-AWAIT-2", link.expires_unix, &link.sig)).await.err(403, "BUYER_LINK_INVALID");
    unauthenticated_get(&app, &q(target, link.expires_unix + 86_400, &link.sig)).await.err(403, "BUYER_LINK_INVALID");
    unauthenticated_get(&app, &q(target, link.expires_unix, &"0".repeat(64))).await.err(403, "BUYER_LINK_INVALID");
    let page = unauthenticated_get(&app, "/buyer/").await;
    assert!(page.status == 200 && page.text.contains("/buyer/buyer.js"), "{}", page.text);

    // The receipts outlive crypto-shredding.
    let _: Value = owner.reveal_for(&["S1-DONE"], Some("after_sales"), None).await.ok();
    app.set_platform(|s| s.retention_days = Some(16)).await;
    app.clock.advance(14 * DAY);
    let shredded = orderveil_server::retention::run(&app.state).await.unwrap();
    assert!(shredded.orders >= 1);
    owner.reveal_for(&["S1-DONE"], Some("after_sales"), None).await.err(410, "ORDER_SHREDDED");
    let done: DisclosurePage = receipts(&app, "S1-DONE", "", Some(SERVICE_TOKEN)).await.ok();
    assert_eq!(done.receipts.iter().map(|r| r.path).collect::<Vec<_>>(), [DisclosurePath::Reveal]);
    // The link has expired by now (7 days).
    unauthenticated_get(&app, &q(target, link.expires_unix, &link.sig)).await.err(403, "BUYER_LINK_INVALID");
}

/// The next 03:00 (Asia/Shanghai) at least an hour after `now`.
fn next_3am(now: i64) -> i64 {
    let t = day_start(&day_of(now)).unwrap() + 3 * 3600;
    if t > now + 3600 { t } else { t + DAY }
}

async fn flags(admin: &Client, query: &str) -> Vec<ExposureFlag> {
    let p: FlagPage = admin.get(&format!("/api/v1/admin/exposure/flags?per_page=100{query}")).await.ok();
    p.flags
}

async fn scripted_harvesting_raises_each_flag_and_a_normal_day_raises_none(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = app.login("admin").await;
    let (owner, ops) = (app.login("shop1").await, app.login("shop1-ops").await);
    let shop2 = app.login("shop2").await;
    app.set_platform(|s| s.quota_floor = 2_000).await;
    // Only admins see the dashboard, the flags and the rules.
    for path in ["/api/v1/admin/exposure", "/api/v1/admin/exposure/flags", "/api/v1/admin/exposure/rules"] {
        owner.get(path).await.err(403, "FORBIDDEN");
    }
    owner.post("/api/v1/admin/exposure/scan", &json!({})).await.err(403, "FORBIDDEN");
    owner.post("/api/v1/admin/exposure/disclosures.csv", &json!({"shop_id": "shop1", "from": "2026-01-01", "to": "2026-01-02"})).await.err(403, "FORBIDDEN");

    // A normal day, the day before: staff reveal one order at 10:00, shop2 reveals its two
    // orders five times each and searches three times (one match).
    let t3 = next_3am(app.now() + 18 * 3600);
    app.clock.set(t3 - 17 * 3600);
    let _: Value = ops.reveal_for(&["S1-AWAIT-2"], Some("manual_shipping"), None).await.ok();
    for _ in 0..5 {
        let _: Value = shop2.reveal_for(&["S2-SAME-RECEIVER", "S2-AWAIT-2"], Some("manual_shipping"), None).await.ok();
    }
    for phone in [SHARED_RECEIVER.1, "13900000001", "13900000002"] {
        shop2.order_ids(&format!("phone={phone}")).await;
    }
    let _: ScanReport = admin.post("/api/v1/admin/exposure/scan", &json!({})).await.ok();
    assert_eq!(flags(&admin, "").await, vec![], "a normal day raised flags");

    // The harvest: at 03:00 the owner reveals 300 fresh orders, 50 per grant, and guesses
    // 500 phone numbers, two of them right.
    let harvest: Vec<IngestOrder> = realistic("shop1", "H", 300, t3, OrderStatus::AwaitingShipment)
        .into_iter()
        .map(|mut o| {
            o.created_at = orderveil_server::clock::rfc3339(t3 - 3600);
            o
        })
        .collect();
    app.ingest_ok(&harvest).await;
    app.clock.set(t3);
    let ids: Vec<&str> = harvest.iter().map(|o| o.order_id.as_str()).collect();
    for chunk in ids.chunks(50) {
        let _: Value = owner.reveal_for(chunk, Some("manual_shipping"), None).await.ok();
    }
    let known = [app.ingested(ids[0]).phone, app.ingested(ids[1]).phone];
    for i in 0..500 {
        let phone = known.get(i).cloned().unwrap_or_else(|| format!("139{:08}", 10_000_000 + i));
        owner.order_ids(&format!("phone={phone}")).await;
    }
    app.clock.advance(3600);
    let report: ScanReport = admin.post("/api/v1/admin/exposure/scan", &json!({})).await.ok();
    let today = day_of(t3);
    assert!(report.days.contains(&today));
    let raised = flags(&admin, "&status=open").await;
    let rules: Vec<(FlagRule, &str, &str)> = raised.iter().map(|f| (f.rule, f.shop_id.as_str(), f.day.as_str())).collect();
    for rule in [FlagRule::NightBurst, FlagRule::RevealSpike, FlagRule::SearchGuessing, FlagRule::AccountConcentration] {
        assert!(rules.contains(&(rule, "shop1", today.as_str())), "{rule:?} not raised: {rules:?}");
    }
    assert!(!rules.iter().any(|(_, shop, _)| *shop != "shop1"), "shop2's normal day raised a flag: {rules:?}");
    assert!(!rules.iter().any(|(r, ..)| *r == FlagRule::UnshippedReveals), "unshipped before the grace ended");
    let night = raised.iter().find(|f| f.rule == FlagRule::NightBurst).unwrap();
    assert_eq!((night.measured, night.threshold), (300, 100));
    let guess = raised.iter().find(|f| f.rule == FlagRule::SearchGuessing).unwrap();
    // (Two right guesses; the generator's repeat buyers may share a number.)
    let matches = guess.details["matches"].as_i64().unwrap();
    assert_eq!(guess.details["search_units"].as_i64(), Some(500));
    assert!((2..=25).contains(&matches), "{matches}");
    let conc = raised.iter().find(|f| f.rule == FlagRule::AccountConcentration).unwrap();
    assert_eq!(conc.details["account"], "shop1");
    // A second scan raises nothing new.
    let again: ScanReport = admin.post("/api/v1/admin/exposure/scan", &json!({})).await.ok();
    assert_eq!(again.raised, 0);

    // Each flag links to the audit rows behind it.
    let d: FlagDetail = admin.get(&format!("/api/v1/admin/exposure/flags/{}", night.id)).await.ok();
    assert_eq!(d.audit_total, 6);
    assert!(d.audit.iter().all(|e| e.action == "reveal" && e.shop_id.as_deref() == Some("shop1") && e.order_ids.len() == 50));
    let d: FlagDetail = admin.get(&format!("/api/v1/admin/exposure/flags/{}", guess.id)).await.ok();
    assert_eq!(d.audit_total, 500);
    assert!(d.audit.iter().all(|e| e.action == "search"));
    let d: FlagDetail = admin.get(&format!("/api/v1/admin/exposure/flags/{}", conc.id)).await.ok();
    assert!(d.audit.iter().all(|e| e.actor == "shop1"));
    admin.get("/api/v1/admin/exposure/flags/999999").await.err(404, "NOT_FOUND");

    // The dashboard: shop1 first, 30 days, today's counts, open flags.
    let dash: ExposurePage = admin.get("/api/v1/admin/exposure").await.ok();
    assert_eq!((dash.to_day.as_str(), dash.shops[0].shop_id.as_str()), (today.as_str(), "shop1"));
    let s1 = &dash.shops[0];
    assert_eq!(s1.days.len(), 30);
    let last = s1.days.last().unwrap();
    assert_eq!((last.reveals, last.search_units, last.search_matches, last.orders), (300, 500, matches, 300));
    assert_eq!(s1.open_flags, 4);
    let s2 = dash.shops.iter().find(|s| s.shop_id == "shop2").unwrap();
    assert_eq!((s2.totals.reveals, s2.totals.search_units, s2.totals.search_matches, s2.open_flags), (10, 3, 1, 0));
    let one: ExposurePage = admin.get("/api/v1/admin/exposure?shop_id=shop2&days=7").await.ok();
    assert_eq!((one.total, one.shops.len(), one.shops[0].days.len()), (1, 1, 7));

    // Acknowledging needs a comment, is audited, and happens once.
    admin.post(&format!("/api/v1/admin/exposure/flags/{}/acknowledge", guess.id), &json!({"comment": "  "})).await.err(422, "VALIDATION_FAILED");
    owner.post(&format!("/api/v1/admin/exposure/flags/{}/acknowledge", guess.id), &json!({"comment": "mine"})).await.err(403, "FORBIDDEN");
    let acked: ExposureFlag = admin.post(&format!("/api/v1/admin/exposure/flags/{}/acknowledge", guess.id), &json!({"comment": "客服批量核对地址，已电话确认"})).await.ok();
    assert_eq!((acked.status, acked.decided_by.as_deref(), acked.comment.as_deref()), (FlagStatus::Acknowledged, Some("admin"), Some("客服批量核对地址，已电话确认")));
    admin.post(&format!("/api/v1/admin/exposure/flags/{}/acknowledge", guess.id), &json!({"comment": "again"})).await.err(409, "FLAG_STATE_CONFLICT");
    let a: AuditPage = admin.get("/api/v1/audit?action=exposure_flag_acknowledge").await.ok();
    assert_eq!(a.entries.len(), 1);
    assert_eq!((a.entries[0].details["flag_id"].as_i64(), a.entries[0].details["comment"].as_str()), (Some(guess.id), Some("客服批量核对地址，已电话确认")));
    let raises: AuditPage = admin.get("/api/v1/audit?action=exposure_flag_raise").await.ok();
    assert_eq!(raises.total, 4);

    // After the grace, the 300 orders never shipped nor served: unshipped_reveals.
    app.clock.advance(3 * DAY);
    let _: ScanReport = admin.post("/api/v1/admin/exposure/scan", &json!({})).await.ok();
    let unshipped = flags(&admin, "&status=open").await.into_iter().find(|f| f.rule == FlagRule::UnshippedReveals).expect("unshipped_reveals raised");
    assert_eq!((unshipped.shop_id.as_str(), unshipped.day.as_str(), unshipped.measured), ("shop1", today.as_str(), 300));
    assert_eq!(unshipped.details["order_ids"].as_array().unwrap().len(), 50);

    // Suspending from a flag suspends the shop, on both chains.
    let s: ExposureFlag = admin.post(&format!("/api/v1/admin/exposure/flags/{}/suspend", night.id), &json!({"comment": "夜间批量查看，暂停待查"})).await.ok();
    assert_eq!(s.status, FlagStatus::Suspended);
    owner.reveal_for(&["S1-AWAIT-1"], Some("manual_shipping"), None).await.err(403, "SHOP_SUSPENDED");
    let a: AuditPage = admin.get("/api/v1/audit?action=shop_suspend&shop_id=shop1").await.ok();
    assert_eq!(a.entries[0].details["flag_id"].as_i64(), Some(night.id));
    let dash: ExposurePage = admin.get("/api/v1/admin/exposure?shop_id=shop1").await.ok();
    assert!(dash.shops[0].suspended);
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");

    // The rules are settings: versioned, checked, audited; a stricter rule raises more.
    let r: ExposureRulesView = admin.get("/api/v1/admin/exposure/rules").await.ok();
    assert_eq!((r.version, r.rules.night_min_reveals), (0, 100));
    let mut rules = r.rules;
    rules.spike_factor = 1;
    admin.put("/api/v1/admin/exposure/rules", &json!({"rules": rules, "expected_version": 0})).await.err(422, "VALIDATION_FAILED");
    rules.spike_factor = 3;
    rules.night_min_reveals = 1;
    let r: ExposureRulesView = admin.put("/api/v1/admin/exposure/rules", &json!({"rules": rules, "expected_version": 0})).await.ok();
    assert_eq!((r.version, r.rules.night_min_reveals, r.updated_by.as_deref()), (1, 1, Some("admin")));
    admin.put("/api/v1/admin/exposure/rules", &json!({"rules": rules, "expected_version": 0})).await.err(409, "SETTINGS_CHANGED");
    let a: AuditPage = admin.get("/api/v1/audit?action=exposure_rules_update").await.ok();
    assert_eq!(a.entries[0].details["after"]["night_min_reveals"], 1);

    // The regulator's CSV: every receipt of shop1 in the period, no plaintext.
    let from = day_of(t3 - 2 * DAY);
    let csv = admin.post("/api/v1/admin/exposure/disclosures.csv", &json!({"shop_id": "shop1", "from": from, "to": today})).await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(csv.text.starts_with("\u{feff}receipt_id,at,order_id,path,fields,actor_kind,account,"));
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM disclosures WHERE shop_id = 'shop1'").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(csv.text.trim_end().split("\r\n").count() as i64, n + 1);
    assert_eq!(n, 1 + 300 + 2);
    for o in &harvest[..5] {
        let r = app.ingested(&o.order_id);
        assert!(!csv.text.contains(&r.phone) && !csv.text.contains(&r.name), "plaintext in the CSV");
    }
    admin.post("/api/v1/admin/exposure/disclosures.csv", &json!({"shop_id": "shop1", "from": today, "to": from})).await.err(422, "VALIDATION_FAILED");
    admin.post("/api/v1/admin/exposure/disclosures.csv", &json!({"shop_id": "nope", "from": "2026-01-01", "to": "2026-01-02"})).await.err(404, "NOT_FOUND");
    // The browser's form post needs a session (and its CSRF token, checked like the export's).
    let form = read(reqwest::Client::new().post(format!("{}/api/v1/admin/exposure/disclosures.csv", app.base)).form(&[("shop_id", "shop1"), ("from", from.as_str()), ("to", today.as_str())]).send().await.unwrap()).await;
    form.err(401, "UNAUTHENTICATED");
    let a: AuditPage = admin.get("/api/v1/audit?action=disclosure_export").await.ok();
    assert_eq!(a.entries[0].details["shop_id"], "shop1");
}
