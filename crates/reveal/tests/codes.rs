//! The package's lists of error codes against the server's (natively: `cargo test -p
//! orderveil-reveal`): every code the API can answer is in `SERVER_ERROR_CODES` of
//! `js/errors.js` and in the `ServerErrorCode` TypeScript union, and the local codes of
//! `src/error.rs` are exactly `LOCAL_ERROR_CODES` and the `LocalErrorCode` union. Likewise the
//! reveal purposes (`src/purpose.rs`, `REVEAL_PURPOSES`, the `RevealPurpose` union) are the
//! server's `RevealPurpose`s, and the package's note rule decides as the server's does.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

const ERRORS_JS: &str = include_str!("../js/errors.js");
const LIB_RS: &str = include_str!("../src/lib.rs");

/// The quoted strings of `export const NAME = Object.freeze([ ... ]);` in errors.js.
fn js_list(name: &str) -> Vec<String> {
    let start = ERRORS_JS.find(&format!("export const {name} = Object.freeze([")).unwrap_or_else(|| panic!("{name} not in errors.js"));
    let body = &ERRORS_JS[start..];
    let body = &body[body.find('[').unwrap() + 1..body.find("]);").unwrap()];
    quoted(body, '\'')
}

/// The string literals of `export type NAME = | "A" | "B";` in the TypeScript section.
fn ts_union(name: &str) -> Vec<String> {
    let start = LIB_RS.find(&format!("export type {name} =")).unwrap_or_else(|| panic!("{name} not in the TypeScript section"));
    let body = &LIB_RS[start..];
    let body = &body[..body.find(';').unwrap()];
    quoted(body, '"')
}

fn quoted(text: &str, q: char) -> Vec<String> {
    text.split(q).skip(1).step_by(2).map(str::to_string).collect()
}

#[test]
fn every_server_code_is_known_to_the_package() {
    let js = js_list("SERVER_ERROR_CODES");
    let ts = ts_union("ServerErrorCode");
    assert_eq!(js, ts, "errors.js SERVER_ERROR_CODES and the ServerErrorCode union differ");
    for code in orderveil_api::ErrorCode::ALL {
        let s = code.as_str();
        assert!(js.contains(&s), "the server answers {s}, which @orderveil/reveal does not list (js/errors.js, src/lib.rs)");
    }
}

#[test]
fn local_codes_agree() {
    let rust: Vec<String> = orderveil_reveal::LOCAL_CODES.iter().map(|s| s.to_string()).collect();
    assert_eq!(js_list("LOCAL_ERROR_CODES"), rust);
    assert_eq!(ts_union("LocalErrorCode"), rust);
}

#[test]
fn purposes_are_the_servers() {
    let server: Vec<String> = orderveil_api::RevealPurpose::ALL.iter().map(|p| p.as_str().to_string()).collect();
    let rust: Vec<String> = orderveil_reveal::PURPOSES.iter().map(|s| s.to_string()).collect();
    assert_eq!(rust, server, "src/purpose.rs PURPOSES");
    assert_eq!(js_list("REVEAL_PURPOSES"), server, "errors.js REVEAL_PURPOSES");
    assert_eq!(ts_union("RevealPurpose"), server, "the RevealPurpose union");
    assert_eq!(orderveil_reveal::NOTE_MAX_CHARS, orderveil_api::RevealPurpose::NOTE_MAX_CHARS);
}

#[test]
fn the_note_rule_is_the_servers() {
    let long = "说".repeat(200);
    let too_long = "说".repeat(201);
    let notes: Vec<Option<&str>> = vec![
        None,
        Some(""),
        Some("   "),
        Some("寄回维修"),
        Some("  寄回维修  "),
        Some(&long),
        Some(&too_long),
        Some("line\nbreak"),
        Some("tab\there"),
        Some("\u{7f}"),
        Some("order 123456"),
        Some("call 1234567"),
        Some("call 138 0013 8000"),
        Some("call 138-0013-8000"),
        Some("１３８００１３８０００"),
        Some("12345 6"),
        Some("- 123456 -"),
        Some("a1b2c3d4e5f6g7h8"),
        Some("123456a7"),
        Some(" 1234567 "),
        Some("123 456 a 7"),
        Some("\u{3000}全角空格\u{3000}"),
    ];
    for purpose in orderveil_api::RevealPurpose::ALL {
        for note in &notes {
            let server = orderveil_api::purpose_note_problem(purpose, *note);
            let package = orderveil_reveal::purpose_note_problem(purpose.as_str(), *note);
            assert_eq!(package, server, "{} {note:?}", purpose.as_str());
        }
    }
    // Every reason the rule has is met above.
    let reasons: std::collections::BTreeSet<_> = notes.iter().filter_map(|n| orderveil_reveal::purpose_note_problem("other", *n)).collect();
    assert_eq!(reasons.into_iter().collect::<Vec<_>>(), ["note_control_characters", "note_has_phone_number", "note_required", "note_too_long"]);
}
