//! No plaintext receiver data at rest (database files, every text column) or in the logs of
//! the real binary at debug level.

use orderveil_api::{IngestOrder, OrderStatus, OrderView, RevealGrantResponse};
use serde_json::json;

use crate::helpers::*;

both_stores!(no_plaintext_at_rest, no_plaintext_in_debug_logs);

const NAME: &str = "测试专用名字甲乙";
const PHONE: &str = "13912345678";
const STREET: &str = "某某测试街道99号";

/// Strings that must never be stored or logged.
fn needles() -> Vec<String> {
    vec![NAME.into(), PHONE.into(), STREET.into(), "名字甲乙".into(), "测试街道".into(), q(NAME), q(STREET), "139 1234 5678".into()]
}

fn distinctive(now: i64) -> Vec<IngestOrder> {
    vec![
        order("P1-SECRET-1", "shop1", OrderStatus::AwaitingShipment, now, 3600, (NAME, PHONE, &format!("浙江省杭州市西湖区{STREET}"))),
        order("P1-SECRET-2", "shop1", OrderStatus::Shipped, now, 7200, (NAME, "139 1234 5678", &format!("北京市朝阳区{STREET}3单元"))),
        order("P2-SECRET-1", "shop2", OrderStatus::AwaitingShipment, now, 3600, (NAME, PHONE, &format!("上海市静安区{STREET}"))),
    ]
}

/// Everything a merchant does with the distinctive orders, against `base`, including requests
/// that fail with the plaintext in their body or query. Returns the revealed plaintext.
async fn exercise(base: &str, c: &Client, admin: &Client, now: i64) -> Vec<String> {
    let orders = distinctive(now);
    let r: orderveil_api::IngestResponse = ingest_at(base, &orders).await.ok();
    assert_eq!(r.created, 3);
    // Refused ingests carrying the plaintext: a bad id, an unknown property, a wrong type.
    let mut bad = orders.clone();
    bad[1].order_id = "P1 SECRET!".into();
    let r = ingest_at(base, &bad).await;
    r.err(422, "VALIDATION_FAILED");
    assert!(!needles().iter().any(|n| r.text.contains(n.as_str())), "the refusal echoes plaintext: {}", r.text);
    let raw = json!({"orders": [{"order_id": "P1-X", "shop_id": "shop1", "status": "shipped", "created_at": "2026-11-28T10:00:00+08:00",
        "items": [{"title": "t", "quantity": 1, "price_cents": 1}], "amount_cents": 1,
        "receiver": {"name": NAME, "phone": PHONE, "address": STREET, "email": PHONE}}]});
    let r = reqwest::Client::new().post(format!("{base}/api/v1/orders/ingest")).bearer_auth(SERVICE_TOKEN).json(&raw).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let text = r.text().await.unwrap();
    assert!(!needles().iter().any(|n| text.contains(n.as_str())), "the refusal echoes plaintext: {text}");
    let raw = json!({"orders": [{"order_id": "P1-Y", "shop_id": "shop1", "status": "shipped", "created_at": "2026-11-28T10:00:00+08:00",
        "items": [{"title": "t", "quantity": 1, "price_cents": 1}], "amount_cents": 1,
        "receiver": {"name": NAME, "phone": 13_912_345_678_u64, "address": STREET}}]});
    let r = reqwest::Client::new().post(format!("{base}/api/v1/orders/ingest")).bearer_auth(SERVICE_TOKEN).json(&raw).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 422);

    // List, search by full phone, by fragments, detail.
    let page = c.orders("per_page=200").await;
    assert!(page.orders.iter().any(|o| o.order_id == "P1-SECRET-1"));
    assert_eq!(c.order_ids(&format!("phone={PHONE}")).await, ["P1-SECRET-1", "P1-SECRET-2"]);
    assert!(c.order_ids(&format!("name={}", q("名字甲乙"))).await.contains(&"P1-SECRET-1".to_string()));
    assert!(c.order_ids(&format!("address={}", q("测试街道"))).await.contains(&"P1-SECRET-2".to_string()));
    assert!(c.order_ids(&format!("phone={}", q("+86 139-1234-5678"))).await.contains(&"P1-SECRET-1".to_string()));
    let v: OrderView = c.get("/api/v1/orders/P1-SECRET-1").await.ok();
    c.get("/api/v1/orders/P2-SECRET-1").await.err(404, "ORDER_NOT_FOUND");
    c.get(&format!("/api/v1/orders?phone_last4=5678&name={}", q(NAME))).await.ok::<orderveil_api::OrderPage>();

    // Reveal, and check the plaintext really was there to leak.
    let (mut s, r) = c.reveal(&["P1-SECRET-1"], &["name", "phone", "address"]).await;
    let g: RevealGrantResponse = r.ok();
    let sealed = orderveil_cipher::SealedGrant::from_base64(&g.sealed_grant).unwrap();
    let grant = s.open(&sealed, &orderveil_cipher::ShopId::new("shop1").unwrap(), g.expires_at_unix - 1).unwrap();
    let revealed = vec![
        decrypt(&grant, "P1-SECRET-1", &v.ciphertext.name),
        decrypt(&grant, "P1-SECRET-1", &v.ciphertext.phone),
        decrypt(&grant, "P1-SECRET-1", &v.ciphertext.address),
    ];
    assert_eq!(revealed[..2], [NAME, PHONE]);
    assert!(revealed[2].contains(STREET));
    // An SMS to both receivers: the worker hands the numbers to the gateway (the file sink)
    // and nowhere else; the outbox shows masks.
    let t: orderveil_api::SmsTemplate = c.post("/api/v1/sms/templates", &json!({"name": "发货", "kind": "logistics", "body": "订单{order_id}已发货"})).await.ok();
    let _: orderveil_api::SmsTemplate = admin.post(&format!("/api/v1/sms/templates/{}/approve", t.id), &json!({"comment": ""})).await.ok();
    let _: orderveil_api::SmsQueued = c.post("/api/v1/sms/send", &json!({"template_id": t.id, "order_ids": ["P1-SECRET-1", "P1-SECRET-2"]})).await.ok();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let r = c.get("/api/v1/sms/outbox").await;
        assert!(!needles().iter().any(|n| r.text.contains(n.as_str())), "plaintext in the outbox: {}", r.text);
        let page: orderveil_api::SmsOutboxPage = r.ok();
        if page.total == 2 && page.messages.iter().all(|m| m.status == orderveil_api::SmsStatus::Sent) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the SMS were not sent: {page:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // A refusal that names the order, and the audit trail.
    c.reveal(&["P2-SECRET-1"], &["name"]).await.1.err(404, "ORDER_NOT_FOUND");
    let audit = c.get("/api/v1/audit?per_page=200").await;
    assert!(!needles().iter().any(|n| audit.text.contains(n.as_str())), "plaintext in the audit trail: {}", audit.text);
    revealed
}

/// Every text column of every table, searched with SQL.
async fn assert_no_plaintext_in_columns(app: &TestApp) {
    let pool = &app.state.db.pool;
    let columns: Vec<(String, String)> = match app.store {
        Store::Sqlite => {
            sqlx::query_as(
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND upper(p.type) IN ('TEXT', 'BLOB')",
            )
            .fetch_all(pool)
            .await
            .unwrap()
        }
        Store::Postgres => sqlx::query_as(
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    let tables: std::collections::BTreeSet<&str> = columns.iter().map(|c| c.0.as_str()).collect();
    for t in ["orders", "audit", "users", "sessions", "shops", "reveal_charges"] {
        assert!(tables.contains(t), "no text columns found for {t}: {columns:?}");
    }
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orders WHERE order_id LIKE 'P%-SECRET-%'").fetch_one(pool).await.unwrap();
    assert_eq!(n, 3, "the distinctive orders are stored");
    for (table, column) in &columns {
        let cast = match app.store {
            Store::Sqlite => format!("CAST({column} AS TEXT)"),
            Store::Postgres => column.clone(),
        };
        for needle in needles() {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE {cast} LIKE $1");
            let (hits,): (i64,) = sqlx::query_as(&sql).bind(format!("%{needle}%")).fetch_one(pool).await.unwrap();
            assert_eq!(hits, 0, "{table}.{column} holds {needle:?}");
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn no_plaintext_at_rest(store: Store) {
    let app = TestApp::spawn(store).await;
    let c = app.login("shop1").await;
    exercise(&app.base, &c, &app.login("admin").await, app.now()).await;
    assert_no_plaintext_in_columns(&app).await;

    if store == Store::Sqlite {
        // The bytes of every file in the data directory: orderveil.db, -wal, -shm, keys.json;
        // not the SMS file sink, which stands for the carrier's network and must hold the
        // numbers it was handed.
        let mut seen = Vec::new();
        for e in std::fs::read_dir(app.data_dir.path()).unwrap() {
            let e = e.unwrap();
            let bytes = std::fs::read(e.path()).unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name == orderveil_server::SMS_SINK {
                assert!(find(&bytes, PHONE.as_bytes()), "the sink did not get the number");
                continue;
            }
            for needle in needles() {
                assert!(!find(&bytes, needle.as_bytes()), "{name} holds {needle:?}");
            }
            // The masked text and ciphertext are there: the scan reads real data.
            if name == "orderveil.db-wal" || name == "orderveil.db" {
                seen.push((name, find(&bytes, "P1-SECRET-1".as_bytes())));
            }
        }
        assert!(seen.iter().any(|(_, hit)| *hit), "the scan did not see the stored orders: {seen:?}");
        assert!(seen.iter().any(|(n, _)| n == "orderveil.db-wal"), "no WAL file: {seen:?}");
    }
}

async fn no_plaintext_in_debug_logs(store: Store) {
    let app = TestApp::spawn(store).await;
    let p = app.spawn_binary(&[], &[("ORDERVEIL_LOG", "debug")]).await;
    let c = p.login("shop1").await;
    let now = orderveil_server::clock::Clock::now(&orderveil_server::clock::SystemClock);
    let revealed = exercise(&p.base, &c, &p.login("admin").await, now).await;
    let (out, err) = p.stop().await;
    let logs = format!("{out}\n{err}");
    // Debug logging was on and saw the requests.
    assert!(err.contains("DEBUG"), "no debug lines in the log:\n{err}");
    for path in ["/api/v1/orders/ingest", "/api/v1/reveal-grants", "/api/v1/orders"] {
        assert!(err.contains(path), "{path} not logged:\n{err}");
    }
    for needle in needles().into_iter().chain(revealed) {
        assert!(!logs.contains(&needle), "the log holds {needle:?}:\n{logs}");
    }
}
