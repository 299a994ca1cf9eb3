//! Search over ciphertext (blind indexes), and shop isolation of the order API.

use orderveil_api::{OrderPage, OrderView};

use crate::helpers::*;

both_stores!(search_finds_the_shops_own_orders_only, orders_of_another_shop_are_not_found);

async fn search_finds_the_shops_own_orders_only(store: Store) {
    let app = TestApp::spawn(store).await;
    let s1 = app.login("shop1").await;
    let s2 = app.login("shop2").await;
    // SHARED_RECEIVER bought in shop1 (S1-AWAIT-1) and in shop2 (S2-SAME-RECEIVER).
    let cases = [
        format!("phone={}", SHARED_RECEIVER.1),
        format!("phone={}", q("138-0013-8000")),
        format!("phone={}", q("+86 138 0013 8000")),
        "phone_last4=8000".to_string(),
        format!("name={}", q("小明")),
        format!("name={}", q(SHARED_RECEIVER.0)),
        format!("address={}", q("东部软件园")),
        format!("address={}", q("文三路90号")),
        format!("name={}&phone={}", q("王小明"), SHARED_RECEIVER.1),
    ];
    for query in &cases {
        let page: OrderPage = s1.orders(&format!("per_page=200&{query}")).await;
        let ids: Vec<&str> = page.orders.iter().map(|o| o.order_id.as_str()).collect();
        assert!(ids.contains(&"S1-AWAIT-1"), "{query}: {ids:?}");
        assert!(page.orders.iter().all(|o| o.shop_id == "shop1"), "{query}: another shop's order: {ids:?}");
        let ids2 = s2.order_ids(query).await;
        assert!(ids2.contains(&"S2-SAME-RECEIVER".to_string()) && ids2.iter().all(|i| i.starts_with("S2-")), "{query}: {ids2:?}");
    }
    // Exact phone search is exact; other receivers' fragments find their own orders.
    assert_eq!(s1.order_ids(&format!("phone={}", SHARED_RECEIVER.1)).await, ["S1-AWAIT-1"]);
    assert!(s1.order_ids("phone=13800138001").await.is_empty());
    assert!(s1.order_ids(&format!("name={}", q("欧阳"))).await.contains(&"S1-AWAIT-2".to_string()));
    assert!(s1.order_ids(&format!("name={}", q("迪丽热巴"))).await.contains(&"S1-SHIPPED".to_string()));
    assert!(s1.order_ids(&format!("address={}", q("张江路88弄"))).await.contains(&"S1-AWAIT-2".to_string()));
    // shop1's own address fragments never surface shop2's orders.
    let zhou = s1.order_ids(&format!("address={}", q("环岛南路"))).await;
    assert!(!zhou.contains(&"S2-AWAIT-2".to_string()), "{zhou:?}");

    // The list shows masks and ciphertext, never plaintext.
    let page = s1.get(&format!("/api/v1/orders?phone={}", SHARED_RECEIVER.1)).await;
    for plain in [SHARED_RECEIVER.0, SHARED_RECEIVER.1, SHARED_RECEIVER.2] {
        assert!(!page.text.contains(plain), "plaintext {plain} in the order list");
    }
    let v: OrderView = s1.get("/api/v1/orders/S1-AWAIT-1").await.ok();
    assert_eq!(v.masked.phone, "138****8000");
    assert!(v.ciphertext.phone.starts_with('$') && v.ciphertext.phone.ends_with("$$"), "{}", v.ciphertext.phone);
    assert!(v.ciphertext.name.starts_with('#') && v.ciphertext.address.starts_with('~'));
    // One receiver in two shops: different receiver keys (no linking across shops).
    let v2: OrderView = s2.get("/api/v1/orders/S2-SAME-RECEIVER").await.ok();
    assert_ne!(v.receiver_key, v2.receiver_key);
}

async fn orders_of_another_shop_are_not_found(store: Store) {
    let app = TestApp::spawn(store).await;
    let s1 = app.login("shop1").await;
    let s2 = app.login("shop2").await;
    let theirs = s1.get("/api/v1/orders/S2-SAME-RECEIVER").await;
    let missing = s1.get("/api/v1/orders/NO-SUCH-ORDER").await;
    theirs.err(404, "ORDER_NOT_FOUND");
    assert_eq!(theirs.body, missing.body, "another shop's order must look absent");
    s2.get("/api/v1/orders/S1-AWAIT-1").await.err(404, "ORDER_NOT_FOUND");
    let _: OrderView = s1.get("/api/v1/orders/S1-AWAIT-1").await.ok();

    // Lists are scoped to the own shop whatever the query says.
    let page = s1.orders("per_page=200").await;
    assert_eq!(page.total, 8);
    assert!(page.orders.iter().all(|o| o.shop_id == "shop1"));
    s1.get("/api/v1/orders?shop_id=shop2").await.ok::<OrderPage>().orders.iter().for_each(|o| assert_eq!(o.shop_id, "shop1"));
    assert!(s1.order_ids("order_id=S2-AWAIT-2").await.is_empty());

    // Staff with `view` see the shop; factories do not; the admin names a shop.
    assert_eq!(app.login("shop1-staff").await.orders("").await.total, 8);
    app.login("factory1").await.get("/api/v1/orders").await.err(403, "FORBIDDEN");
    app.login("factory1").await.get("/api/v1/orders/S1-AWAIT-1").await.err(404, "ORDER_NOT_FOUND");
    let admin = app.login("admin").await;
    admin.get("/api/v1/orders").await.err(422, "VALIDATION_FAILED");
    assert_eq!(admin.orders("shop_id=shop2").await.total, 2);
    let _: OrderView = admin.get("/api/v1/orders/S2-AWAIT-2").await.ok();
}
