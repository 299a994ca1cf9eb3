//! The package's lists of error codes against the server's (natively: `cargo test -p
//! orderveil-reveal`): every code the API can answer is in `SERVER_ERROR_CODES` of
//! `js/errors.js` and in the `ServerErrorCode` TypeScript union, and the local codes of
//! `src/error.rs` are exactly `LOCAL_ERROR_CODES` and the `LocalErrorCode` union.
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
