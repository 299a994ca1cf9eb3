//! The masking table (`tests/vectors/masking.txt`) and generated no-leak checks for
//! `mask_phone`, `mask_name` and `mask_address`. The same binary runs natively
//! (`cargo test`) and compiled to wasm32 in a headless browser (`wasm-bindgen-test`).

use orderveil_cipher::{FieldKind, mask, mask_address, mask_name, mask_phone};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const TABLE: &str = include_str!("vectors/masking.txt");

/// Every row of the table, checked; all failures are collected and reported together.
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    wasm_bindgen_test::wasm_bindgen_test
)]
#[cfg_attr(not(all(target_arch = "wasm32", target_os = "unknown")), test)]
fn masking_table() {
    let mut failures = Vec::new();
    let mut rows = 0;
    let mut per_kind = [0usize; 3];
    for (i, line) in TABLE.lines().enumerate() {
        let line_no = i + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [kind, input, expected] = fields.as_slice() else {
            failures.push(format!(
                "line {line_no}: not kind<TAB>input<TAB>expected: {line:?}"
            ));
            continue;
        };
        let (got, k) = match *kind {
            "phone" => (mask_phone(input), 0),
            "name" => (mask_name(input), 1),
            "address" => (mask_address(input), 2),
            other => {
                failures.push(format!("line {line_no}: unknown kind {other:?}"));
                continue;
            }
        };
        rows += 1;
        per_kind[k] += 1;
        if got != *expected {
            failures.push(format!(
                "line {line_no}: {kind} {input:?}: expected {expected:?}, got {got:?}"
            ));
        }
    }
    for f in &failures {
        eprintln!("{f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {rows} masking rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(rows >= 60, "only {rows} rows in the masking table");
    assert!(
        per_kind.iter().all(|&n| n >= 20),
        "too few rows of some kind: {per_kind:?}"
    );
}

/// Small deterministic generator (64-bit LCG, high bits).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // n is tiny; the high 32 bits are the good ones.
        ((self.0 >> 32) as usize) % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Pieces the generated strings are built from: ASCII and full-width digits, phone
/// punctuation, name dots, CJK (incl. admin suffixes and a compound surname), Latin with
/// combining marks, emoji (incl. a ZWJ sequence), odd whitespace.
const PIECES: &[&str] = &[
    "1",
    "3",
    "8",
    "0",
    "5",
    "9",
    "7",
    "138",
    "0571",
    "１",
    "８",
    "０",
    "+",
    "＋",
    "-",
    "－",
    " ",
    "\u{3000}",
    "(",
    ")",
    ".",
    ",",
    "#",
    "转",
    "x",
    "·",
    "•",
    "・",
    "张",
    "欧阳",
    "迪",
    "区",
    "市",
    "省",
    "州",
    "北京",
    "浙江",
    "自治区",
    "路",
    "号",
    "小区",
    "😀",
    "👨\u{200D}👩\u{200D}👧",
    "e\u{301}",
    "\u{301}",
    "a",
    "Z",
    "ß",
    "é",
    "Ω",
    "ä",
    "\u{200D}",
    "\t",
    "\n",
    "\u{FEFF}",
    "𠀀",
];

const NAME_DOTS: &[char] = &[
    '·', '•', '・', '．', '.', '‧', '･', '∙', '⋅', '⸱', '\u{0387}',
];

/// The digits of a phone input as a reader sees them (ASCII and full-width).
fn phone_digits(s: &str) -> Vec<char> {
    s.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0),
            _ => None,
        })
        .collect()
}

fn longest_digit_run(s: &str) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        cur = if c.is_ascii_digit() { cur + 1 } else { 0 };
        best = best.max(cur);
    }
    best
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}' | '\u{3007}')
}

/// Problems with the three masks of `input`, as messages.
fn leaks(input: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let blank = input.trim().is_empty();

    // Phone: only digits, stars and `+- ` come out; with 7+ digits at least 3 stay hidden,
    // no more than 4 are shown in a row, and there are at least 3 stars.
    let phone = mask_phone(input);
    if phone
        .chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, '*' | '-' | '+' | ' ')))
    {
        bad.push(format!("phone mask has foreign characters: {phone:?}"));
    }
    if !blank && !phone.contains('*') {
        bad.push(format!("phone mask hides nothing: {phone:?}"));
    }
    let n = phone_digits(input).len();
    if n >= 7 {
        let shown = phone.chars().filter(char::is_ascii_digit).count();
        if shown + 3 > n {
            bad.push(format!("phone mask shows {shown} of {n} digits: {phone:?}"));
        }
        if longest_digit_run(&phone) > 4 {
            bad.push(format!(
                "phone mask shows more than 4 digits in a row: {phone:?}"
            ));
        }
        if phone.matches('*').count() < 3 {
            bad.push(format!("phone mask hides fewer than 3 digits: {phone:?}"));
        }
    }

    // Name: something is starred; a clear character appears only as the first (or, for a
    // compound surname, the first two) or at the start of a Latin word; the name never ends in clear text; it never grows.
    let name = mask_name(input);
    let sep =
        |c: char| c.is_whitespace() || NAME_DOTS.contains(&c) || matches!(c, '-' | '\'' | '’');
    if !blank && !name.contains('*') {
        bad.push(format!("name mask hides nothing: {name:?}"));
    }
    // `k`: index among the non-separator characters; `prev`: the previous character.
    let (mut k, mut prev) = (0, ' ');
    for c in name.chars() {
        if sep(c) {
            prev = c;
            continue;
        }
        let allowed = k == 0 || (k == 1 && prev != '*' && !sep(prev)) || prev.is_whitespace();
        if c != '*' && !allowed {
            bad.push(format!("name mask shows {c:?} inside a word: {name:?}"));
            break;
        }
        k += 1;
        prev = c;
    }
    if let Some(last) = name.chars().rev().find(|&c| !sep(c))
        && last != '*'
    {
        bad.push(format!("name mask shows its last character: {name:?}"));
    }
    if name.chars().count() > input.chars().count() {
        bad.push(format!("name mask is longer than the name: {name:?}"));
    }

    // Address: something is starred; a Chinese address shows a prefix of itself (whitespace
    // dropped) and then exactly `****`; more than 2 kept characters must all be Han.
    let address = mask_address(input);
    if !blank && !address.contains('*') {
        bad.push(format!("address mask hides nothing: {address:?}"));
    }
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.chars().any(is_han) {
        let all_stars = address.chars().all(|c| c == '*');
        match address.strip_suffix("****") {
            Some(kept) if compact.starts_with(kept) && !kept.contains('*') => {
                if kept.chars().count() > 2 && !kept.chars().all(is_han) {
                    bad.push(format!("address mask keeps non-Han text: {address:?}"));
                }
            }
            _ if all_stars && address.chars().count() < 3 => {}
            _ => bad.push(format!("address mask is not a prefix + ****: {address:?}")),
        }
    }

    // The dispatcher agrees with the three functions.
    for kind in FieldKind::ALL {
        let direct = match kind {
            FieldKind::Phone => &phone,
            FieldKind::Name => &name,
            FieldKind::Address => &address,
            _ => continue,
        };
        if &mask(kind, input) != direct {
            bad.push(format!("mask({kind:?}) differs from the direct function"));
        }
    }
    bad
}

/// Thousands of generated strings: no panic, and none of the masks leaks.
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    wasm_bindgen_test::wasm_bindgen_test
)]
#[cfg_attr(not(all(target_arch = "wasm32", target_os = "unknown")), test)]
fn masks_are_total_and_do_not_leak() {
    let mut rng = Lcg(0x0DDB_1A5E_5BAD_5EED);
    let mut failures = Vec::new();
    let mut with_digits = 0;
    for case in 0..4000 {
        let len = rng.below(25);
        let input: String = (0..len).map(|_| rng.pick(PIECES)).collect();
        if phone_digits(&input).len() >= 7 {
            with_digits += 1;
        }
        for problem in leaks(&input) {
            failures.push(format!("case {case} {input:?}: {problem}"));
        }
    }
    // Every table input must pass the same checks.
    for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
        if let Some(input) = line.split('\t').nth(1) {
            for problem in leaks(input) {
                failures.push(format!("table input {input:?}: {problem}"));
            }
        }
    }
    assert!(
        with_digits > 200,
        "the generator makes too few phone-like strings ({with_digits})"
    );
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Generated mainland mobiles, virtual numbers and landlines in many spellings: the exact
/// mask, so the middle digits are never shown.
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    wasm_bindgen_test::wasm_bindgen_test
)]
#[cfg_attr(not(all(target_arch = "wasm32", target_os = "unknown")), test)]
fn generated_numbers_hide_the_middle() {
    const DIGITS: &[&str] = &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    let mut rng = Lcg(42);
    let mut failures = Vec::new();
    let full_width = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect()
    };
    for case in 0..3000 {
        let mut digits = |n: usize| (0..n).map(|_| rng.pick(DIGITS)).collect::<String>();
        let second = ["3", "4", "5", "6", "7", "8", "9"][case % 7];
        let rest = digits(9);
        let mobile = format!("1{second}{rest}");
        let ext = digits(4);
        let local = format!("{}{}", ["2", "5", "6", "8"][case % 4], digits(7));
        let area = ["010", "021", "0571", "0755", "0898"][case % 5];
        let sep = ["", " ", "-", ".", "\u{3000}", " - "][case % 6];
        let prefix = ["", "+86", "+86 ", "86", "0086 ", "(+86)"][(case / 6) % 6];
        // The middle digits `m2` must never appear: every expected mask stars them.
        let (m1, m2, m3) = (&mobile[..3], &mobile[3..7], &mobile[7..]);
        let (l1, l2) = (&local[..4], &local[4..]);
        let cases = [
            (
                format!("{prefix}{m1}{sep}{m2}{sep}{m3}"),
                format!("{m1}****{m3}"),
            ),
            (
                format!("{prefix}{m1}{sep}{m2}{sep}{m3}-{ext}"),
                format!("{m1}****{m3}-****"),
            ),
            (
                format!("{m1}{sep}{m2}{sep}{m3}转{ext}"),
                format!("{m1}****{m3}-****"),
            ),
            (format!("{area}-{l1}{sep}{l2}"), format!("{area}-****{l2}")),
            (
                format!("{area}{sep}{l1}{sep}{l2}-{}", &ext[..3]),
                format!("{area}-****{l2}-***"),
            ),
            (
                format!("+86 {}{sep}{l1}{sep}{l2}", &area[1..]),
                format!("{area}-****{l2}"),
            ),
        ];
        for (input, expected) in cases {
            for spelled in [input.clone(), full_width(&input)] {
                let got = mask_phone(&spelled);
                if got != expected {
                    failures.push(format!("{spelled:?}: expected {expected:?}, got {got:?}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems, first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(40)].join("\n")
    );
}
