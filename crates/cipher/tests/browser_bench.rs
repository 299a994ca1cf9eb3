//! Benchmark of the Wasm build of the crypto core in headless Chromium, against the browser's
//! own `crypto.subtle` on the same AES-256-GCM bytes.
//!
//! Run it (release; ignored by the normal suite):
//!
//! ```text
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test --release -p orderveil-cipher \
//!     --target wasm32-unknown-unknown --test browser_bench -- --include-ignored --nocapture
//! ```
//!
//! (`cargo xtask bench` runs the same line after the native benchmark.)
//!
//! * `--include-ignored` is what makes `wasm-bindgen-test-runner` run the `#[ignore]`d test
//!   (`--ignored` works too); without it the test is listed as `ignored`.
//! * The table is printed with `wasm_bindgen_test::console_log!`, i.e. `console.log` in the
//!   page. `--nocapture` makes the runner (wasm-bindgen-cli 0.2.130) stream the page's console
//!   output to stdout as it comes; without it, the console output of a *passing* test is
//!   swallowed and only shown when a test fails.
//! * The whole run takes about 10 s in the page (the table's last line says how long), under
//!   the runner's default limit of 20 s per test binary. On a loaded machine, raise it with
//!   `WASM_BINDGEN_TEST_TIMEOUT=120` (as `cargo xtask bench` does); a run cut off by the limit
//!   ends with "Failed to detect test as having been run. It might have timed out."
//! * Run it on an otherwise idle machine: the rows are medians, but a concurrent build on
//!   the same cores moves them a lot, the SubtleCrypto rows (which hop to a browser thread
//!   and back) most: on a busy 2-core machine the `Promise.all` row went from 0.6 to 5.8 ms.
//!   Even when idle, expect ±15 % between runs (so the parse-included row can come out
//!   below the parse-excluded one: parsing costs far less than that noise).
//!
//! Method: every row is [`ROUNDS`] rounds after a calibration run (which is also the
//! warm-up and sizes the chunks). A round is a run of chunks of about [`CHUNK_MS`] each, until
//! the timed total reaches [`MIN_ROUND_MS`] (so every round is ≥ 200 ms of measured work);
//! the per-iteration time of the round is that total over its iteration count. The clock is
//! `performance.now()` read around each chunk; its coarsening (5 µs: the runner serves the
//! page cross-origin isolated, which the header line shows; 100 µs otherwise) is far below
//! a 10 ms chunk. The table shows the median, min and max over the rounds of the
//! per-iteration time. Between rounds the test yields to the browser (`setTimeout(0)`), so
//! the page stays responsive to the WebDriver polls.
//!
//! Rows:
//! 1. **open + decrypt 3 fields**: `ClientSession::open` of a one-order reveal grant holding
//!    the three field keys, then `OpenedGrant::decrypt` (text parse included) of the name,
//!    phone and address ciphertexts. A session opens only once, so before each chunk its
//!    sessions (`ClientSession::new`) and their sealed grants (`seal_grant`, the server's
//!    side) are made, untimed; the timed loop is open + 3 decrypts (+ dropping the opened
//!    grant and the plaintexts). This preparation is most of the row's wall time.
//! 2. **one field decrypt**: the phone field of one order. Wasm: `FieldCiphertext::decrypt`
//!    on an already parsed ciphertext (parse excluded; a parse-included row follows). JS:
//!    an awaited `crypto.subtle.decrypt({name: "AES-GCM", iv, additionalData, tagLength:
//!    128}, key, ct‖tag)` on exactly the same key, nonce, ciphertext, tag and AAD bytes, the
//!    key imported once (`importKey("raw", …)`) and the argument objects built once, outside
//!    the loop. Before timing, SubtleCrypto's output is asserted equal to the Wasm plaintext.
//! 3. **batch of 50**: the phone fields of 50 orders (50 keys). Wasm: 50 decrypts in a row.
//!    JS: 50 `crypto.subtle.decrypt` calls awaited together with `Promise.all`.
//!
//! Sealing is server side and is benchmarked natively (`benches/cipher.rs`), not here.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;

use js_sys::{Array, Promise, Reflect, Uint8Array};
use orderveil_cipher::{
    ClientSession, FieldCiphertext, FieldKey, FieldKind, GrantBody, GrantId, GrantOrder,
    GrantPurpose, IndexMasterSecret, Kek, KekVersion, OrderId, Receiver, SealedGrant, ShopId,
    encrypt_receiver, seal_grant,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{AesGcmParams, CryptoKey, Performance, SubtleCrypto, Window};

wasm_bindgen_test_configure!(run_in_browser);

/// Rounds per row; the median is taken over these.
const ROUNDS: usize = 5;
/// Timed length of one round, at least.
const MIN_ROUND_MS: f64 = 200.0;
/// Length of one timed chunk of a round (the clock is read around each chunk).
const CHUNK_MS: f64 = 10.0;
/// The calibration run doubles its iteration count until it lasts this long.
const CALIBRATE_MS: f64 = 25.0;
/// Orders in the batch rows (the most one grant may cover).
const BATCH: usize = 50;
const SHOP: &str = "shop_hz_0571";

// ---------------------------------------------------------------------------------------------
// Test data: realistic Chinese receivers, encrypted the way the server ingests them.
// ---------------------------------------------------------------------------------------------

#[rustfmt::skip]
const NAMES: [&str; 10] = [
    "王秀英", "李建国", "张伟", "刘芳", "陈志强", "欧阳娜娜", "杨丽华", "赵磊", "黄晓明",
    "迪丽热巴·迪力木拉提",
];
const ADDRESSES: [&str; 10] = [
    "浙江省杭州市西湖区文三路478号华星时代广场A座1203室",
    "北京市朝阳区建国路88号SOHO现代城5号楼2单元1801",
    "广东省深圳市南山区科技园南区高新南七道18号2栋501",
    "上海市浦东新区张江镇祖冲之路887弄72号楼3楼",
    "江苏省南京市鼓楼区中山北路30号南京大学宿舍8栋302",
    "四川省成都市武侯区天府大道北段1700号环球中心E2-1506",
    "湖北省武汉市洪山区珞喻路1037号华中科技大学东九楼",
    "新疆维吾尔自治区乌鲁木齐市天山区解放北路118号",
    "山东省青岛市市南区香港中路76号颐中皇冠假日酒店公寓B座",
    "福建省厦门市思明区软件园二期望海路19号之一401",
];
#[rustfmt::skip]
const MOBILE_PREFIXES: [&str; 10] = ["138", "139", "150", "186", "177", "135", "159", "188", "130", "199"];

struct Order {
    id: OrderId,
    receiver: Receiver,
    /// The three ciphertexts in text form, as the page receives them.
    name_text: String,
    phone_text: String,
    address_text: String,
    /// The parsed phone ciphertext.
    phone_ct: FieldCiphertext,
    /// The three field keys (what a grant carries).
    keys: Vec<FieldKey>,
}

impl Order {
    fn key(&self, kind: FieldKind) -> &FieldKey {
        self.keys.iter().find(|k| k.kind() == kind).unwrap()
    }
}

fn make_orders(shop: &ShopId, n: usize) -> Vec<Order> {
    let kek = Kek::generate(KekVersion::new(1).unwrap()).unwrap();
    let index_key = IndexMasterSecret::generate().unwrap().shop_key(shop);
    (0..n)
        .map(|i| {
            // Doudian-style 19-digit order numbers.
            let id = OrderId::new(&format!("69210345877{:08}", 12_345_678 + i * 7_919)).unwrap();
            let receiver = Receiver {
                name: NAMES[i % NAMES.len()].to_string(),
                phone: format!(
                    "{}{:08}",
                    MOBILE_PREFIXES[(i / 3) % 10],
                    12_345_678 + i * 104_729 % 87_654_321
                ),
                address: ADDRESSES[(i * 7) % ADDRESSES.len()].to_string(),
            };
            let enc = encrypt_receiver(&kek, &index_key, shop, &id, &receiver).unwrap();
            let dek = kek.unwrap(&enc.wrapped_dek, &id).unwrap();
            let keys = FieldKind::ALL.iter().map(|&k| dek.field_key(k)).collect();
            Order {
                name_text: enc.name.ciphertext.to_string(),
                phone_text: enc.phone.ciphertext.to_string(),
                address_text: enc.address.ciphertext.to_string(),
                phone_ct: enc.phone.ciphertext.clone(),
                id,
                receiver,
                keys,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Browser plumbing
// ---------------------------------------------------------------------------------------------

struct Browser {
    window: Window,
    perf: Performance,
    subtle: SubtleCrypto,
}

impl Browser {
    fn new() -> Self {
        let window = web_sys::window().expect("a window (run_in_browser)");
        let perf = window.performance().expect("performance");
        let subtle = window.crypto().expect("crypto").subtle();
        Self {
            window,
            perf,
            subtle,
        }
    }

    fn now(&self) -> f64 {
        self.perf.now()
    }

    /// Let the browser run its task queue (WebDriver polls, GC) between rounds.
    async fn yield_to_browser(&self) {
        let w = self.window.clone();
        let p = Promise::new(&mut |resolve, _| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
                .unwrap();
        });
        JsFuture::from(p).await.unwrap();
    }

    fn global_prop(&self, path: &[&str]) -> JsValue {
        let mut v: JsValue = self.window.clone().into();
        for p in path {
            v = Reflect::get(&v, &JsValue::from_str(p)).unwrap_or(JsValue::UNDEFINED);
        }
        v
    }

    async fn import_aes_key(&self, raw: &[u8; 32]) -> CryptoKey {
        let usages = Array::of1(&JsValue::from_str("decrypt"));
        let p = self
            .subtle
            .import_key_with_str(
                "raw",
                &Uint8Array::from(&raw[..]),
                "AES-GCM",
                false,
                &usages,
            )
            .unwrap();
        JsFuture::from(p).await.unwrap().unchecked_into()
    }
}

/// The exact inputs of one `crypto.subtle.decrypt` call, built once.
struct SubtleCall {
    params: AesGcmParams,
    key: CryptoKey,
    data: Uint8Array,
}

impl SubtleCall {
    async fn new(b: &Browser, shop: &ShopId, o: &Order) -> Self {
        let payload = o.phone_ct.payload();
        let (nonce, ct_and_tag) = payload.split_at(12);
        let aad = format!("orderveil/v1|{shop}|{}|phone", o.id);
        let params = AesGcmParams::new("AES-GCM", &Uint8Array::from(nonce));
        params.set_additional_data(&Uint8Array::from(aad.as_bytes()));
        params.set_tag_length(128);
        let key = b
            .import_aes_key(o.key(FieldKind::Phone).expose_bytes())
            .await;
        Self {
            params,
            key,
            data: Uint8Array::from(ct_and_tag),
        }
    }

    fn start(&self, subtle: &SubtleCrypto) -> Promise {
        subtle
            .decrypt_with_object_and_buffer_source(&self.params, &self.key, &self.data)
            .unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

struct Stats {
    label: String,
    /// Iterations in the smallest round.
    iters: usize,
    /// Per-iteration time of each round, µs.
    per_iter_us: Vec<f64>,
    /// Length of the shortest round, ms.
    shortest_round_ms: f64,
    /// Wall time of the whole row (calibration, preparation, rounds), s.
    wall_s: f64,
}

impl Stats {
    fn sorted(&self) -> Vec<f64> {
        let mut v = self.per_iter_us.clone();
        v.sort_by(f64::total_cmp);
        v
    }
    fn median(&self) -> f64 {
        let v = self.sorted();
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }
    fn row(&self) -> String {
        let v = self.sorted();
        format!(
            "| {:<48} | {:>7} | {:>7.0} | {:>10} | {:>10} | {:>10} | {:>6.1} |",
            self.label,
            self.iters,
            self.shortest_round_ms,
            us(self.median()),
            us(v[0]),
            us(v[v.len() - 1]),
            self.wall_s,
        )
    }
}

fn us(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0} µs")
    } else {
        format!("{x:.2} µs")
    }
}

/// Iterations per chunk: about [`CHUNK_MS`] worth at the calibrated speed.
fn chunk_for(n: usize, elapsed_ms: f64) -> usize {
    ((n as f64) * CHUNK_MS / elapsed_ms.max(0.001))
        .ceil()
        .max(1.0) as usize
}

/// Time a synchronous operation. `prepare(n)` makes the inputs of `n` iterations (untimed);
/// `run` is one iteration. A round is a sequence of timed chunks, each preceded by the
/// untimed preparation of its inputs, until the timed total reaches [`MIN_ROUND_MS`].
async fn bench_sync<S>(
    b: &Browser,
    label: &str,
    mut prepare: impl FnMut(usize) -> Vec<S>,
    mut run: impl FnMut(&mut S),
) -> Stats {
    let wall_start = b.now();
    let mut timed = |inputs: &mut Vec<S>| {
        let t0 = b.now();
        for s in inputs.iter_mut() {
            run(s);
        }
        b.now() - t0
    };
    // Calibration, which is also the warm-up.
    let mut n = 1;
    let chunk = loop {
        let mut inputs = prepare(n);
        let ms = timed(&mut inputs);
        if ms >= CALIBRATE_MS {
            break chunk_for(n, ms);
        }
        n *= 2;
    };
    let mut rounds = Rounds::default();
    while rounds.per_iter_us.len() < ROUNDS {
        b.yield_to_browser().await;
        let (mut ms, mut iters) = (0.0, 0);
        while ms < MIN_ROUND_MS {
            let mut inputs = prepare(chunk);
            ms += timed(&mut inputs);
            iters += chunk;
        }
        rounds.push(ms, iters);
    }
    rounds.finish(label, (b.now() - wall_start) / 1000.0)
}

/// Time an asynchronous operation: one iteration is `start()` and awaiting its promise. A
/// round runs chunks of iterations until [`MIN_ROUND_MS`] have passed.
async fn bench_async(b: &Browser, label: &str, mut start: impl FnMut() -> Promise) -> Stats {
    let wall_start = b.now();
    let mut n = 1;
    let chunk = loop {
        let t0 = b.now();
        for _ in 0..n {
            black_box(JsFuture::from(start()).await.unwrap());
        }
        let ms = b.now() - t0;
        if ms >= CALIBRATE_MS {
            break chunk_for(n, ms);
        }
        n *= 2;
    };
    let mut rounds = Rounds::default();
    while rounds.per_iter_us.len() < ROUNDS {
        b.yield_to_browser().await;
        let (t0, mut iters) = (b.now(), 0);
        while b.now() - t0 < MIN_ROUND_MS {
            for _ in 0..chunk {
                black_box(JsFuture::from(start()).await.unwrap());
            }
            iters += chunk;
        }
        rounds.push(b.now() - t0, iters);
    }
    rounds.finish(label, (b.now() - wall_start) / 1000.0)
}

#[derive(Default)]
struct Rounds {
    per_iter_us: Vec<f64>,
    min_iters: Option<usize>,
    shortest_ms: Option<f64>,
}

impl Rounds {
    fn push(&mut self, ms: f64, iters: usize) {
        self.per_iter_us.push(ms * 1000.0 / iters as f64);
        self.min_iters = Some(self.min_iters.map_or(iters, |m| m.min(iters)));
        self.shortest_ms = Some(self.shortest_ms.map_or(ms, |m| m.min(ms)));
    }
    fn finish(self, label: &str, wall_s: f64) -> Stats {
        Stats {
            label: label.to_string(),
            iters: self.min_iters.unwrap_or(0),
            per_iter_us: self.per_iter_us,
            shortest_round_ms: self.shortest_ms.unwrap_or(0.0),
            wall_s,
        }
    }
}

fn met(ok: bool) -> &'static str {
    if ok { "MET" } else { "NOT MET" }
}

// ---------------------------------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
#[ignore = "benchmark: run with --release -- --include-ignored --nocapture"]
async fn browser_bench() {
    let b = Browser::new();
    let t_start = b.now();
    let shop = ShopId::new(SHOP).unwrap();
    let orders = make_orders(&shop, BATCH);
    let first = &orders[0];
    let now_s = (js_sys::Date::now() / 1000.0) as i64;

    // --- Correctness first: Wasm and SubtleCrypto agree on the same bytes. ---------------
    let calls = {
        let mut v = Vec::with_capacity(BATCH);
        for o in &orders {
            v.push(SubtleCall::new(&b, &shop, o).await);
        }
        v
    };
    for (o, call) in orders.iter().zip(&calls) {
        let wasm = o
            .phone_ct
            .decrypt(o.key(FieldKind::Phone), &shop, &o.id)
            .unwrap();
        assert_eq!(wasm.as_str(), o.receiver.phone);
        let js = JsFuture::from(call.start(&b.subtle))
            .await
            .expect("SubtleCrypto decrypt");
        let js = Uint8Array::new(&js).to_vec();
        assert_eq!(
            js,
            wasm.as_bytes(),
            "SubtleCrypto and Wasm disagree for order {}",
            o.id
        );
    }
    // And the grant path opens and decrypts what was encrypted.
    {
        let mut session = ClientSession::new().unwrap();
        let sealed = seal_grant(&session.public_key(), &grant_body(&shop, first, now_s)).unwrap();
        let opened = session.open(&sealed, &shop, now_s).unwrap();
        assert_eq!(
            opened
                .decrypt(&first.id, &first.name_text)
                .unwrap()
                .as_str(),
            first.receiver.name
        );
        assert_eq!(
            opened
                .decrypt(&first.id, &first.phone_text)
                .unwrap()
                .as_str(),
            first.receiver.phone
        );
        assert_eq!(
            opened
                .decrypt(&first.id, &first.address_text)
                .unwrap()
                .as_str(),
            first.receiver.address
        );
    }

    // --- 1. open + decrypt 3 fields ----------------------------------------------------------
    let open3 = bench_sync(
        &b,
        "open grant + decrypt name, phone, address (Wasm)",
        |n| {
            (0..n)
                .map(|_| {
                    let session = ClientSession::new().unwrap();
                    let sealed: SealedGrant =
                        seal_grant(&session.public_key(), &grant_body(&shop, first, now_s))
                            .unwrap();
                    (session, sealed)
                })
                .collect()
        },
        |(session, sealed)| {
            let opened = session.open(sealed, &shop, now_s).unwrap();
            black_box(
                opened
                    .decrypt(&first.id, black_box(&first.name_text))
                    .unwrap(),
            );
            black_box(
                opened
                    .decrypt(&first.id, black_box(&first.phone_text))
                    .unwrap(),
            );
            black_box(
                opened
                    .decrypt(&first.id, black_box(&first.address_text))
                    .unwrap(),
            );
        },
    )
    .await;

    // --- 2. one field: Wasm vs awaited SubtleCrypto -----------------------------------------
    let phone_key = first.key(FieldKind::Phone);
    let unit = |n| vec![(); n];
    let wasm_one = bench_sync(&b, "phone decrypt, parsed (Wasm)", unit, |_| {
        black_box(
            black_box(&first.phone_ct)
                .decrypt(phone_key, &shop, &first.id)
                .unwrap(),
        );
    })
    .await;
    let wasm_one_parse = bench_sync(&b, "phone parse + decrypt (Wasm)", unit, |_| {
        let ct = FieldCiphertext::parse(black_box(&first.phone_text)).unwrap();
        black_box(ct.decrypt(phone_key, &shop, &first.id).unwrap());
    })
    .await;
    let js_one = bench_async(&b, "phone decrypt, awaited (SubtleCrypto)", || {
        calls[0].start(&b.subtle)
    })
    .await;

    // --- 3. batch of 50 ------------------------------------------------------------------------
    let wasm_batch = bench_sync(&b, "50 phone decrypts, parsed (Wasm)", unit, |_| {
        for o in &orders {
            black_box(
                black_box(&o.phone_ct)
                    .decrypt(o.key(FieldKind::Phone), &shop, &o.id)
                    .unwrap(),
            );
        }
    })
    .await;
    let js_batch = bench_async(&b, "50 phone decrypts, Promise.all (SubtleCrypto)", || {
        let all = Array::new();
        for c in &calls {
            all.push(&c.start(&b.subtle));
        }
        Promise::all(&all)
    })
    .await;

    // --- Report --------------------------------------------------------------------------------
    let ua = b
        .global_prop(&["navigator", "userAgent"])
        .as_string()
        .unwrap_or_default();
    let isolated = b
        .global_prop(&["crossOriginIsolated"])
        .as_bool()
        .unwrap_or(false);
    console_log!("");
    console_log!(
        "orderveil-cipher browser benchmark ({})",
        if cfg!(debug_assertions) {
            "DEBUG build: numbers are meaningless, use --release"
        } else {
            "release"
        }
    );
    console_log!("browser: {ua}");
    console_log!(
        "{ROUNDS} rounds per row, each >= {MIN_ROUND_MS:.0} ms of timed {CHUNK_MS:.0} ms chunks; time per iteration; \
         performance.now(), crossOriginIsolated = {isolated}"
    );
    console_log!("");
    console_log!(
        "| {:<48} | {:>7} | {:>7} | {:>10} | {:>10} | {:>10} | {:>6} |",
        "benchmark (one iteration)",
        "iters",
        "round",
        "median",
        "min",
        "max",
        "wall"
    );
    console_log!(
        "| {} | ------: | ------: | ---------: | ---------: | ---------: | -----: |",
        "-".repeat(48)
    );
    for s in [
        &open3,
        &wasm_one,
        &wasm_one_parse,
        &js_one,
        &wasm_batch,
        &js_batch,
    ] {
        console_log!("{}", s.row());
    }
    console_log!(
        "(iters = iterations in the smallest round; round = shortest round, ms; wall = whole row incl. calibration and untimed preparation, s; \
         whole benchmark {:.1} s)",
        (b.now() - t_start) / 1000.0
    );
    console_log!("");
    let open_us = open3.median();
    console_log!(
        "open + decrypt 3 fields: median {} = {:.3} ms; target <= 0.5 ms: {}",
        us(open_us),
        open_us / 1000.0,
        met(open_us <= 500.0)
    );
    let r1 = js_one.median() / wasm_one.median();
    console_log!(
        "one field (parse excluded): Wasm is {r1:.1}x faster than awaited SubtleCrypto ({} vs {}); target >= 3x: {}",
        us(wasm_one.median()),
        us(js_one.median()),
        met(r1 >= 3.0)
    );
    let r1p = js_one.median() / wasm_one_parse.median();
    console_log!("one field (parse included): Wasm is {r1p:.1}x faster than awaited SubtleCrypto");
    let r50 = js_batch.median() / wasm_batch.median();
    console_log!(
        "batch of {BATCH}: Wasm is {r50:.1}x faster than SubtleCrypto with Promise.all ({} vs {}; per field {} vs {})",
        us(wasm_batch.median()),
        us(js_batch.median()),
        us(wasm_batch.median() / BATCH as f64),
        us(js_batch.median() / BATCH as f64)
    );
    console_log!("");
}

/// A one-order reveal grant with the three field keys, valid for a minute.
fn grant_body(shop: &ShopId, o: &Order, now_s: i64) -> GrantBody {
    GrantBody {
        grant_id: GrantId::generate().unwrap(),
        shop_id: shop.clone(),
        purpose: GrantPurpose::Reveal,
        issued_at: now_s,
        expires_at: now_s + 60,
        orders: vec![GrantOrder {
            order_id: o.id.clone(),
            binding: String::new(),
            keys: o.keys.clone(),
        }],
    }
}
