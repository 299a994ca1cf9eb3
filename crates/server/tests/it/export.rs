//! Order export (issue 7): CSV and XLSX files equal the stored ciphertext and masks row for
//! row and hold no plaintext; formula-like cells are neutralized; filters apply; only the
//! shop's exporters get its jobs; downloads report progress, are audited and never charge
//! the reveal quota; the files open in LibreOffice with Chinese text intact.

use std::io::Cursor;
use std::process::Command;

use calamine::{Data, Reader as _, Xlsx};
use orderveil_api::{ExportJob, ExportStatus, IngestOrder, Item, OrderStatus};
use orderveil_server::clock::rfc3339;
use serde_json::{Value, json};

use crate::helpers::*;

both_stores!(
    export_equals_the_stored_ciphertext_and_masks_and_holds_no_plaintext,
    formula_cells_are_neutralized_in_both_formats,
    exports_belong_to_the_shops_exporters_only,
    exports_are_audited_never_charged_and_search_terms_stay_secret,
    downloads_report_progress_and_an_aborted_one_is_failed,
);

/// Item titles a spreadsheet would run as formulas, and what the export must show.
const FORMULAS: [(&str, &str); 6] = [
    ("=HYPERLINK(\"http://evil.example/x\",\"点我\")", "'=HYPERLINK(\"http://evil.example/x\",\"点我\")×1"),
    ("+1", "'+1×1"),
    ("-2", "'-2×1"),
    ("@x", "'@x×1"),
    ("\tx", "'\tx×1"),
    ("\rcmd", "'\rcmd×1"),
];

/// The export's columns, as the header row shows them.
const HEADER: [&str; 15] = [
    "订单号 order_id",
    "状态 status",
    "下单时间 created_at",
    "商品 items",
    "金额(元) amount",
    "收件人(脱敏) name_masked",
    "手机号(脱敏) phone_masked",
    "地址(脱敏) address_masked",
    "收件人密文 name_ciphertext",
    "手机号密文 phone_ciphertext",
    "地址密文 address_ciphertext",
    "收件人标识 receiver_key",
    "快递公司 carrier",
    "运单号 tracking_no",
    "发货时间 shipped_at",
];

async fn create(c: &Client, format: &str, filter: Value) -> Resp {
    c.post("/api/v1/exports", &json!({"format": format, "filter": filter})).await
}

async fn create_ok(c: &Client, format: &str, filter: Value) -> ExportJob {
    create(c, format, filter).await.ok()
}

/// `POST /api/v1/exports/{id}/file` as the web app's download form posts it (the CSRF token
/// as a form field): status, content type, content disposition, bytes.
async fn download(c: &Client, id: &str) -> (u16, String, String, Vec<u8>) {
    let r = file_request(c, id).send().await.unwrap();
    let h = |k: &str| r.headers().get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (status, ct, cd) = (r.status().as_u16(), h("content-type"), h("content-disposition"));
    (status, ct, cd, r.bytes().await.unwrap().to_vec())
}

/// The download request a browser's form makes (a page that sends no referrer: `Origin: null`,
/// and the browser's `Sec-Fetch-Site`).
fn file_request(c: &Client, id: &str) -> reqwest::RequestBuilder {
    c.http
        .post(c.url(&format!("/api/v1/exports/{id}/file")))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", "null")
        .header("Sec-Fetch-Site", "same-origin")
        .body(format!("csrf_token={}", c.csrf))
}

async fn download_ok(c: &Client, job: &ExportJob) -> Vec<u8> {
    let (status, ct, cd, bytes) = download(c, &job.id).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let want_ct = if job.filename.ends_with(".csv") { "text/csv; charset=utf-8" } else { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" };
    assert_eq!(ct, want_ct);
    assert_eq!(cd, format!("attachment; filename=\"{}\"", job.filename));
    bytes
}

/// The job once its download has been recorded (the server records the end right after
/// the last byte).
async fn settled(c: &Client, id: &str) -> ExportJob {
    for _ in 0..200 {
        let j: ExportJob = c.get(&format!("/api/v1/exports/{id}")).await.ok();
        if matches!(j.status, ExportStatus::Done | ExportStatus::Failed) {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("export {id} never finished");
}

/// A CSV export's rows (header first); asserts the BOM.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "no BOM");
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
    r.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()).collect()
}

/// An XLSX export's rows (header first), every sheet after another; amounts as `329.00`.
fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = Vec::new();
    for i in 0..wb.sheet_names().len() {
        let range = wb.worksheet_range_at(i).unwrap().unwrap();
        assert_eq!(range.start(), Some((0, 0)));
        for (n, row) in range.rows().enumerate() {
            if i > 0 && n == 0 {
                continue; // the header again
            }
            let mut cells: Vec<String> = row
                .iter()
                .map(|d| match d {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => format!("{f:.2}"),
                    Data::Int(i) => format!("{i}.00"),
                    Data::Empty => String::new(),
                    other => panic!("unexpected cell {other:?}"),
                })
                .collect();
            cells.resize(HEADER.len(), String::new());
            out.push(cells);
        }
    }
    out
}

/// The amount column of an XLSX export holds numbers.
fn xlsx_amounts_are_numbers(bytes: &[u8]) {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    for row in range.rows().skip(1) {
        assert!(matches!(row[4], Data::Float(_) | Data::Int(_)), "amount is not a number: {:?}", row[4]);
    }
}

async fn resp(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp { status, body, text }
}

fn neutral(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() }
}

fn yuan(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

type DbRow = (String, String, i64, String, i64, String, String, String, String, String, String, String, Option<String>, Option<String>, Option<i64>);

/// What the export must hold for the orders of `shop` (optionally of one status), read
/// straight from the orders table, newest first.
async fn expected(app: &TestApp, shop: &str, status: Option<&str>) -> Vec<Vec<String>> {
    let rows: Vec<DbRow> = sqlx::query_as(
        "SELECT order_id, status, created_at, items, amount_cents, name_masked, phone_masked, address_masked, name_ct, phone_ct, address_ct, receiver_key, \
         carrier, tracking_no, shipped_at FROM orders WHERE shop_id = $1 AND ($2 = '' OR status = $2) ORDER BY created_at DESC, order_id DESC",
    )
    .bind(shop)
    .bind(status.unwrap_or(""))
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|r| {
            let items: Vec<Item> = serde_json::from_str(&r.3).unwrap();
            let items = items.iter().map(|i| format!("{}×{}", i.title, i.quantity)).collect::<Vec<_>>().join("; ");
            // Every text cell is neutralized, not only titles: a base64url receiver_key can
            // start with `-` too.
            let cells = vec![
                r.0,
                r.1,
                rfc3339(r.2),
                items,
                yuan(r.4),
                r.5,
                r.6,
                r.7,
                r.8,
                r.9,
                r.10,
                r.11,
                r.12.unwrap_or_default(),
                r.13.unwrap_or_default(),
                r.14.map(rfc3339).unwrap_or_default(),
            ];
            cells.iter().map(|c| neutral(c)).collect::<Vec<_>>()
        })
        .collect()
}

/// Ten orders of shop1 (six awaiting shipment, four shipped, two of which with a carrier
/// and tracking number), one with the Chinese title the LibreOffice check looks for.
async fn ingest_ten(app: &TestApp) -> Vec<IngestOrder> {
    let mut orders = realistic("shop1", "EXP-A", 6, app.now(), OrderStatus::AwaitingShipment);
    orders.extend(realistic("shop1", "EXP-S", 4, app.now(), OrderStatus::Shipped));
    orders[0].items = vec![Item { title: "纯棉四件套".into(), quantity: 2, price_cents: 19_900, sku: None }, Item { title: "乳胶枕, 一对".into(), quantity: 1, price_cents: 8_800, sku: None }];
    orders[0].amount_cents = 48_600;
    orders[0].receiver.name = "王明".into();
    assert_eq!(app.ingest_ok(&orders).await.created, 10);
    for (id, carrier, no) in [("EXP-S-0001", "SF", "SF1234567890123"), ("EXP-S-0002", "YTO", "YT1234567890123")] {
        sqlx::query("UPDATE orders SET carrier = $1, tracking_no = $2, shipped_at = $3 WHERE order_id = $4")
            .bind(carrier)
            .bind(no)
            .bind(app.now() - 3600)
            .bind(id)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
    }
    orders
}

/// No ingested plaintext name, phone or address in `text`.
fn assert_no_plaintext(app: &TestApp, ids: &[String], text: &str) {
    let mut checked = 0;
    for id in ids {
        let r = app.ingested(id);
        for p in [&r.name, &r.phone, &r.address] {
            assert!(!text.contains(p.as_str()), "the export holds the plaintext {p:?} of {id}");
            checked += 1;
        }
    }
    assert!(checked >= 30);
}

async fn export_equals_the_stored_ciphertext_and_masks_and_holds_no_plaintext(store: Store) {
    let app = TestApp::spawn(store).await;
    let orders = ingest_ten(&app).await;
    let owner = app.login("shop1").await;
    let all = expected(&app, "shop1", None).await;
    assert_eq!(all.len(), 18, "the base set's 8 orders of shop1 and the 10 new ones");

    for format in ["csv", "xlsx"] {
        let job = create_ok(&owner, format, json!({})).await;
        assert_eq!((job.status, job.rows_total, job.rows_done, job.created_by.as_str()), (ExportStatus::Ready, 18, 0, "shop1"));
        assert!(job.filename.starts_with("orderveil-orders-shop1-20261128-") && job.filename.ends_with(&format!(".{format}")), "{}", job.filename);
        let bytes = download_ok(&owner, &job).await;
        let rows = if format == "csv" { csv_rows(&bytes) } else { xlsx_rows(&bytes) };
        assert_eq!(rows[0], HEADER, "{format}");
        assert_eq!(rows[1..], all[..], "{format}: the export differs from the orders table");
        if format == "xlsx" {
            xlsx_amounts_are_numbers(&bytes);
        }
        // Spot checks that do not go through `expected`.
        let first = rows.iter().find(|r| r[0] == "EXP-A-0001").unwrap();
        assert_eq!((first[3].as_str(), first[4].as_str(), first[5].as_str()), ("纯棉四件套×2; 乳胶枕, 一对×1", "486.00", "王*"));
        assert!(first[8].starts_with('#') && first[9].starts_with('$') && first[10].starts_with('~'));
        let shipped = rows.iter().find(|r| r[0] == "EXP-S-0001").unwrap();
        assert_eq!((shipped[12].as_str(), shipped[13].as_str(), shipped[14].as_str()), ("SF", "SF1234567890123", rfc3339(app.now() - 3600).as_str()));
        assert!(shipped[14].ends_with("+08:00"));
        // No plaintext, in the cells or anywhere in the file.
        let text: String = rows.iter().flatten().cloned().collect::<Vec<_>>().join("\n");
        let ids: Vec<String> = orders.iter().map(|o| o.order_id.clone()).chain(S1_REVEALABLE.iter().map(|s| s.to_string())).collect();
        assert_no_plaintext(&app, &ids, &text);
        if format == "csv" {
            assert_no_plaintext(&app, &ids, &String::from_utf8_lossy(&bytes));
        }
        let done = settled(&owner, &job.id).await;
        assert_eq!((done.status, done.rows_done, done.downloads), (ExportStatus::Done, 18, 1));
    }

    // The status filter of the order list applies: shop1's shipped orders only.
    let shipped = expected(&app, "shop1", Some("shipped")).await;
    assert_eq!(shipped.len(), 5);
    for format in ["csv", "xlsx"] {
        let job = create_ok(&owner, format, json!({"status": "shipped"})).await;
        assert_eq!(job.rows_total, 5);
        let bytes = download_ok(&owner, &job).await;
        let rows = if format == "csv" { csv_rows(&bytes) } else { xlsx_rows(&bytes) };
        assert_eq!(rows[1..], shipped[..], "{format}");
    }
    // An empty result is a header-only file.
    let job = create_ok(&owner, "csv", json!({"order_id": "NO-SUCH-ORDER"})).await;
    assert_eq!(job.rows_total, 0);
    assert_eq!(csv_rows(&download_ok(&owner, &job).await), [HEADER]);
    let job = create_ok(&owner, "xlsx", json!({"order_id": "NO-SUCH-ORDER"})).await;
    assert_eq!(xlsx_rows(&download_ok(&owner, &job).await), [HEADER]);
}

async fn formula_cells_are_neutralized_in_both_formats(store: Store) {
    let app = TestApp::spawn(store).await;
    let orders: Vec<IngestOrder> = FORMULAS
        .iter()
        .enumerate()
        .map(|(i, (title, _))| {
            let mut o = order(&format!("F-{i}"), "shop3", OrderStatus::AwaitingShipment, app.now(), 100 + i as i64, ("周末", "13912345678", "江苏省南京市鼓楼区中山路1号"));
            o.items = vec![Item { title: (*title).into(), quantity: 1, price_cents: 100, sku: None }];
            o
        })
        .collect();
    app.ingest_ok(&orders).await;
    // A base64url receiver_key may start with `-` (1 in 64): neutralized like any text.
    sqlx::query("UPDATE orders SET receiver_key = '-PC3B7P-sX8D6tifOaqTeg' WHERE order_id = 'F-0'").execute(&app.state.db.pool).await.unwrap();
    let owner = app.login("shop3").await;
    for format in ["csv", "xlsx"] {
        let job = create_ok(&owner, format, json!({})).await;
        let bytes = download_ok(&owner, &job).await;
        let rows = if format == "csv" { csv_rows(&bytes) } else { xlsx_rows(&bytes) };
        for (i, (title, want)) in FORMULAS.iter().enumerate() {
            let row = rows.iter().find(|r| r[0] == format!("F-{i}")).unwrap_or_else(|| panic!("F-{i} missing from the {format} export"));
            assert_eq!(row[3], *want, "{format}: item title {title:?}");
        }
        assert_eq!(rows.iter().find(|r| r[0] == "F-0").unwrap()[11], "'-PC3B7P-sX8D6tifOaqTeg", "{format}");
        // No cell of the file starts like a formula.
        for row in &rows {
            for cell in row {
                assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{format}: formula-like cell {cell:?}");
            }
        }
    }
}

async fn exports_belong_to_the_shops_exporters_only(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;
    let ops = app.login("shop1-ops").await; // staff with `export`
    let job = create_ok(&owner, "csv", json!({})).await;

    // Staff with `export` sees and downloads the owner's job, and creates its own.
    let listed: Vec<ExportJob> = ops.get("/api/v1/exports").await.ok();
    assert_eq!(listed.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), [job.id.as_str()]);
    download_ok(&ops, &job).await;
    let own = create_ok(&ops, "xlsx", json!({"status": "awaiting_shipment"})).await;
    assert_eq!((own.created_by.as_str(), own.rows_total), ("shop1-ops", 2));
    let listed: Vec<ExportJob> = owner.get("/api/v1/exports").await.ok();
    assert_eq!(listed.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), [own.id.as_str(), job.id.as_str()], "newest first");

    // Staff without `export`, platform admins and factories: FORBIDDEN, even for a real id.
    for user in ["shop1-staff", "admin", "factory1"] {
        let c = app.login(user).await;
        create(&c, "csv", json!({})).await.err(403, "FORBIDDEN");
        c.get("/api/v1/exports").await.err(403, "FORBIDDEN");
        c.get(&format!("/api/v1/exports/{}", job.id)).await.err(403, "FORBIDDEN");
        c.post(&format!("/api/v1/exports/{}/file", job.id), &json!({})).await.err(403, "FORBIDDEN");
    }
    // Another shop's job looks absent.
    let other = app.login("shop2").await;
    other.get(&format!("/api/v1/exports/{}", job.id)).await.err(404, "NOT_FOUND");
    other.post(&format!("/api/v1/exports/{}/file", job.id), &json!({})).await.err(404, "NOT_FOUND");
    let theirs: Vec<ExportJob> = other.get("/api/v1/exports").await.ok();
    assert!(theirs.is_empty());
    owner.get("/api/v1/exports/not-a-job").await.err(404, "NOT_FOUND");
    owner.post(&format!("/api/v1/exports/{}/file", "0".repeat(32)), &json!({})).await.err(404, "NOT_FOUND");
    // Without a session; without the CSRF token (neither header nor form field, or a wrong
    // one); by GET, which never changes anything.
    let anon = reqwest::Client::new();
    let r = resp(anon.post(format!("{}/api/v1/exports/{}/file", app.base, job.id)).send().await.unwrap()).await;
    r.err(401, "UNAUTHENTICATED");
    let downloads_before: ExportJob = owner.get(&format!("/api/v1/exports/{}", job.id)).await.ok();
    let r = resp(owner.http.post(owner.url(&format!("/api/v1/exports/{}/file", job.id))).send().await.unwrap()).await;
    r.err(403, "CSRF_FAILED");
    let forged = owner.http.post(owner.url(&format!("/api/v1/exports/{}/file", job.id))).header("Content-Type", "application/x-www-form-urlencoded").body("csrf_token=guess");
    resp(forged.send().await.unwrap()).await.err(403, "CSRF_FAILED");
    owner.get(&format!("/api/v1/exports/{}/file", job.id)).await.err(405, "METHOD_NOT_ALLOWED");
    // The web app's form posts arrive with `Origin: null` (its pages send no referrer): taken
    // only with the browser's `Sec-Fetch-Site: same-origin` (as every download of this test
    // is made, `file_request`), never from another site.
    for site in [None, Some("cross-site"), Some("same-site"), Some("none")] {
        let mut r = owner
            .http
            .post(owner.url(&format!("/api/v1/exports/{}/file", job.id)))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", "null")
            .body(format!("csrf_token={}", owner.csrf));
        if let Some(s) = site {
            r = r.header("Sec-Fetch-Site", s);
        }
        resp(r.send().await.unwrap()).await.err(403, "ORIGIN_NOT_ALLOWED");
    }
    let downloads_after: ExportJob = owner.get(&format!("/api/v1/exports/{}", job.id)).await.ok();
    assert_eq!(downloads_after.downloads, downloads_before.downloads, "a refused download counted");
    let r = resp(owner.http.post(owner.url("/api/v1/exports")).json(&json!({"format": "csv"})).send().await.unwrap()).await;
    r.err(403, "CSRF_FAILED");
    // Bad requests.
    create(&owner, "pdf", json!({})).await.err(422, "VALIDATION_FAILED");
    create(&owner, "csv", json!({"per_page": 10})).await.err(422, "VALIDATION_FAILED");
    create(&owner, "csv", json!({"phone_last4": "12"})).await.err(422, "VALIDATION_FAILED");

    // Downloadable again within 24 hours; then NOT_FOUND, while the job stays listed.
    download_ok(&owner, &job).await;
    let j = settled(&owner, &job.id).await;
    assert_eq!((j.downloads, j.expired), (2, false));
    app.clock.advance(24 * 3600 - 1);
    download_ok(&owner, &job).await;
    app.clock.advance(1);
    let details = owner.post(&format!("/api/v1/exports/{}/file", job.id), &json!({})).await.err(404, "NOT_FOUND");
    assert_eq!(details["reason"], "expired");
    let j: ExportJob = owner.get(&format!("/api/v1/exports/{}", job.id)).await.ok();
    assert!(j.expired && j.downloads == 3, "{j:?}");

    // The OpenAPI document describes the export.
    let doc: Value = owner.get("/api/openapi.json").await.ok();
    for p in ["/api/v1/exports", "/api/v1/exports/{id}", "/api/v1/exports/{id}/file"] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from the OpenAPI document");
    }
    for s in ["ExportCreate", "ExportFilter", "ExportJob", "ExportStatus", "ExportFormat"] {
        assert!(doc["components"]["schemas"].get(s).is_some(), "{s} missing from the OpenAPI document");
    }
}

async fn exports_are_audited_never_charged_and_search_terms_stay_secret(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;
    let before = owner.quota().await;

    // Searches through the blind index, as the order list does: the shared receiver's phone
    // and name find S1-AWAIT-1.
    let (name, phone, _) = SHARED_RECEIVER;
    let job = create_ok(&owner, "csv", json!({"phone": phone, "name": name})).await;
    assert_eq!(job.rows_total, 1);
    let rows = csv_rows(&download_ok(&owner, &job).await);
    assert_eq!(rows.iter().skip(1).map(|r| r[0].as_str()).collect::<Vec<_>>(), ["S1-AWAIT-1"]);
    let job2 = create_ok(&owner, "xlsx", json!({"phone_last4": &phone[7..], "status": "awaiting_shipment"})).await;
    let rows = xlsx_rows(&download_ok(&owner, &job2).await);
    assert_eq!(rows.iter().skip(1).map(|r| r[0].as_str()).collect::<Vec<_>>(), ["S1-AWAIT-1"]);
    settled(&owner, &job.id).await;
    settled(&owner, &job2.id).await;

    // Never charged: the quota and the charges are as before.
    let after = owner.quota().await;
    assert_eq!((after.used, after.limit), (before.used, before.limit));
    assert_eq!(app.charges("shop1").await, 0);

    // Audited: creation with the filter (search terms only as "<set>") and row count, and
    // each download with its rows and completeness.
    let created = owner.audit("action=export_create").await.entries;
    assert_eq!(created.len(), 2);
    assert_eq!(created[1].details, json!({"job_id": job.id, "format": "csv", "filter": {"phone": "<set>", "name": "<set>"}, "rows_total": 1}));
    assert_eq!(created[0].details["filter"], json!({"phone_last4": "<set>", "status": "awaiting_shipment"}));
    assert_eq!((created[0].actor.as_str(), created[0].outcome.as_str()), ("shop1", "ok"));
    let downloads = owner.audit("action=export_download").await.entries;
    assert_eq!(downloads.len(), 2);
    assert_eq!(downloads[1].details, json!({"job_id": job.id, "format": "csv", "rows": 1, "complete": true}));
    // Nowhere in the trail, the job rows or the chain's check: the search terms.
    // (Hashes and random job ids are left out: 64 hex digits hold a given 4-digit run by chance.)
    let trail: Vec<(String, Vec<String>, Value)> = owner
        .audit("per_page=200")
        .await
        .entries
        .into_iter()
        .map(|mut e| {
            if let Some(d) = e.details.as_object_mut() {
                d.remove("job_id");
            }
            (e.actor, e.order_ids, e.details)
        })
        .collect();
    let trail = serde_json::to_string(&trail).unwrap();
    for needle in [name, phone, &phone[7..]] {
        assert!(!trail.contains(needle), "{needle:?} in the audit trail: {trail}");
    }
    // The jobs keep blind-index tokens to re-run the search, not the phone or the name (the
    // last 4 digits, which every masked phone shows, are kept as they are).
    let jobs: Vec<(String,)> = sqlx::query_as("SELECT filter FROM exports").fetch_all(&app.state.db.pool).await.unwrap();
    let jobs = format!("{jobs:?}");
    assert!(jobs.contains("phone_token") && jobs.contains("name_tokens"), "{jobs}");
    for needle in [name, phone] {
        assert!(!jobs.contains(needle), "{needle:?} stored in clear: {jobs}");
    }
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");

    // The real binary with debug logs: the search terms never reach the log.
    let p = app.spawn_binary(&[], &[("ORDERVEIL_LOG", "debug")]).await;
    let c = p.login("shop1").await;
    let j = create_ok(&c, "xlsx", json!({"phone": phone, "name": name, "address": "文三路"})).await;
    assert_eq!(j.rows_total, 1);
    download_ok(&c, &j).await;
    settled(&c, &j.id).await;
    let (out, err) = p.stop().await;
    assert!(err.contains("DEBUG") && err.contains("/api/v1/exports"), "no debug log of the export:\n{err}");
    for needle in [name, phone, "文三路"] {
        assert!(!out.contains(needle) && !err.contains(needle), "the log holds {needle:?}");
    }
}

async fn downloads_report_progress_and_an_aborted_one_is_failed(store: Store) {
    let app = TestApp::spawn(store).await;
    // Enough rows for several chunks and a file larger than the socket buffers.
    let orders = realistic("shop2", "BIG", 9_000, app.now(), OrderStatus::AwaitingShipment);
    app.ingest_ok(&orders).await;
    // One creation time for all: the chunks' keyset (created_at, order_id) must page through
    // ties without losing or repeating a row.
    sqlx::query("UPDATE orders SET created_at = $1 WHERE shop_id = 'shop2'").bind(app.now() - 60).execute(&app.state.db.pool).await.unwrap();
    let owner = app.login("shop2").await;
    let total = 9_002;
    let job = create_ok(&owner, "csv", json!({})).await;
    assert_eq!(job.rows_total, total);

    // Read a little, look at the job, read on to the end.
    let mut resp = file_request(&owner, &job.id).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let mut got = resp.chunk().await.unwrap().unwrap().to_vec();
    let running: ExportJob = owner.get(&format!("/api/v1/exports/{}", job.id)).await.ok();
    assert_eq!((running.status, running.downloads), (ExportStatus::Running, 1));
    assert!(running.rows_done < total, "{running:?}");
    let mut seen_progress = vec![running.rows_done];
    while let Some(c) = resp.chunk().await.unwrap() {
        got.extend_from_slice(&c);
        if seen_progress.len() < 50 {
            let j: ExportJob = owner.get(&format!("/api/v1/exports/{}", job.id)).await.ok();
            seen_progress.push(j.rows_done);
        }
    }
    assert!(seen_progress.windows(2).all(|w| w[0] <= w[1]), "progress went back: {seen_progress:?}");
    assert!(seen_progress.iter().any(|&n| n > 0 && n < total), "no intermediate progress seen: {seen_progress:?}");
    let rows = csv_rows(&got);
    assert_eq!(rows.len() as u64, total + 1);
    let ids: std::collections::BTreeSet<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids.len() as u64, total, "a row repeated");
    let done = settled(&owner, &job.id).await;
    assert_eq!((done.status, done.rows_done), (ExportStatus::Done, total));

    // The client goes away after the first block: the job fails with the rows it got to.
    let resp = file_request(&owner, &job.id).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let mut resp = resp;
    let _ = resp.chunk().await.unwrap();
    drop(resp);
    let failed = settled(&owner, &job.id).await;
    assert_eq!((failed.status, failed.downloads), (ExportStatus::Failed, 2));
    assert!(failed.rows_done < total, "{failed:?}");
    let audited = owner.audit("action=export_download").await.entries;
    assert_eq!(audited.len(), 2);
    assert_eq!(audited[0].details["complete"], false);
    assert_eq!(audited[0].details["rows"], failed.rows_done);
    assert_eq!(audited[1].details["complete"], true);
    assert_eq!(audited[1].details["rows"], total);
    // It can be downloaded again.
    let bytes = download_ok(&owner, &job).await;
    assert_eq!(csv_rows(&bytes).len() as u64, total + 1);

    // Downloads at once are bounded (each holds a connection): with the shop's two places
    // taken, a third is refused at once, and nothing of it is recorded; a place freed, it runs.
    let (a, b) = (app.state.limits.export_slot("shop2").unwrap(), app.state.limits.export_slot("shop2").unwrap());
    let busy = file_request(&owner, &job.id).send().await.unwrap();
    assert_eq!(busy.status().as_u16(), 503);
    assert_eq!(busy.headers()["retry-after"], "10");
    crate::export::resp(busy).await.err(503, "SERVER_BUSY");
    let j: ExportJob = owner.get(&format!("/api/v1/exports/{}", job.id)).await.ok();
    assert_eq!(j.downloads, 3, "a refused download counted");
    drop(a);
    download_ok(&owner, &job).await;
    drop(b);
}

// ---------------------------------------------------------------------------------------
// LibreOffice

/// `soffice` (or `libreoffice`) on the PATH. Missing: FAIL under `CI=true` (`cargo xtask
/// setup` installs it), a loud `SKIPPED:` line otherwise.
fn libreoffice() -> Option<&'static str> {
    for bin in ["soffice", "libreoffice"] {
        if Command::new(bin).arg("--version").output().is_ok_and(|o| o.status.success()) {
            let pdftotext = Command::new("pdftotext").arg("-v").output().is_ok();
            if pdftotext {
                return Some(bin);
            }
        }
    }
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    assert!(!ci, "CI=true and no LibreOffice/pdftotext: `apt-get install -y libreoffice-calc-nogui poppler-utils fonts-noto-cjk` (cargo xtask setup)");
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: no LibreOffice (soffice) or pdftotext; `cargo xtask setup` installs them. The export files were NOT opened in LibreOffice.");
    None
}

/// Convert `file` to PDF with LibreOffice (a profile of its own, so parallel runs do not
/// share one) and return the PDF's text. A CSV is read as UTF-8 (`--infilter=CSV:44,34,76,1`:
/// comma, double quote, UTF-8, from line 1): LibreOffice 7.4's headless CSV import does not
/// look at the BOM and would read the file in its default 8-bit character set (its import
/// dialog lets a person pick the character set; Excel goes by the BOM).
fn libreoffice_text(bin: &str, dir: &std::path::Path, file: &std::path::Path) -> String {
    let ext = file.extension().unwrap().to_string_lossy().into_owned();
    let profile = dir.join(format!("lo-profile-{ext}"));
    let mut cmd = Command::new(bin);
    cmd.arg(format!("-env:UserInstallation=file://{}", profile.display())).arg("--headless");
    if ext == "csv" {
        cmd.arg("--infilter=CSV:44,34,76,1");
    }
    let out = cmd
        .args(["--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{bin} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let pdf = file.with_extension("pdf");
    assert!(pdf.is_file(), "{bin} wrote no PDF: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let out = Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_files_open_in_libreoffice_with_chinese_intact() {
    let Some(bin) = libreoffice() else { return };
    let app = TestApp::spawn(Store::Sqlite).await;
    ingest_ten(&app).await;
    let owner = app.login("shop1").await;
    let dir = tempfile::tempdir().unwrap();
    for format in ["csv", "xlsx"] {
        let job = create_ok(&owner, format, json!({})).await;
        let file = dir.path().join(&job.filename);
        std::fs::write(&file, download_ok(&owner, &job).await).unwrap();
        let text = libreoffice_text(bin, dir.path(), &file);
        // The masked name, the item title and a header, as Chinese text in the rendered PDF.
        for want in ["王*", "纯棉四件套×2", "订单号 order_id", "收件人(脱敏)", "EXP-A-0001", "SF1234567890123"] {
            assert!(text.contains(want), "{format}: {want:?} not in the PDF LibreOffice made:\n{text}");
        }
        // No mojibake, no stray byte order mark.
        assert!(!text.contains('ï') && !text.contains('\u{feff}'), "{format}:\n{text}");
    }
}
