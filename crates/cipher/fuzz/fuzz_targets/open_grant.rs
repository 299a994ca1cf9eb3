//! Any bytes as a sealed grant: opening never panics and never succeeds (the fuzzer cannot
//! forge AES-GCM). A valid grant sealed to the same session, with one fuzzed byte flipped
//! in, must also be refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orderveil_cipher::{
    ClientSession, Dek, FieldKind, GrantBody, GrantId, GrantOrder, GrantPurpose, OrderId,
    SealedGrant, ShopId, deterministic::seal_grant_with,
};

fuzz_target!(|data: &[u8]| {
    let shop = ShopId::new("shop1").unwrap();
    let mut session = ClientSession::from_secret_bytes([0x11; 32]);
    if let Ok(sealed) = SealedGrant::from_bytes(data.to_vec()) {
        assert!(session.open(&sealed, &shop, 0).is_err());
    }
    let _ = SealedGrant::from_base64(&String::from_utf8_lossy(data));

    // Flip bits of a real grant where the fuzzer says.
    if data.len() >= 3 {
        let mut session = ClientSession::from_secret_bytes([0x11; 32]);
        let body = GrantBody {
            grant_id: GrantId::from_bytes([1; 16]),
            shop_id: shop.clone(),
            purpose: GrantPurpose::Reveal,
            issued_at: 0,
            expires_at: 60,
            orders: vec![GrantOrder {
                order_id: OrderId::new("o1").unwrap(),
                binding: String::new(),
                keys: vec![Dek::from_bytes([2; 32]).field_key(FieldKind::Phone)],
            }],
        };
        let good = seal_grant_with([0x22; 32], [0; 12], &session.public_key(), &body).unwrap();
        let mut bytes = good.as_bytes().to_vec();
        let i = u16::from_le_bytes([data[0], data[1]]) as usize % bytes.len();
        let mask = data[2] | 1;
        bytes[i] ^= mask;
        if let Ok(bad) = SealedGrant::from_bytes(bytes) {
            assert!(session.open(&bad, &shop, 1).is_err());
        }
    }
});
