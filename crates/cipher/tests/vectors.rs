//! Checks every committed vector file. The same binary runs natively (`cargo test`) and
//! compiled to wasm32 in headless Chromium (`wasm-bindgen-test`), so both builds are shown
//! to produce and accept the same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use orderveil_cipher::deterministic::{encrypt_field_with_nonce, seal_grant_with, wrap_with_nonce};
use orderveil_cipher::{
    ClientSession, Dek, FieldCiphertext, FieldKind, GrantBody, GrantId, GrantOrder, GrantPurpose,
    IndexMasterSecret, Kek, KekVersion, OrderId, ParseError, SealedGrant, ShopId, WrappedDek,
    check_public_key, seal_grant,
};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

macro_rules! both {
    ($(fn $name:ident() $body:block)*) => {$(
        #[cfg_attr(all(target_arch = "wasm32", target_os = "unknown"), wasm_bindgen_test::wasm_bindgen_test)]
        #[cfg_attr(not(all(target_arch = "wasm32", target_os = "unknown")), test)]
        fn $name() $body
    )*};
}

mod common {
    pub mod vector_file;
}
use common::vector_file::{Block, blocks, hex};

impl Block {
    fn hex<const N: usize>(&self, k: &str) -> [u8; N] {
        hex(self.get(k)).try_into().unwrap()
    }
}

fn b64(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn kind(s: &str) -> FieldKind {
    FieldKind::from_name(s).unwrap()
}

fn variant(e: &ParseError) -> String {
    let d = format!("{e:?}");
    d.split(|c: char| !c.is_alphanumeric()).next().unwrap().to_string()
}

both! {
    fn key_vectors() {
        let bs = blocks(include_str!("vectors/keys.txt"));
        let mut n = 0;
        for b in &bs {
            match b.get("type") {
                "wrap" => {
                    let kek = Kek::from_bytes(KekVersion::new(b.get("kek_version").parse().unwrap()).unwrap(), b.hex("kek"));
                    let order = OrderId::new(b.get("order")).unwrap();
                    let dek = Dek::from_bytes(b.hex("dek"));
                    let w = wrap_with_nonce(&kek, &dek, &order, b.hex("nonce")).unwrap();
                    assert_eq!(w.as_bytes(), hex(b.get("wrapped")).as_slice(), "wrap produces the vector");
                    let stored = WrappedDek::from_parts(kek.version(), &hex(b.get("wrapped"))).unwrap();
                    let back = kek.unwrap(&stored, &order).unwrap();
                    // The unwrapped DEK derives the same field keys as the original.
                    assert_eq!(back.field_key(FieldKind::Phone), dek.field_key(FieldKind::Phone));
                }
                "field_key" => {
                    let fk = Dek::from_bytes(b.hex("dek")).field_key(kind(b.get("field")));
                    assert_eq!(fk.expose_bytes(), &b.hex::<32>("field_key"));
                }
                "index_key" => {
                    let k = IndexMasterSecret::from_bytes(b.hex("index_master")).shop_key(&ShopId::new(b.get("shop")).unwrap());
                    assert_eq!(b64(&k.phone_token(b.get("phone")).unwrap()), b.get("phone_token_b64"));
                }
                t => panic!("unknown type {t}"),
            }
            n += 1;
        }
        assert!(n >= 10, "only {n} key vectors");
    }

    fn field_vectors_encrypt_and_decrypt() {
        let bs = blocks(include_str!("vectors/fields.txt"));
        assert!(bs.len() >= 15);
        for b in &bs {
            let shop = ShopId::new(b.get("shop")).unwrap();
            let order = OrderId::new(b.get("order")).unwrap();
            let k = kind(b.get("field"));
            let key = Dek::from_bytes(b.hex("dek")).field_key(k);
            let ikey = IndexMasterSecret::from_bytes(b.hex("index_master")).shop_key(&shop);
            let plain = b.get("plaintext");
            let made = encrypt_field_with_nonce(&key, &shop, &order, plain, ikey.index_for(k, plain), b.hex("nonce")).unwrap();
            assert_eq!(made.to_string(), b.get("ciphertext"), "encryption produces the vector");
            let parsed = FieldCiphertext::parse(b.get("ciphertext")).unwrap();
            assert_eq!(parsed, made);
            assert_eq!(parsed.kind(), k);
            assert_eq!(&*parsed.decrypt(&key, &shop, &order).unwrap(), plain);
        }
    }

    fn field_vectors_negative() {
        let bs = blocks(include_str!("vectors/fields_negative.txt"));
        assert!(bs.len() >= 30);
        for b in &bs {
            let why = b.get("why");
            let expect = b.get("expect");
            match FieldCiphertext::parse(b.get("input")) {
                Err(e) => assert_eq!(format!("parse:{}", variant(&e)), expect, "{why}: {e}"),
                Ok(ct) => {
                    assert_eq!(expect, "crypto", "{why}: parsed but expected {expect}");
                    let shop = ShopId::new(b.get("shop")).unwrap();
                    let order = OrderId::new(b.get("order")).unwrap();
                    let key = Dek::from_bytes(b.hex("dek")).field_key(kind(b.get("field")));
                    assert!(ct.decrypt(&key, &shop, &order).is_err(), "{why}: opened");
                }
            }
        }
    }

    fn grant_vectors_seal_and_open() {
        let bs = blocks(include_str!("vectors/grants.txt"));
        assert_eq!(bs.len(), 3);
        let fields = blocks(include_str!("vectors/fields.txt"));
        for b in &bs {
            let shop = ShopId::new(b.get("shop")).unwrap();
            let mut orders = Vec::new();
            for spec in b.get("orders").split(' ') {
                let parts: Vec<&str> = spec.split(':').collect();
                let dek = Dek::from_bytes(hex(parts[1]).try_into().unwrap());
                orders.push(GrantOrder {
                    order_id: OrderId::new(parts[0]).unwrap(),
                    binding: parts.get(3).copied().unwrap_or("").to_string(),
                    keys: parts[2].split(',').map(|k| dek.field_key(kind(k))).collect(),
                });
            }
            let purpose = if b.get("purpose") == "print" { GrantPurpose::Print } else { GrantPurpose::Reveal };
            let body = GrantBody {
                grant_id: GrantId::from_hex(b.get("grant_id")).unwrap(),
                shop_id: shop.clone(),
                purpose,
                issued_at: b.get("issued_at").parse().unwrap(),
                expires_at: b.get("expires_at").parse().unwrap(),
                orders,
            };
            let mut session = ClientSession::from_secret_bytes(b.hex("client_secret"));
            assert_eq!(session.public_key(), b.hex::<32>("client_public"));
            let sealed = seal_grant_with(b.hex("server_secret"), b.hex("nonce"), &session.public_key(), &body).unwrap();
            assert_eq!(sealed.to_base64(), b.get("sealed_b64"), "sealing produces the vector");

            let received = SealedGrant::from_base64(b.get("sealed_b64")).unwrap();
            assert_eq!(received.grant_id(), body.grant_id);
            let opened = session.open(&received, &shop, body.expires_at).unwrap();
            assert_eq!(opened.purpose(), purpose);
            assert_eq!(opened.orders(), body.orders.as_slice());
            // Every field ciphertext of a covered order opens with the grant iff its field was granted.
            for f in &fields {
                let order = OrderId::new(f.get("order")).unwrap();
                let Some(go) = body.orders.iter().find(|o| o.order_id == order) else {
                    assert!(opened.decrypt(&order, f.get("ciphertext")).is_err());
                    continue;
                };
                let granted = go.keys.iter().any(|k| k.kind() == kind(f.get("field")));
                match opened.decrypt(&order, f.get("ciphertext")) {
                    Ok(p) => { assert!(granted); assert_eq!(&*p, f.get("plaintext")); }
                    Err(e) => { assert!(!granted, "{e}"); assert_eq!(e.code(), "GRANT_FIELD_NOT_COVERED"); }
                }
            }
            // A session opens once.
            assert_eq!(session.open(&received, &shop, body.expires_at).unwrap_err().code(), "GRANT_SESSION_USED");
        }
    }

    fn grant_vectors_negative() {
        let bs = blocks(include_str!("vectors/grants_negative.txt"));
        let mut low_order = 0;
        for b in &bs {
            let why = b.get("why");
            let expect = b.get("expect");
            if b.0.iter().any(|(k, _)| k == "client_public") {
                let body = GrantBody {
                    grant_id: GrantId::from_bytes([1; 16]),
                    shop_id: ShopId::new("shop1").unwrap(),
                    purpose: GrantPurpose::Reveal,
                    issued_at: 0,
                    expires_at: 60,
                    orders: vec![GrantOrder { order_id: OrderId::new("o1").unwrap(), binding: String::new(), keys: vec![Dek::from_bytes([1; 32]).field_key(FieldKind::Phone)] }],
                };
                let e = seal_grant(&b.hex("client_public"), &body).unwrap_err();
                assert_eq!(e.code(), expect, "{why} {}", b.get("client_public"));
                let e = check_public_key(&b.hex("client_public")).unwrap_err();
                assert_eq!(e.code(), expect, "check_public_key: {why} {}", b.get("client_public"));
                low_order += 1;
                continue;
            }
            let mut session = ClientSession::from_secret_bytes(b.hex("client_secret"));
            let shop = ShopId::new(b.get("shop")).unwrap();
            let now: i64 = b.get("now").parse().unwrap();
            let got = SealedGrant::from_base64(b.get("sealed_b64")).and_then(|s| session.open(&s, &shop, now));
            assert_eq!(got.unwrap_err().code(), expect, "{why}");
        }
        assert!(low_order >= 12);
        // And a real key passes the check.
        let s = ClientSession::from_secret_bytes([0x77; 32]);
        assert!(check_public_key(&s.public_key()).is_ok());
    }

    fn token_vectors() {
        let bs = blocks(include_str!("vectors/tokens.txt"));
        let (mut idx, mut q, mut rk) = (0, 0, 0);
        for b in &bs {
            let ikey = IndexMasterSecret::from_bytes(b.hex("index_master")).shop_key(&ShopId::new(b.get("shop")).unwrap());
            if b.0.iter().any(|(k, _)| k == "index_b64") {
                assert_eq!(b64(&ikey.index_for(kind(b.get("field")), b.get("plaintext"))), b.get("index_b64"));
                idx += 1;
            } else if b.0.iter().any(|(k, _)| k == "query") {
                let toks = ikey.query_tokens(kind(b.get("field")), b.get("query"));
                assert_eq!(toks.join(" "), b.get("tokens"));
                q += 1;
            } else {
                assert_eq!(ikey.receiver_key(b.get("name"), b.get("phone"), b.get("address")), b.get("receiver_key"));
                rk += 1;
            }
        }
        assert!(idx >= 15 && q >= 5 && rk >= 5);
    }
}
