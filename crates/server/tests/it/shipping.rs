//! Shipping by hand and by batch upload (issue 7): the order ships with carrier and tracking
//! number, per-status counts follow, one audit row; every refusal is coded; an upload is
//! checked as a whole — every bad row reported with its line and reason — and applies all or
//! nothing, also when the database fails half-way; the templates download and read back.

use orderveil_api::{CarrierInfo, OrderStatus, OrderView, ShipmentUploadErrors, ShipmentUploadResult};
use orderveil_server::clock::rfc3339;
use serde_json::{Value, json};

use crate::helpers::*;

both_stores!(
    ship_by_hand_sets_status_counts_audit_and_shipment,
    ship_by_hand_refusals_are_coded_and_change_nothing,
    csv_and_xlsx_uploads_apply_every_row_with_one_audit_row,
    one_bad_row_applies_nothing_and_is_reported_alone,
    every_kind_of_bad_row_is_reported_with_its_line,
    header_variants_encodings_and_blank_rows,
    unreadable_files_and_callers_get_coded_errors,
    a_database_failure_half_way_applies_nothing,
    concurrent_uploads_of_the_same_orders_ship_them_once,
    the_largest_upload_applies_in_one_go,
    templates_download_and_their_example_row_validates,
);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn ship(c: &Client, id: &str, carrier: &str, no: &str) -> Resp {
    c.post(&format!("/api/v1/orders/{id}/ship"), &json!({"carrier": carrier, "tracking_no": no})).await
}

/// `POST /api/v1/shipments/upload{query}` with a raw body and content type.
async fn upload(c: &Client, query: &str, content_type: &str, body: Vec<u8>) -> Resp {
    let r = c.http.post(c.url(&format!("/api/v1/shipments/upload{query}"))).header("X-CSRF-Token", &c.csrf).header("Content-Type", content_type).body(body).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp { status, body, text }
}

async fn upload_csv(c: &Client, text: &str) -> Resp {
    upload(c, "", "text/csv", text.as_bytes().to_vec()).await
}

/// The details of an `UPLOAD_INVALID` refusal.
#[track_caller]
fn upload_errors(r: &Resp) -> ShipmentUploadErrors {
    let d = r.err(422, "UPLOAD_INVALID");
    let e: ShipmentUploadErrors = serde_json::from_value(d).unwrap();
    for item in &e.errors {
        assert!(!item.message.is_empty() && !item.message_zh.is_ascii(), "{item:?}");
        assert!(item.code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'), "{item:?}");
    }
    e
}

/// (line, field, code) of each reported problem.
fn problems(e: &ShipmentUploadErrors) -> Vec<(u32, String, String)> {
    e.errors.iter().map(|x| (x.line, x.field.clone(), x.code.clone())).collect()
}

/// (status, carrier, tracking_no, shipped_at) straight from the database.
async fn stored(app: &TestApp, id: &str) -> (String, Option<String>, Option<String>, Option<i64>) {
    sqlx::query_as("SELECT status, carrier, tracking_no, shipped_at FROM orders WHERE order_id = $1").bind(id).fetch_one(&app.state.db.pool).await.unwrap()
}

/// (awaiting shipment, shipped, all) orders of the caller's shop through the list endpoint,
/// from the kept counts, as the list page shows them.
async fn counts(c: &Client) -> (u64, u64, u64) {
    let total = |q: String| async move { c.orders(&format!("per_page=1{q}")).await.total };
    (total("&status=awaiting_shipment".into()).await, total("&status=shipped".into()).await, total(String::new()).await)
}

/// The counts kept in `shop_order_counts` equal a real count of the orders.
async fn assert_counts_exact(app: &TestApp, shop: &str) {
    let kept: Vec<(String, i64)> = sqlx::query_as("SELECT status, n FROM shop_order_counts WHERE shop_id = $1 AND n <> 0 ORDER BY status").bind(shop).fetch_all(&app.state.db.pool).await.unwrap();
    let real: Vec<(String, i64)> = sqlx::query_as("SELECT status, COUNT(*) FROM orders WHERE shop_id = $1 GROUP BY status ORDER BY status").bind(shop).fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(kept, real);
}

async fn audit_rows(app: &TestApp, action: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit WHERE action = $1").bind(action).fetch_one(&app.state.db.pool).await.unwrap();
    n
}

/// A staff account of shop1 with only these permissions, logged in.
async fn staff_with(app: &TestApp, owner: &Client, name: &str, perms: &[&str]) -> Client {
    let _: Value = owner.post("/api/v1/staff", &json!({"username": name, "password": "Staff-Pass-2026", "permissions": perms})).await.ok();
    login_with(app, name, "Staff-Pass-2026").await
}

/// An XLSX workbook with these rows (first the header): cells that parse as whole numbers
/// are written as numbers, as Excel stores what a person types.
fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in (0u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row.iter()) {
            match cell.parse::<f64>() {
                Ok(n) if !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit()) => sheet.write_number(r, c, n).map(|_| ()),
                _ if cell.is_empty() => Ok(()),
                _ => sheet.write_string(r, c, *cell).map(|_| ()),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn ship_by_hand_sets_status_counts_audit_and_shipment(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;

    // The carrier list, for any logged-in user.
    let carriers: Vec<CarrierInfo> = owner.get("/api/v1/carriers").await.ok();
    assert_eq!(carriers.len(), orderveil_api::CARRIERS.len());
    let sf = carriers.iter().find(|c| c.code == "SF").unwrap();
    assert_eq!((sf.name_zh.as_str(), sf.format.as_str()), ("顺丰速运", "SF + 13 digits | SF + 12 digits"));
    let _: Vec<CarrierInfo> = app.login("factory1").await.get("/api/v1/carriers").await.ok();
    assert_eq!(reqwest::get(format!("{}/api/v1/carriers", app.base)).await.unwrap().status().as_u16(), 401);

    assert_eq!(counts(&owner).await, (2, 1, 8));
    let before: OrderView = owner.get("/api/v1/orders/S1-AWAIT-1").await.ok();
    assert_eq!(before.shipment, None);

    // The owner ships with a Chinese carrier name and a number typed with spaces and dashes.
    app.clock.advance(60);
    let now = app.now();
    let v: OrderView = ship(&owner, "S1-AWAIT-1", "顺丰", "sf 1234-5678 90123").await.ok();
    assert_eq!(v.status, OrderStatus::Shipped);
    let s = v.shipment.clone().unwrap();
    assert_eq!((s.carrier.as_str(), s.carrier_name.as_str(), s.carrier_name_en.as_str()), ("SF", "顺丰速运", "SF Express"));
    assert_eq!((s.tracking_no.as_str(), s.shipped_at.clone()), ("SF1234567890123", rfc3339(now)));
    assert!(v.revealable, "a shipped order stays revealable");
    assert_eq!(stored(&app, "S1-AWAIT-1").await, ("shipped".into(), Some("SF".into()), Some("SF1234567890123".into()), Some(now)));
    let (updated,): (i64,) = sqlx::query_as("SELECT updated_at FROM orders WHERE order_id = 'S1-AWAIT-1'").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(updated, now);

    // Detail and list show it; the counts per status moved.
    let d: OrderView = owner.get("/api/v1/orders/S1-AWAIT-1").await.ok();
    assert_eq!(d, v);
    let listed = owner.orders("status=shipped").await;
    assert_eq!(listed.orders.iter().find(|o| o.order_id == "S1-AWAIT-1").and_then(|o| o.shipment.clone()), Some(s));
    assert!(listed.orders.iter().find(|o| o.order_id == "S1-SHIPPED").is_some_and(|o| o.shipment.is_none()), "shipped before OrderVeil: no shipment");
    assert_eq!(counts(&owner).await, (1, 2, 8));

    // Staff with `ship` ship too (a 12-digit ZTO number, code in lower case).
    let staff = app.login("shop1-staff").await;
    let v: OrderView = ship(&staff, "S1-AWAIT-2", "zto", "773123456789").await.ok();
    assert_eq!(v.shipment.map(|s| (s.carrier, s.tracking_no)), Some(("ZTO".into(), "773123456789".into())));
    assert_eq!(counts(&owner).await, (0, 3, 8));
    assert_counts_exact(&app, "shop1").await;

    // One audit row each, in the shop's chain, with carrier and number; the chain verifies.
    let a = owner.audit("action=ship").await;
    assert_eq!(a.entries.len(), 2);
    let (last, first) = (&a.entries[0], &a.entries[1]);
    assert_eq!((first.actor.as_str(), first.order_ids.clone(), first.outcome.as_str()), ("shop1", vec!["S1-AWAIT-1".to_string()], "ok"));
    assert_eq!((first.details["carrier"].clone(), first.details["tracking_no"].clone(), first.details["count"].clone()), (json!("SF"), json!("SF1234567890123"), json!(1)));
    assert_eq!((last.actor.as_str(), last.details["carrier"].clone()), ("shop1-staff", json!("ZTO")));
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");

    // Shipped now: a second time is refused.
    ship(&owner, "S1-AWAIT-1", "SF", "SF1234567890124").await.err(409, "ORDER_NOT_SHIPPABLE");
}

async fn ship_by_hand_refusals_are_coded_and_change_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;

    let d = ship(&owner, "S1-AWAIT-1", "UPS", "1Z999").await.err(422, "CARRIER_UNKNOWN");
    assert_eq!(d["field"], "carrier");
    let d = ship(&owner, "S1-AWAIT-1", "SF", "SF12345").await.err(422, "TRACKING_NUMBER_INVALID");
    assert_eq!((d["field"].clone(), d["carrier"].clone(), d["format"].clone()), (json!("tracking_no"), json!("SF"), json!("SF + 13 digits | SF + 12 digits")));
    assert!(!d["reason_zh"].as_str().unwrap().is_ascii());
    ship(&owner, "S1-AWAIT-1", "YTO", "SF1234567890123").await.err(422, "TRACKING_NUMBER_INVALID");
    let d = ship(&owner, "S1-AWAIT-1", "SF", "  ").await.err(422, "VALIDATION_FAILED");
    assert_eq!(d["field"], "tracking_no");
    ship(&owner, "S1-AWAIT-1", "", "SF1234567890123").await.err(422, "VALIDATION_FAILED");
    owner.post("/api/v1/orders/S1-AWAIT-1/ship", &json!({"carrier": "SF", "tracking_no": "SF1234567890123", "note": "x"})).await.err(422, "VALIDATION_FAILED");
    owner.post_raw("/api/v1/orders/S1-AWAIT-1/ship", "{not json").await.err(400, "BAD_REQUEST");

    // Orders that are not awaiting shipment, with their status.
    for (id, status) in [("S1-SHIPPED", "shipped"), ("S1-UNPAID", "unpaid"), ("S1-CANCELLED", "cancelled"), ("S1-CLOSED", "closed"), ("S1-DONE", "completed"), ("S1-AFTERSALE", "after_sale")] {
        let d = ship(&owner, id, "SF", "SF1234567890123").await.err(409, "ORDER_NOT_SHIPPABLE");
        assert_eq!(d["status"], status, "{id}");
    }
    // Another shop's order looks exactly like a missing one.
    let other = ship(&owner, "S2-AWAIT-2", "SF", "SF1234567890123").await;
    let missing = ship(&owner, "NO-SUCH-ORDER", "SF", "SF1234567890123").await;
    other.err(404, "ORDER_NOT_FOUND");
    assert_eq!(other.body, missing.body);
    ship(&owner, "=1+1", "SF", "SF1234567890123").await.err(404, "ORDER_NOT_FOUND");

    // Who may ship: owners and staff with `ship`; not staff without it, admins, factories.
    let viewer = staff_with(&app, &owner, "s1-viewer", &["view", "reveal"]).await;
    ship(&viewer, "S1-AWAIT-1", "SF", "SF1234567890123").await.err(403, "FORBIDDEN");
    ship(&app.login("admin").await, "S1-AWAIT-1", "SF", "SF1234567890123").await.err(403, "FORBIDDEN");
    ship(&app.login("factory1").await, "S1-AWAIT-1", "SF", "SF1234567890123").await.err(403, "FORBIDDEN");
    // Shop2's owner cannot ship shop1's order.
    ship(&app.login("shop2").await, "S1-AWAIT-1", "SF", "SF1234567890123").await.err(404, "ORDER_NOT_FOUND");
    // A cookie without the CSRF token.
    let r = owner.http.post(owner.url("/api/v1/orders/S1-AWAIT-1/ship")).json(&json!({"carrier": "SF", "tracking_no": "SF1234567890123"})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);

    // Nothing changed anywhere.
    assert_eq!(stored(&app, "S1-AWAIT-1").await, ("awaiting_shipment".into(), None, None, None));
    assert_eq!(stored(&app, "S2-AWAIT-2").await.0, "awaiting_shipment");
    assert_eq!(counts(&owner).await, (2, 1, 8));
    assert_eq!(audit_rows(&app, "ship").await, 0);
}

async fn csv_and_xlsx_uploads_apply_every_row_with_one_audit_row(store: Store) {
    let app = TestApp::spawn(store).await;
    let now = app.now();
    app.ingest_ok(&realistic("shop1", "UP", 8, now, OrderStatus::AwaitingShipment)).await;
    let owner = app.login("shop1").await;
    assert_eq!(counts(&owner).await, (10, 1, 16));

    // CSV: English header, codes and names, numbers as typed.
    let csv = "order_id,carrier,tracking_no\nUP-0001,SF,SF1000000000001\nUP-0002,圆通速递,yt1000000000002\nS1-AWAIT-1,JD,JD 1000 0000 00003\n";
    let r: ShipmentUploadResult = upload_csv(&owner, csv).await.ok();
    assert_eq!((r.applied, r.order_ids.clone()), (3, vec!["UP-0001".to_string(), "UP-0002".into(), "S1-AWAIT-1".into()]));
    assert_eq!(stored(&app, "UP-0002").await, ("shipped".into(), Some("YTO".into()), Some("YT1000000000002".into()), Some(now)));
    let v: OrderView = owner.get("/api/v1/orders/S1-AWAIT-1").await.ok();
    assert_eq!(v.shipment.map(|s| (s.carrier, s.tracking_no)), Some(("JD".into(), "JD1000000000003".into())));
    assert_eq!(counts(&owner).await, (7, 4, 16));

    // One audit row for the batch, with every order and the count.
    let a = owner.audit("action=ship_batch").await;
    assert_eq!(a.entries.len(), 1);
    assert_eq!(a.entries[0].order_ids, r.order_ids);
    assert_eq!((a.entries[0].details["count"].clone(), a.entries[0].details["carriers"].clone()), (json!(3), json!({"JD": 1, "SF": 1, "YTO": 1})));

    // XLSX: Chinese header in another order, an extra column, a number cell for a 12-digit
    // ZTO number and for an EMS number; sent by the staff account with `ship`.
    let book = xlsx(&[
        &["运单号", "备注", "快递公司", "订单号"],
        &["773100000004", "易碎", "中通快递", "UP-0004"],
        &["1100000000005", "", "EMS", "UP-0005"],
        &["DPK100000000006", "=SUM(1,2)", "德邦", "UP-0006"],
    ]);
    let staff = app.login("shop1-staff").await;
    let r: ShipmentUploadResult = upload(&staff, "", XLSX, book.clone()).await.ok();
    assert_eq!((r.applied, r.order_ids), (3, vec!["UP-0004".to_string(), "UP-0005".into(), "UP-0006".into()]));
    assert_eq!(stored(&app, "UP-0004").await.1.as_deref(), Some("ZTO"));
    assert_eq!(stored(&app, "UP-0004").await.2.as_deref(), Some("773100000004"));
    assert_eq!(stored(&app, "UP-0005").await.2.as_deref(), Some("1100000000005"));

    // `?format=xlsx` with an untyped body; the same workbook again is refused as a whole
    // (those orders have shipped), and a fresh one applies.
    let again = upload(&owner, "?format=xlsx", "application/octet-stream", book).await;
    let e = upload_errors(&again);
    assert_eq!(problems(&e), [(2, "order_id".into(), "ORDER_NOT_SHIPPABLE".into()), (3, "order_id".into(), "ORDER_NOT_SHIPPABLE".into()), (4, "order_id".into(), "ORDER_NOT_SHIPPABLE".into())]);
    assert_eq!(e.errors[0].details, Some(json!({"status": "shipped"})));
    let r: ShipmentUploadResult = upload(&owner, "?format=xlsx", "application/octet-stream", xlsx(&[&["order_id", "carrier", "tracking_no"], &["UP-0007", "SF", "SF100000000007"]])).await.ok();
    assert_eq!(r.applied, 1);

    assert_eq!(counts(&owner).await, (3, 8, 16));
    assert_counts_exact(&app, "shop1").await;
    assert_eq!(audit_rows(&app, "ship_batch").await, 3);
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}

async fn one_bad_row_applies_nothing_and_is_reported_alone(store: Store) {
    let app = TestApp::spawn(store).await;
    let now = app.now();
    app.ingest_ok(&realistic("shop1", "UP", 5, now, OrderStatus::AwaitingShipment)).await;
    let owner = app.login("shop1").await;
    let before = counts(&owner).await;

    // Line 4 has an SF number one digit short; every other row is good.
    let csv = "order_id,carrier,tracking_no\r\nUP-0001,SF,SF1000000000001\r\nUP-0002,SF,SF1000000000002\r\nUP-0003,SF,SF10000000003\r\nUP-0004,SF,SF1000000000004\r\nUP-0005,SF,SF1000000000005\r\n";
    let r = upload_csv(&owner, csv).await;
    let e = upload_errors(&r);
    assert_eq!(e.rows, 5);
    assert_eq!(problems(&e), [(4, "tracking_no".into(), "TRACKING_NUMBER_INVALID".into())]);
    assert_eq!(e.errors[0].order_id, "UP-0003");
    assert!(e.errors[0].message.contains("SF + 13 digits"), "{}", e.errors[0].message);
    assert_eq!(r.body["message_zh"], json!(orderveil_api::ErrorCode::UploadInvalid.message_zh()));

    // Nothing applied: statuses, columns, counts, audit.
    for i in 1..=5 {
        assert_eq!(stored(&app, &format!("UP-{i:04}")).await, ("awaiting_shipment".into(), None, None, None), "UP-{i:04}");
    }
    assert_eq!(counts(&owner).await, before);
    assert_eq!(audit_rows(&app, "ship_batch").await, 0);

    // Fixed, the same file applies whole.
    let r: ShipmentUploadResult = upload_csv(&owner, &csv.replace("SF10000000003", "SF1000000000003")).await.ok();
    assert_eq!(r.applied, 5);
}

async fn every_kind_of_bad_row_is_reported_with_its_line(store: Store) {
    let app = TestApp::spawn(store).await;
    let now = app.now();
    app.ingest_ok(&realistic("shop1", "UP", 3, now, OrderStatus::AwaitingShipment)).await;
    let owner = app.login("shop1").await;
    let csv = [
        "order_id,carrier,tracking_no",
        "UP-0001,SF,SF1000000000001",                    // 2 good
        "NO-SUCH-ORDER,SF,SF1000000000002",              // 3 unknown order
        "S2-AWAIT-2,SF,SF1000000000003",                 // 4 another shop's order
        "S1-SHIPPED,SF,SF1000000000004",                 // 5 shipped already
        "S1-UNPAID,SF,SF1000000000005",                  // 6 not paid
        "UP-0001,SF,SF1000000000006",                    // 7 the same order again
        "UP-0002,Fedex,123",                             // 8 unknown carrier
        "UP-0003,中通,SF1000000000007",                  // 9 number of another carrier
        ",SF,",                                          // 10 empty cells
        "\"=HYPERLINK(\"\"http://x\"\",\"\"UP-0002\"\")\",SF,SF1000000000008", // 11 a formula is text
        "S1-AWAIT-1,SF,=SF1000000000009",                // 12 a formula-looking number
        "S1-AWAIT-2,ZTO,7.73123E+11",                    // 13 a number Excel shortened
    ]
    .join("\n");
    let e = upload_errors(&upload_csv(&owner, &csv).await);
    assert_eq!(e.rows, 12);
    let p = |line: u32, field: &str, code: &str| (line, field.to_string(), code.to_string());
    assert_eq!(
        problems(&e),
        [
            p(3, "order_id", "ORDER_NOT_FOUND"),
            p(4, "order_id", "ORDER_NOT_FOUND"),
            p(5, "order_id", "ORDER_NOT_SHIPPABLE"),
            p(6, "order_id", "ORDER_NOT_SHIPPABLE"),
            p(7, "order_id", "VALIDATION_FAILED"),
            p(8, "carrier", "CARRIER_UNKNOWN"),
            p(9, "tracking_no", "TRACKING_NUMBER_INVALID"),
            p(10, "order_id", "VALIDATION_FAILED"),
            p(10, "tracking_no", "VALIDATION_FAILED"),
            p(11, "order_id", "ORDER_NOT_FOUND"),
            p(12, "tracking_no", "TRACKING_NUMBER_INVALID"),
            p(13, "tracking_no", "TRACKING_NUMBER_INVALID"),
        ]
    );
    let at = |line: u32| e.errors.iter().find(|x| x.line == line).unwrap();
    assert_eq!(at(3).message.replace("NO-SUCH-ORDER", "S2-AWAIT-2"), at(4).message, "another shop's order reads like a missing one");
    assert_eq!(at(4).details, None);
    assert_eq!((at(5).details.clone(), at(6).details.clone()), (Some(json!({"status": "shipped"})), Some(json!({"status": "unpaid"}))));
    assert_eq!(at(7).details, Some(json!({"first_line": 2})));
    assert_eq!(at(9).details.as_ref().map(|d| d["carrier"].clone()), Some(json!("ZTO")));
    assert!(at(11).order_id.starts_with("=HYPERLINK"), "{:?}", at(11));
    assert!(at(13).message.contains("E+11"), "{}", at(13).message);
    // Nothing applied, not even the good row.
    assert_eq!(stored(&app, "UP-0001").await.0, "awaiting_shipment");
    assert_eq!(audit_rows(&app, "ship_batch").await, 0);
}

async fn header_variants_encodings_and_blank_rows(store: Store) {
    let app = TestApp::spawn(store).await;
    let now = app.now();
    app.ingest_ok(&realistic("shop1", "UP", 8, now, OrderStatus::AwaitingShipment)).await;
    let owner = app.login("shop1").await;

    // Chinese header with BOM, reordered, an extra column, blank rows, CRLF, quoted cells.
    let csv = "\u{feff}快递公司,运单号,买家留言,订单号\r\n顺丰速运,SF1000000000001,\"请尽快, 谢谢\",UP-0001\r\n,,,\r\n\r\n\"韵达\",4610000000002,,UP-0002\r\n";
    let r: ShipmentUploadResult = upload(&owner, "", "text/csv; charset=utf-8", csv.as_bytes().to_vec()).await.ok();
    assert_eq!(r.order_ids, ["UP-0001", "UP-0002"]);
    assert_eq!(stored(&app, "UP-0002").await.1.as_deref(), Some("YUNDA"));

    // GBK, as Excel in China saves a CSV; labelled the way Windows labels .csv files.
    let (gbk, _, _) = encoding_rs::GBK.encode("订单号,快递公司,运单号\r\nUP-0003,中通快递,773100000003\r\n");
    let r: ShipmentUploadResult = upload(&owner, "", "application/vnd.ms-excel", gbk.into_owned()).await.ok();
    assert_eq!(r.order_ids, ["UP-0003"]);

    // English names in other spellings and case, reordered; `?format=csv` over any type.
    let csv = "Tracking No,Order ID,CARRIER\nJT1000000000004,UP-0004,JTSD\n";
    let r: ShipmentUploadResult = upload(&owner, "?format=csv", "application/octet-stream", csv.as_bytes().to_vec()).await.ok();
    assert_eq!(r.order_ids, ["UP-0004"]);

    // A header with a column twice, or missing one, is refused at line 1.
    let e = upload_errors(&upload_csv(&owner, "order_id,carrier,运单号,tracking_no\nUP-0005,SF,SF1000000000005,SF1000000000005\n").await);
    assert_eq!(problems(&e), [(1, "header".into(), "VALIDATION_FAILED".into())]);
    let e = upload_errors(&upload_csv(&owner, "订单号,运单号\nUP-0005,SF1000000000005\n").await);
    assert_eq!(problems(&e), [(1, "header".into(), "VALIDATION_FAILED".into())]);
    assert!(e.errors[0].message_zh.contains("快递公司"), "{}", e.errors[0].message_zh);
    assert_eq!(stored(&app, "UP-0005").await.0, "awaiting_shipment");

    // An XLSX whose header is not on the first row: lines are the sheet's row numbers.
    let book = xlsx(&[&[], &["订单号", "快递公司", "运单号"], &["UP-0005", "SF", "SF1000000000005"], &[], &["UP-0006", "SF", "bad"]]);
    let e = upload_errors(&upload(&owner, "", XLSX, book).await);
    assert_eq!((problems(&e), e.rows), (vec![(5, "tracking_no".into(), "TRACKING_NUMBER_INVALID".into())], 2));
    assert_counts_exact(&app, "shop1").await;
}

async fn unreadable_files_and_callers_get_coded_errors(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;
    let file_problem = |e: &ShipmentUploadErrors, field: &str| {
        assert_eq!(e.errors.len(), 1, "{e:?}");
        assert_eq!(e.errors[0].field, field, "{e:?}");
    };

    // Empty, blank, header only, no header (data on the first row).
    file_problem(&upload_errors(&upload_csv(&owner, "").await), "file");
    file_problem(&upload_errors(&upload_csv(&owner, "\r\n \r\n").await), "file");
    file_problem(&upload_errors(&upload_csv(&owner, "order_id,carrier,tracking_no\r\n").await), "file");
    file_problem(&upload_errors(&upload_csv(&owner, "S1-AWAIT-1,SF,SF1000000000001\n").await), "header");
    // Garbage bytes, a broken zip, a renamed text file, an old .xls, UTF-16.
    let garbage: Vec<u8> = (0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    file_problem(&upload_errors(&upload(&owner, "", "text/csv", garbage.clone()).await), "file");
    file_problem(&upload_errors(&upload(&owner, "", XLSX, garbage).await), "file");
    file_problem(&upload_errors(&upload(&owner, "", XLSX, b"PK\x03\x04not really a zip".to_vec()).await), "file");
    file_problem(&upload_errors(&upload(&owner, "", XLSX, b"order_id,carrier,tracking_no\n".to_vec()).await), "file");
    file_problem(&upload_errors(&upload(&owner, "", "application/vnd.ms-excel", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest".to_vec()).await), "file");
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("订单号,快递公司,运单号\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
    file_problem(&upload_errors(&upload(&owner, "", "text/csv", utf16).await), "file");

    // Too many rows: refused before anything is looked up.
    let mut big = String::from("order_id,carrier,tracking_no\n");
    for i in 0..=orderveil_api::SHIPMENT_UPLOAD_MAX_ROWS {
        big.push_str(&format!("X-{i},SF,SF{i:013}\n"));
    }
    let e = upload_errors(&upload_csv(&owner, &big).await);
    assert_eq!((e.rows as usize, e.errors[0].details.clone()), (orderveil_api::SHIPMENT_UPLOAD_MAX_ROWS + 1, Some(json!({"max_rows": 5000}))));
    // Bigger than the body limit.
    let huge = vec![b'a'; orderveil_server::extract::BODY_LIMIT + 1];
    upload(&owner, "", "text/csv", huge).await.err(413, "PAYLOAD_TOO_LARGE");
    // Types and formats that are not CSV or XLSX.
    upload(&owner, "", "application/json", b"{}".to_vec()).await.err(422, "VALIDATION_FAILED");
    upload(&owner, "?format=xls", "text/csv", b"a".to_vec()).await.err(422, "VALIDATION_FAILED");
    upload(&owner, "?sheet=2", "text/csv", b"a".to_vec()).await.err(422, "VALIDATION_FAILED");

    // Who may upload: as for shipping by hand.
    let csv = b"order_id,carrier,tracking_no\nS1-AWAIT-1,SF,SF1000000000001\n".to_vec();
    let viewer = staff_with(&app, &owner, "s1-viewer", &["view"]).await;
    for c in [&viewer, &app.login("admin").await, &app.login("factory1").await] {
        upload(c, "", "text/csv", csv.clone()).await.err(403, "FORBIDDEN");
    }
    let r = reqwest::Client::new().post(format!("{}/api/v1/shipments/upload", app.base)).header("Content-Type", "text/csv").body(csv.clone()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // Shop2 cannot ship shop1's order by upload either.
    let e = upload_errors(&upload(&app.login("shop2").await, "", "text/csv", csv.clone()).await);
    assert_eq!(problems(&e), [(2, "order_id".into(), "ORDER_NOT_FOUND".into())]);

    // Still serving, nothing shipped, no batch audited.
    let _: ShipmentUploadResult = upload(&owner, "", "text/csv", csv).await.ok();
    assert_eq!(audit_rows(&app, "ship_batch").await, 1);
    assert_counts_exact(&app, "shop1").await;

    // The endpoints are in the OpenAPI document.
    let doc: Value = owner.get("/api/openapi.json").await.ok();
    for p in ["/api/v1/carriers", "/api/v1/orders/{id}/ship", "/api/v1/shipments/upload", "/api/v1/shipments/template.csv", "/api/v1/shipments/template.xlsx"] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from the OpenAPI document");
    }
    assert!(doc["components"]["schemas"].get("ShipmentUploadErrors").is_some());
    assert!(doc["components"]["schemas"]["OrderView"]["properties"].get("shipment").is_some());
}

async fn a_database_failure_half_way_applies_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    let now = app.now();
    app.ingest_ok(&realistic("shop1", "UP", 3, now, OrderStatus::AwaitingShipment)).await;
    let owner = app.login("shop1").await;
    let before = counts(&owner).await;
    // The batch's audit row, written after the orders and the counts, fails.
    let (create, drop): (&[&str], &[&str]) = match store {
        Store::Sqlite => (
            &["CREATE TRIGGER it_fail_batch BEFORE INSERT ON audit WHEN NEW.action = 'ship_batch' BEGIN SELECT RAISE(ABORT, 'it: injected failure'); END"],
            &["DROP TRIGGER it_fail_batch"],
        ),
        Store::Postgres => (
            &[
                "CREATE FUNCTION it_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'it: injected failure'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER it_fail_batch BEFORE INSERT ON audit FOR EACH ROW WHEN (NEW.action = 'ship_batch') EXECUTE FUNCTION it_fail()",
            ],
            &["DROP TRIGGER it_fail_batch ON audit"],
        ),
    };
    for sql in create {
        sqlx::raw_sql(sql).execute(&app.state.db.pool).await.unwrap();
    }
    let csv = "order_id,carrier,tracking_no\nUP-0001,SF,SF1000000000001\nUP-0002,SF,SF1000000000002\nUP-0003,SF,SF1000000000003\n";
    let r = upload_csv(&owner, csv).await;
    r.err(500, "INTERNAL");
    assert!(!r.text.contains("injected"), "the cause stays in the log: {}", r.text);
    for i in 1..=3 {
        assert_eq!(stored(&app, &format!("UP-{i:04}")).await, ("awaiting_shipment".into(), None, None, None));
    }
    assert_eq!(counts(&owner).await, before);
    assert_counts_exact(&app, "shop1").await;
    for sql in drop {
        sqlx::raw_sql(sql).execute(&app.state.db.pool).await.unwrap();
    }
    let r: ShipmentUploadResult = upload_csv(&owner, csv).await.ok();
    assert_eq!(r.applied, 3);
    assert_counts_exact(&app, "shop1").await;
}

async fn concurrent_uploads_of_the_same_orders_ship_them_once(store: Store) {
    let app = TestApp::spawn(store).await;
    let now = app.now();
    app.ingest_ok(&realistic("shop1", "UP", 40, now, OrderStatus::AwaitingShipment)).await;
    let (a, b) = (app.login("shop1").await, app.login("shop1-staff").await);
    // The same 40 orders, in opposite orders, at once (on PostgreSQL each in its own
    // transaction): one file ships them all, the other is refused whole; no deadlock.
    let rows: Vec<String> = (1..=40).map(|i| format!("UP-{i:04},SF,SF{i:013}")).collect();
    let forward = format!("order_id,carrier,tracking_no\n{}\n", rows.join("\n"));
    let backward = format!("order_id,carrier,tracking_no\n{}\n", rows.iter().rev().cloned().collect::<Vec<_>>().join("\n"));
    let (ra, rb) = tokio::join!(upload_csv(&a, &forward), upload_csv(&b, &backward));
    let (won, lost) = if ra.status == 200 { (ra, rb) } else { (rb, ra) };
    assert_eq!(won.ok::<ShipmentUploadResult>().applied, 40);
    let e = upload_errors(&lost);
    assert_eq!(e.errors.len(), 40);
    assert!(e.errors.iter().all(|x| x.code == "ORDER_NOT_SHIPPABLE"), "{e:?}");
    assert_eq!(counts(&a).await, (2, 41, 48));
    assert_counts_exact(&app, "shop1").await;
    assert_eq!(audit_rows(&app, "ship_batch").await, 1);
}

async fn the_largest_upload_applies_in_one_go(store: Store) {
    let app = TestApp::spawn(store).await;
    let now = app.now();
    let max = orderveil_api::SHIPMENT_UPLOAD_MAX_ROWS;
    app.ingest_ok(&realistic("shop1", "BIG", max, now, OrderStatus::AwaitingShipment)).await;
    let owner = app.login("shop1").await;
    // 5,000 rows: several statements per step, one transaction, one audit row.
    let rows: Vec<String> = (1..=max).map(|i| format!("BIG-{i:04},{},{}", ["SF", "YTO", "ZTO"][i % 3], [format!("SF{i:013}"), format!("YT{i:013}"), format!("{i:012}")][i % 3])).collect();
    let csv = format!("order_id,carrier,tracking_no\n{}\n", rows.join("\n"));
    let r: ShipmentUploadResult = upload_csv(&owner, &csv).await.ok();
    assert_eq!(r.applied as usize, max);
    assert_eq!(counts(&owner).await, (2, 1 + max as u64, 8 + max as u64));
    assert_counts_exact(&app, "shop1").await;
    let a = owner.audit("action=ship_batch").await;
    assert_eq!((a.entries.len(), a.entries[0].order_ids.len()), (1, max));
    assert_eq!(stored(&app, "BIG-4999").await.2.as_deref(), Some("YT0000000004999"));
}

async fn templates_download_and_their_example_row_validates(store: Store) {
    let app = TestApp::spawn(store).await;
    let staff = app.login("shop1-staff").await;

    let r = staff.http.get(staff.url("/api/v1/shipments/template.csv")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let header = |r: &reqwest::Response, h: &str| r.headers().get(h).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert_eq!(header(&r, "content-type"), "text/csv; charset=utf-8");
    let cd = header(&r, "content-disposition");
    assert!(cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''%E5%8F%91%E8%B4%A7%E6%A8%A1%E6%9D%BF.csv"), "{cd}");
    let bytes = r.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0], "订单号,快递公司,运单号");
    let example: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(example[2], "SF1234567890123");

    // As downloaded: only the example order id is unknown; carrier and number validate.
    let e = upload_errors(&upload(&staff, "", "text/csv", text.clone().into_bytes()).await);
    assert_eq!(problems(&e), [(2, "order_id".into(), "ORDER_NOT_FOUND".into())]);
    // With a real order id, it ships.
    let r: ShipmentUploadResult = upload(&staff, "", "text/csv", text.replace(example[0], "S1-AWAIT-1").into_bytes()).await.ok();
    assert_eq!(r.order_ids, ["S1-AWAIT-1"]);
    let v: OrderView = staff.get("/api/v1/orders/S1-AWAIT-1").await.ok();
    assert_eq!(v.shipment.map(|s| (s.carrier, s.tracking_no)), Some(("SF".into(), "SF1234567890123".into())));

    // The XLSX template reads back the same way.
    let r = staff.http.get(staff.url("/api/v1/shipments/template.xlsx")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(header(&r, "content-type"), XLSX);
    assert!(header(&r, "content-disposition").contains("filename*=UTF-8''%E5%8F%91%E8%B4%A7%E6%A8%A1%E6%9D%BF.xlsx"));
    let book = r.bytes().await.unwrap().to_vec();
    let e = upload_errors(&upload(&staff, "", XLSX, book).await);
    assert_eq!(problems(&e), [(2, "order_id".into(), "ORDER_NOT_FOUND".into())]);

    // Logged out: no template.
    let r = reqwest::get(format!("{}/api/v1/shipments/template.csv", app.base)).await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
}
