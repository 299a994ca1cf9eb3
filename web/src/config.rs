//! Page settings read once at start.

/// How long revealed plaintext stays in the page, in seconds, unless configured.
pub const REVEAL_SECS: u32 = 30;

fn parse_secs(s: &str) -> Option<u32> {
    s.trim().parse::<u32>().ok().filter(|n| (1..=600).contains(n))
}

/// Seconds a revealed value stays in the DOM: `REVEAL_SECS`, or the deployment's
/// `<html data-reveal-secs="…">`; the `reveal_secs` query parameter may only shorten it
/// (tests use it), never lengthen it.
pub fn reveal_secs() -> u32 {
    let Some(w) = web_sys::window() else { return REVEAL_SECS };
    let base = w
        .document()
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("data-reveal-secs"))
        .and_then(|v| parse_secs(&v))
        .unwrap_or(REVEAL_SECS);
    let asked = w
        .location()
        .search()
        .ok()
        .and_then(|s| web_sys::UrlSearchParams::new_with_str(&s).ok())
        .and_then(|p| p.get("reveal_secs"))
        .and_then(|v| parse_secs(&v));
    asked.filter(|a| *a < base).unwrap_or(base)
}
