//! Property tests: round trips, totality of the parsers, and "a search never misses a true
//! match". Native only (proptest does not build for wasm32); the vector tests cover wasm.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, missing_docs)]

use orderveil_cipher::deterministic::encrypt_field_with_nonce;
use orderveil_cipher::{
    ClientSession, Dek, FieldCiphertext, FieldKind, GrantBody, GrantId, GrantOrder, GrantPurpose,
    IndexMasterSecret, OrderId, SealedGrant, ShopId, index_matches, mask_address, mask_name,
    mask_phone, seal_grant,
};
use proptest::prelude::*;

fn kind() -> impl Strategy<Value = FieldKind> {
    prop_oneof![Just(FieldKind::Phone), Just(FieldKind::Name), Just(FieldKind::Address)]
}

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,64}"
}

/// Text that looks like receiver data: CJK, ASCII, full-width, digits, punctuation.
fn receiver_text() -> impl Strategy<Value = String> {
    "[张王李欧阳·省市区县路号栋A-Za-z0-9０-９ \\-+#$~]{0,40}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn field_round_trip(k in kind(), shop in id(), order in id(), plain in receiver_text(),
                        dek in any::<[u8; 32]>(), nonce in any::<[u8; 12]>(), master in any::<[u8; 32]>()) {
        let shop = ShopId::new(&shop).unwrap();
        let order = OrderId::new(&order).unwrap();
        let key = Dek::from_bytes(dek).field_key(k);
        let index = IndexMasterSecret::from_bytes(master).shop_key(&shop).index_for(k, &plain);
        let ct = encrypt_field_with_nonce(&key, &shop, &order, &plain, index, nonce).unwrap();
        let text = ct.to_string();
        let parsed = FieldCiphertext::parse(&text).unwrap();
        prop_assert_eq!(&parsed, &ct);
        prop_assert_eq!(parsed.to_string(), text);
        prop_assert_eq!(&*parsed.decrypt(&key, &shop, &order).unwrap(), plain.as_str());
    }

    #[test]
    fn parser_is_total(s in any::<String>()) {
        // Any string: a value or an error, never a panic; a value prints back to itself.
        if let Ok(ct) = FieldCiphertext::parse(&s) {
            prop_assert_eq!(ct.to_string(), s);
        }
    }

    #[test]
    fn parser_is_total_on_near_misses(d in prop::sample::select(vec!['$', '#', '~']),
                                      body in "[A-Za-z0-9_\\-$#~=+/ ]{0,120}") {
        let s = format!("{d}{body}{d}{d}");
        if let Ok(ct) = FieldCiphertext::parse(&s) {
            prop_assert_eq!(ct.to_string(), s);
        }
    }

    #[test]
    fn sealed_grant_opening_is_total(bytes in prop::collection::vec(any::<u8>(), 0..400), secret in any::<[u8; 32]>()) {
        let mut session = ClientSession::from_secret_bytes(secret);
        let shop = ShopId::new("shop1").unwrap();
        if let Ok(sealed) = SealedGrant::from_bytes(bytes) {
            prop_assert!(session.open(&sealed, &shop, 0).is_err());
        }
    }

    #[test]
    fn grant_round_trip(n in 1usize..=50, secret in any::<[u8; 32]>(), fields in prop::collection::vec(kind(), 1..=3)) {
        let mut session = ClientSession::from_secret_bytes(secret);
        let shop = ShopId::new("shop9").unwrap();
        let mut kinds = fields.clone();
        kinds.sort();
        kinds.dedup();
        let orders: Vec<GrantOrder> = (0..n).map(|i| GrantOrder {
            order_id: OrderId::new(&format!("o{i}")).unwrap(),
            binding: String::new(),
            keys: kinds.iter().map(|k| Dek::from_bytes([i as u8; 32]).field_key(*k)).collect(),
        }).collect();
        let body = GrantBody { grant_id: GrantId::generate().unwrap(), shop_id: shop.clone(), purpose: GrantPurpose::Reveal, issued_at: 10, expires_at: 70, orders };
        let sealed = seal_grant(&session.public_key(), &body).unwrap();
        let opened = session.open(&SealedGrant::from_base64(&sealed.to_base64()).unwrap(), &shop, 70).unwrap();
        prop_assert_eq!(opened.orders(), body.orders.as_slice());
    }

    #[test]
    fn search_never_misses_a_true_match(k in prop_oneof![Just(FieldKind::Name), Just(FieldKind::Address)],
                                        text in receiver_text(), a in 0usize..40, len in 0usize..40,
                                        master in any::<[u8; 32]>()) {
        let key = IndexMasterSecret::from_bytes(master).shop_key(&ShopId::new("s").unwrap());
        let chars: Vec<char> = text.chars().collect();
        let a = a.min(chars.len());
        let b = (a + len).min(chars.len());
        let fragment: String = chars[a..b].iter().collect();
        let stored = {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.index_for(k, &text))
        };
        prop_assert!(index_matches(&stored, &key.query_tokens(k, &fragment)), "{fragment:?} in {text:?}");
    }

    #[test]
    fn phone_search_finds_every_spelling(d in "1[3-9][0-9]{9}", sep in prop::sample::select(vec!["", " ", "-"]), prefix in prop::sample::select(vec!["", "+86", "86", "0086"])) {
        let key = IndexMasterSecret::from_bytes([5; 32]).shop_key(&ShopId::new("s").unwrap());
        let spelled = format!("{prefix}{}{sep}{}{sep}{}", &d[..3], &d[3..7], &d[7..]);
        prop_assert_eq!(key.phone_token(&spelled), key.phone_token(&d));
    }

    #[test]
    fn masks_are_total_and_hide_the_middle(d in "1[3-9][0-9]{9}", name in "[\\p{Han}]{2,5}", any_text in any::<String>()) {
        let m = mask_phone(&d);
        prop_assert_eq!(&m, &format!("{}****{}", &d[..3], &d[7..]));
        let n = mask_name(&name);
        prop_assert!(n.ends_with('*'), "{n} leaks the last character of {name}");
        prop_assert_eq!(n.chars().count(), name.chars().count(), "{}", n);
        let _ = (mask_phone(&any_text), mask_name(&any_text), mask_address(&any_text));
    }
}
