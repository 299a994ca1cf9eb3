//! Grants opened with `orderveil_cipher`, as the page's Wasm module opens them: exactly the
//! ingested plaintext, only the fields asked for, one key agreement per batch.

use std::collections::HashMap;

use orderveil_api::{OrderStatus, OrderView, RevealGrantResponse};
use orderveil_cipher::{FieldKind, GrantError, OrderId, SealedGrant, ShopId};
use orderveil_server::Settings;

use crate::helpers::*;

both_stores!(grants_open_to_exactly_the_ingested_plaintext, a_batch_of_50_opens_with_one_key_agreement);

async fn grants_open_to_exactly_the_ingested_plaintext(store: Store) {
    let app = TestApp::spawn(store).await;
    let c = app.login("shop1-ops").await;
    let (mut session, r) = c.reveal(&S1_REVEALABLE, &["name", "phone", "address"]).await;
    let grant = open(&mut session, &r, "shop1", app.now());
    assert!(session.is_used(), "the client secret is dropped after one use");
    for id in S1_REVEALABLE {
        let v: OrderView = c.get(&format!("/api/v1/orders/{id}")).await.ok();
        let want = app.ingested(id);
        assert_eq!(decrypt(&grant, id, &v.ciphertext.name), want.name, "{id} name");
        assert_eq!(decrypt(&grant, id, &v.ciphertext.phone), want.phone, "{id} phone");
        assert_eq!(decrypt(&grant, id, &v.ciphertext.address), want.address, "{id} address");
        // Masks never show the whole value.
        assert_ne!(v.masked.phone, want.phone);
        assert_ne!(v.masked.address, want.address);
    }
    // A ciphertext moved to another order does not open with that order's key.
    let a1: OrderView = c.get("/api/v1/orders/S1-AWAIT-1").await.ok();
    let moved = grant.decrypt(&OrderId::new("S1-AWAIT-2").unwrap(), &a1.ciphertext.phone);
    assert!(matches!(moved, Err(GrantError::CiphertextMismatch)), "{moved:?}");

    // A phone-only grant does not unlock the name or the address.
    let (mut session, r) = c.reveal(&["S1-AWAIT-1"], &["phone"]).await;
    let g: RevealGrantResponse = r.ok();
    let phone_only = open(&mut session, &r, "shop1", app.now());
    assert_eq!(decrypt(&phone_only, "S1-AWAIT-1", &a1.ciphertext.phone), app.ingested("S1-AWAIT-1").phone);
    let id = OrderId::new("S1-AWAIT-1").unwrap();
    assert!(matches!(phone_only.decrypt(&id, &a1.ciphertext.name), Err(GrantError::FieldNotCovered)));
    assert!(matches!(phone_only.decrypt(&id, &a1.ciphertext.address), Err(GrantError::FieldNotCovered)));
    assert!(matches!(phone_only.decrypt(&OrderId::new("S1-AWAIT-2").unwrap(), &a1.ciphertext.phone), Err(GrantError::OrderNotCovered)));

    // The sealed grant opens only with the session that asked, for the shop, before expiry.
    let sealed = SealedGrant::from_base64(&g.sealed_grant).unwrap();
    let shop1 = ShopId::new("shop1").unwrap();
    assert!(matches!(session.open(&sealed, &shop1, app.now()), Err(GrantError::SessionUsed)));
    let mut stranger = orderveil_cipher::ClientSession::new().unwrap();
    assert!(matches!(stranger.open(&sealed, &shop1, app.now()), Err(GrantError::Crypto)));
    let (mut s, r) = c.reveal(&["S1-AWAIT-1"], &["phone"]).await;
    let sealed = SealedGrant::from_base64(&r.ok::<RevealGrantResponse>().sealed_grant).unwrap();
    assert!(matches!(s.open(&sealed, &ShopId::new("shop2").unwrap(), app.now()), Err(GrantError::WrongShop)));
    let (mut s, r) = c.reveal(&["S1-AWAIT-1"], &["phone"]).await;
    let g: RevealGrantResponse = r.ok();
    assert_eq!(g.expires_at_unix, app.now() + test_settings().grant_ttl_secs);
    let sealed = SealedGrant::from_base64(&g.sealed_grant).unwrap();
    assert!(matches!(s.open(&sealed, &shop1, g.expires_at_unix + 1), Err(GrantError::Expired { .. })));
}

async fn a_batch_of_50_opens_with_one_key_agreement(store: Store) {
    let app = TestApp::spawn_with(store, Settings { quota_floor: 60, ..test_settings() }).await;
    let batch = realistic("shop1", "B", 50, app.now(), OrderStatus::Shipped);
    app.ingest_ok(&batch).await;
    let ids: Vec<&str> = batch.iter().map(|o| o.order_id.as_str()).collect();
    let c = app.login("shop1").await;
    let (mut session, r) = c.reveal(&ids, &["phone", "name", "address"]).await;
    let g: RevealGrantResponse = r.ok();
    assert_eq!((g.charged_order_ids.len(), g.quota.used), (50, 50));

    // One sealed box, one X25519 agreement with the one client secret, 150 fields.
    let grant = open(&mut session, &r, "shop1", app.now());
    assert_eq!(grant.orders().len(), 50);
    for o in grant.orders() {
        let kinds: Vec<FieldKind> = o.keys.iter().map(|k| k.kind()).collect();
        assert_eq!(kinds.len(), 3, "{}", o.order_id);
        assert!(FieldKind::ALL.iter().all(|k| kinds.contains(k)));
    }
    let views: HashMap<String, OrderView> = c.orders("per_page=200").await.orders.into_iter().map(|v| (v.order_id.clone(), v)).collect();
    for o in &batch {
        let v = &views[&o.order_id];
        assert_eq!(decrypt(&grant, &o.order_id, &v.ciphertext.name), o.receiver.name);
        assert_eq!(decrypt(&grant, &o.order_id, &v.ciphertext.phone), o.receiver.phone);
        assert_eq!(decrypt(&grant, &o.order_id, &v.ciphertext.address), o.receiver.address);
    }
}
