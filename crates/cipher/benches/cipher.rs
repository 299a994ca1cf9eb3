//! Native benchmarks of the crypto core, with a baseline measured in the same process.
//!
//! ```text
//! cargo bench -p orderveil-cipher --bench cipher
//! ```
//!
//! Each figure is the median of 7 rounds of at least 150 ms each, single thread. The
//! baseline is one raw AES-256-GCM seal of a 64-byte message with the `aes-gcm` crate; the
//! ratio column says how many baselines an operation costs.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use orderveil_cipher::{
    ClientSession, Dek, FieldKind, GrantBody, GrantId, GrantOrder, GrantPurpose, IndexMasterSecret,
    Kek, KekVersion, OrderId, Receiver, SealedGrant, ShopId, encrypt_receiver, mask_address,
    mask_name, mask_phone, seal_grant,
};

/// Median nanoseconds per call of `f`.
fn measure(mut f: impl FnMut()) -> f64 {
    // Calibrate a batch size that takes ~10 ms.
    let mut batch = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        if t.elapsed() > Duration::from_millis(10) {
            break;
        }
        batch *= 2;
    }
    let mut rounds = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let mut n = 0u64;
        while t.elapsed() < Duration::from_millis(150) {
            for _ in 0..batch {
                f();
            }
            n += batch;
        }
        rounds.push(t.elapsed().as_nanos() as f64 / n as f64);
    }
    rounds.sort_by(f64::total_cmp);
    rounds[3]
}

fn row(name: &str, ns: f64, base: f64, per: &str) {
    let rate = 1e9 / ns;
    println!("{name:<46} {:>12} {:>14} {:>9.1}x", fmt_ns(ns), format!("{rate:.0} {per}/s"), ns / base);
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 { format!("{:.2} ms", ns / 1e6) } else if ns >= 1e3 { format!("{:.2} µs", ns / 1e3) } else { format!("{ns:.0} ns") }
}

fn grant_body(shop: &ShopId, n: usize) -> GrantBody {
    GrantBody {
        grant_id: GrantId::generate().unwrap(),
        shop_id: shop.clone(),
        purpose: GrantPurpose::Reveal,
        issued_at: 1_764_300_000,
        expires_at: 1_764_300_060,
        orders: (0..n)
            .map(|i| GrantOrder {
                order_id: OrderId::new(&format!("69210000000000{i:05}")).unwrap(),
                binding: String::new(),
                keys: FieldKind::ALL.iter().map(|k| Dek::from_bytes([i as u8; 32]).field_key(*k)).collect(),
            })
            .collect(),
    }
}

fn main() {
    // `cargo test --benches` runs bench targets with --bench absent; skip the long run there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("cipher bench: pass --bench (cargo bench) to run");
        return;
    }
    let shop = ShopId::new("shop1").unwrap();
    let order = OrderId::new("6921000000000000001").unwrap();
    let kek = Kek::from_bytes(KekVersion::new(1).unwrap(), [1; 32]);
    let ikey = IndexMasterSecret::from_bytes([2; 32]).shop_key(&shop);
    let receiver = Receiver {
        name: "欧阳娜娜".into(),
        phone: "13812345678".into(),
        address: "浙江省杭州市西湖区文三路100号华星科技大厦A座1201室".into(),
    };

    println!("{:<46} {:>12} {:>14} {:>10}", "operation (native, 1 thread)", "median", "rate", "÷ baseline");
    let aes = Aes256Gcm::new(&Key::<Aes256Gcm>::from([9u8; 32]));
    let msg = [7u8; 64];
    let base = measure(|| {
        black_box(aes.encrypt(&Nonce::from([0u8; 12]), black_box(&msg[..])).unwrap());
    });
    row("baseline: raw AES-256-GCM seal, 64 B", base, base, "op");

    let ingest = measure(|| {
        black_box(encrypt_receiver(&kek, &ikey, &shop, &order, black_box(&receiver)).unwrap());
    });
    row("ingest-encrypt 1 order (DEK,wrap,3 fields,idx)", ingest, base, "orders");

    for n in [1usize, 50] {
        let body = grant_body(&shop, n);
        let client = ClientSession::new().unwrap().public_key();
        let t = measure(|| {
            black_box(seal_grant(&client, black_box(&body)).unwrap());
        });
        row(&format!("seal grant, {n} order(s) x 3 fields"), t, base, "grants");
    }

    // Open + decrypt 3 fields: each iteration needs a fresh session (a session opens once),
    // so sessions and their sealed grants are prepared outside the timed loop.
    let enc = encrypt_receiver(&kek, &ikey, &shop, &order, &receiver).unwrap();
    let dek = kek.unwrap(&enc.wrapped_dek, &order).unwrap();
    let cts: Vec<String> = FieldKind::ALL.iter().map(|k| enc.field(*k).ciphertext.to_string()).collect();
    let body = GrantBody {
        orders: vec![GrantOrder { order_id: order.clone(), binding: String::new(), keys: FieldKind::ALL.iter().map(|k| dek.field_key(*k)).collect() }],
        ..grant_body(&shop, 1)
    };
    let mut prepared: Vec<(ClientSession, SealedGrant)> = (0..20_000)
        .map(|_| {
            let s = ClientSession::new().unwrap();
            let g = seal_grant(&s.public_key(), &body).unwrap();
            (s, g)
        })
        .collect();
    let t = Instant::now();
    let count = prepared.len();
    for (s, g) in prepared.iter_mut() {
        let opened = s.open(g, &shop, 1_764_300_001).unwrap();
        for c in &cts {
            black_box(opened.decrypt(&order, c).unwrap());
        }
    }
    let open3 = t.elapsed().as_nanos() as f64 / count as f64;
    row("open grant + decrypt 3 fields (client side)", open3, base, "reveals");

    let m = measure(|| {
        black_box(mask_phone(black_box("+86 138-1234-5678")));
        black_box(mask_name(black_box("迪丽热巴·迪力木拉提")));
        black_box(mask_address(black_box("新疆维吾尔自治区乌鲁木齐市天山区解放北路1号")));
    });
    row("mask phone + name + address", m, base, "orders");

    let idx = measure(|| {
        black_box(ikey.index_for(FieldKind::Address, black_box(&receiver.address)));
    });
    row("address index (26 windows)", idx, base, "addresses");
    println!();
    println!("ingest-encrypt target >= 50,000 orders/s on one core: {:.0} orders/s ({})",
        1e9 / ingest, if 1e9 / ingest >= 50_000.0 { "met" } else { "NOT met" });
}
