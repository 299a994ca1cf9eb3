//! Buyer messages (issue 19): a thread per order between the buyer (through the order
//! system's token) and the shop, or the factory while the order is assigned to it; unread
//! counts in the order list; every other caller finds no such order.

use orderveil_api::{AssignResult, OrderMessage, OrderPage, OrderThread, OrderView, RecallResult};
use serde_json::{Value, json};

use crate::helpers::*;

both_stores!(buyer_and_shop_exchange_messages_and_the_list_counts_the_unread);

/// The order system relays a buyer's message, or reads the thread as the buyer.
async fn buyer(app: &TestApp, method: reqwest::Method, order: &str, body: Option<&str>, token: Option<&str>) -> Resp {
    let mut r = reqwest::Client::new().request(method, format!("{}/api/v1/buyer/orders/{order}/messages", app.base));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(b) = body {
        r = r.json(&json!({"body": b}));
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    Resp { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
}

async fn unread_in_list(c: &Client, id: &str) -> u32 {
    let page: OrderPage = c.get("/api/v1/orders?per_page=200").await.ok();
    page.orders.iter().find(|o| o.order_id == id).unwrap().unread_messages
}

fn path(id: &str) -> String {
    format!("/api/v1/orders/{id}/messages")
}

async fn buyer_and_shop_exchange_messages_and_the_list_counts_the_unread(store: Store) {
    let app = TestApp::spawn(store).await;
    let (owner, staff, shop2) = (app.login("shop1").await, app.login("shop1-staff").await, app.login("shop2").await);
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;

    // Only the order system relays a buyer's message; an unknown order is not found.
    for token in [None, Some("ovs_guess")] {
        buyer(&app, post.clone(), "S1-AWAIT-1", Some("在吗"), token).await.err(401, "UNAUTHENTICATED");
    }
    owner.post("/api/v1/buyer/orders/S1-AWAIT-1/messages", &json!({"body": "冒充买家"})).await.err(401, "UNAUTHENTICATED");
    buyer(&app, post.clone(), "NOPE-1", Some("在吗"), Some(SERVICE_TOKEN)).await.err(404, "ORDER_NOT_FOUND");
    buyer(&app, post.clone(), "S1-AWAIT-1", Some("  "), Some(SERVICE_TOKEN)).await.err(422, "VALIDATION_FAILED");
    let m: OrderMessage = buyer(&app, post.clone(), "S1-AWAIT-1", Some("请问什么时候发货？"), Some(SERVICE_TOKEN)).await.ok();
    assert_eq!(m.author, "买家");

    // The shop sees one unread in the list and on the order; view-only staff read but do not write.
    assert_eq!(unread_in_list(&owner, "S1-AWAIT-1").await, 1);
    assert_eq!(unread_in_list(&owner, "S1-AWAIT-2").await, 0);
    assert_eq!(owner.get("/api/v1/orders/S1-AWAIT-1").await.ok::<OrderView>().unread_messages, 1);
    let t: OrderThread = staff.get(&path("S1-AWAIT-1")).await.ok();
    assert_eq!((t.messages.len(), t.unread), (1, 1));
    staff.post(&path("S1-AWAIT-1"), &json!({"body": "明天发"})).await.err(403, "FORBIDDEN");
    shop2.get(&path("S1-AWAIT-1")).await.err(404, "ORDER_NOT_FOUND");
    shop2.post(&path("S1-AWAIT-1"), &json!({"body": "我也想回"})).await.err(404, "ORDER_NOT_FOUND");
    owner.post(&path("S1-AWAIT-1"), &json!({"body": "x".repeat(1001)})).await.err(422, "VALIDATION_FAILED");

    // The owner replies and marks the thread read; the buyer sees the shop's name, not the user's.
    let r: OrderMessage = owner.post(&path("S1-AWAIT-1"), &json!({"body": "您好，今天下午发出。"})).await.ok();
    assert_eq!(r.author, "shop1");
    let _: OrderThread = owner.post(&format!("{}/read", path("S1-AWAIT-1")), &json!({})).await.ok();
    assert_eq!(unread_in_list(&owner, "S1-AWAIT-1").await, 0);
    let t: OrderThread = buyer(&app, get.clone(), "S1-AWAIT-1", None, Some(SERVICE_TOKEN)).await.ok();
    assert_eq!((t.messages.len(), t.unread), (2, 1));
    let shop_name: String = sqlx::query_scalar("SELECT name FROM shops WHERE shop_id = 'shop1'").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(t.messages[1].author, shop_name);
    assert!(!t.text_has("shop1"), "the buyer sees a user name");
    assert_eq!(buyer(&app, get.clone(), "S1-AWAIT-1", None, Some(SERVICE_TOKEN)).await.ok::<OrderThread>().unread, 0, "reading marked it read");
    let _: OrderMessage = buyer(&app, post.clone(), "S1-AWAIT-1", Some("好的谢谢"), Some(SERVICE_TOKEN)).await.ok();
    assert_eq!(unread_in_list(&owner, "S1-AWAIT-1").await, 1);

    // While the order is assigned to factory1, its users read and write the thread; the
    // buyer sees the factory's name. Another factory, and factory1 after a recall, do not.
    let b: Value = owner.post("/api/v1/factory-bindings", &json!({"factory_id": "factory1"})).await.ok();
    let _: Value = app.login("factory1").await.post(&format!("/api/v1/factory-bindings/{}/accept", b["id"]), &json!({})).await.ok();
    let _: AssignResult = owner.post("/api/v1/assignments", &json!({"factory_id": "factory1", "order_ids": ["S1-AWAIT-1"]})).await.ok();
    let f = app.login("factory1-ops").await;
    let t: OrderThread = f.get(&path("S1-AWAIT-1")).await.ok();
    assert_eq!((t.messages.len(), t.unread), (3, 3));
    let _: OrderMessage = f.post(&path("S1-AWAIT-1"), &json!({"body": "工厂已打包，今天发出。"})).await.ok();
    app.login("factory2").await.get(&path("S1-AWAIT-1")).await.err(404, "ORDER_NOT_FOUND");
    let t: OrderThread = buyer(&app, get.clone(), "S1-AWAIT-1", None, Some(SERVICE_TOKEN)).await.ok();
    assert_eq!(t.messages.last().unwrap().author, "义乌好货代发工厂");
    let _: RecallResult = owner.post("/api/v1/assignments/recall", &json!({"order_ids": ["S1-AWAIT-1"]})).await.ok();
    f.get(&path("S1-AWAIT-1")).await.err(404, "ORDER_NOT_FOUND");

    // Replies are on the shop's chain (and the factory's for its own); the chains verify.
    let chain: Value = owner.get("/api/v1/audit?per_page=200").await.ok();
    assert_eq!(chain["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "message_reply").count(), 2);
    let fchain: Value = app.login("factory1").await.get("/api/v1/audit?per_page=200").await.ok();
    assert_eq!(fchain["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "message_reply").count(), 1);
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}

trait TextHas {
    fn text_has(&self, needle: &str) -> bool;
}

impl TextHas for OrderThread {
    fn text_has(&self, needle: &str) -> bool {
        self.messages.iter().any(|m| m.author.contains(needle))
    }
}
