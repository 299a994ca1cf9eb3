//! Platform SMS (DESIGN.md "Reaching the buyer without a revealed number", issue 19): a shop
//! reaches an order's receiver without anyone seeing the number.
//!
//! * **Templates** ([`templates`]): a shop (owner, staff with `sms`) submits a named template
//!   of a kind (logistics, after-sales, care, marketing) whose text uses only the variables
//!   [`VARIABLES`] and holds no phone number and no link except the platform's own
//!   ([`check_body`]); the platform approves or rejects it with a comment. A name submitted
//!   again is a new version; approving it supersedes the older approved one.
//! * **Sending** ([`send`]): an approved version to the receivers of up to [`MAX_SEND`] orders,
//!   all or nothing (every refused order listed with its reason), within the daily limits per
//!   order and per shop (platform settings); marketing only to orders of the last
//!   [`MARKETING_MAX_AGE_DAYS`] days and never between 21:00 and 08:00 Asia/Shanghai. The
//!   messages go to the outbox — the order, the filled text (no receiver data), the phone
//!   ciphertext and its mask — in one transaction with the audit row. Never charged to the
//!   reveal quota.
//! * **The worker** ([`worker`]): in every process, claims due messages (a lease, and `FOR
//!   UPDATE SKIP LOCKED` on PostgreSQL), decrypts the number just before the hand-over to the
//!   [`gateway::SmsGateway`], and records sent / failed (retried with backoff) / gave up. The
//!   outbox is in the store, so a restart resumes it; the idempotency key makes a repeated
//!   hand-over harmless.
//!
//! The plaintext number exists only inside the worker's hand-over: never in the store, a
//! response or a log line.

pub mod gateway;
pub mod routes;
pub mod send;
pub mod templates;
pub mod worker;

pub use routes::{SmsDoc, routes};

/// The variables a template may use.
pub const VARIABLES: [&str; 4] = ["order_id", "carrier", "tracking_no", "shop_name"];
/// Most orders one send takes.
pub const MAX_SEND: usize = 500;
/// Most characters of a template's text.
pub const MAX_BODY: usize = 300;
/// Marketing goes only to orders created within this many days.
pub const MARKETING_MAX_AGE_DAYS: i64 = 90;

/// What is wrong with a template's text (empty: nothing): `too_long`, `empty`,
/// `unknown_variable:<name>`, `unbalanced_braces`, `phone_number`, `link:<host>`.
/// `platform_host` is the one host links may point to (the platform's public URL's).
pub fn check_body(body: &str, platform_host: Option<&str>) -> Vec<String> {
    let mut problems = Vec::new();
    let n = body.chars().count();
    if body.trim().is_empty() {
        problems.push("empty".to_string());
    }
    if n > MAX_BODY {
        problems.push("too_long".to_string());
    }
    if body.chars().any(|c| c.is_control() && c != '\n') {
        problems.push("control_character".to_string());
    }
    // Variables: `{name}` with a known name; a stray brace is refused.
    let mut rest = body;
    let mut literal = String::new();
    loop {
        match rest.find(['{', '}']) {
            None => {
                literal.push_str(rest);
                break;
            }
            Some(i) if rest[i..].starts_with('{') => {
                literal.push_str(&rest[..i]);
                literal.push(' ');
                match rest[i + 1..].find('}') {
                    Some(j) if !rest[i + 1..i + 1 + j].contains('{') => {
                        let name = &rest[i + 1..i + 1 + j];
                        if !VARIABLES.contains(&name) {
                            problems.push(format!("unknown_variable:{name}"));
                        }
                        rest = &rest[i + 2 + j..];
                    }
                    _ => {
                        problems.push("unbalanced_braces".to_string());
                        break;
                    }
                }
            }
            Some(_) => {
                problems.push("unbalanced_braces".to_string());
                break;
            }
        }
    }
    // A phone number: 7 or more digits, spaces, dots and dashes between them allowed.
    let mut digits = 0;
    for c in literal.chars() {
        if c.is_ascii_digit() || ('０'..='９').contains(&c) {
            digits += 1;
            if digits >= 7 {
                problems.push("phone_number".to_string());
                break;
            }
        } else if !(c == '-' || c == ' ' || c == '.' || c == '—') || digits == 0 {
            digits = 0;
        }
    }
    // Links: anything with a scheme or `www.`, or a word that ends in a domain name.
    let platform = platform_host.map(str::to_ascii_lowercase);
    for word in literal.split(|c: char| c.is_whitespace() || (!c.is_ascii() && !c.is_alphanumeric()) || "，。！？；：、（）【】「」《》\"'<>".contains(c)) {
        let w = word.trim_matches(|c: char| !c.is_ascii_alphanumeric()).to_ascii_lowercase();
        let no_scheme = w.split_once("://").map_or(w.as_str(), |(_, r)| r);
        let host = no_scheme.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.split(':').next().unwrap_or("");
        let tld_like = host.rsplit_once('.').is_some_and(|(head, tld)| !head.is_empty() && (2..=10).contains(&tld.len()) && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if w.contains("://") || w.starts_with("www.") || tld_like {
            let ours = platform.as_deref().is_some_and(|p| host == p || host.ends_with(&format!(".{p}")));
            if !ours {
                problems.push(format!("link:{host}"));
            }
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

/// The variables' values for one order.
#[derive(Debug)]
pub struct Vars<'a> {
    /// The order.
    pub order_id: &'a str,
    /// The carrier's name, if shipped.
    pub carrier: Option<&'a str>,
    /// The tracking number, if shipped.
    pub tracking_no: Option<&'a str>,
    /// The shop's name.
    pub shop_name: &'a str,
}

/// The variables `body` uses.
pub fn used(body: &str) -> Vec<&'static str> {
    VARIABLES.into_iter().filter(|v| body.contains(&format!("{{{v}}}"))).collect()
}

/// `body` with its variables filled; `None` if it needs a shipment the order does not have.
pub fn fill(body: &str, v: &Vars<'_>) -> Option<String> {
    let mut out = body.replace("{order_id}", v.order_id).replace("{shop_name}", v.shop_name);
    if out.contains("{carrier}") {
        out = out.replace("{carrier}", v.carrier?);
    }
    if out.contains("{tracking_no}") {
        out = out.replace("{tracking_no}", v.tracking_no?);
    }
    Some(out)
}

/// The host of the platform's public URL, the one host template links may name.
pub fn platform_host(public_url: Option<&str>) -> Option<String> {
    let u = public_url?;
    let rest = u.split_once("://").map_or(u, |(_, r)| r);
    let host = rest.split(['/', ':', '?']).next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Asia/Shanghai hour of `unix` (UTC+8, no daylight saving).
pub fn shanghai_hour(unix: i64) -> i64 {
    (unix + 8 * 3600).rem_euclid(86_400) / 3600
}

/// Is `unix` within the marketing quiet hours (21:00–08:00 Asia/Shanghai)?
pub fn quiet_hours(unix: i64) -> bool {
    let h = shanghai_hour(unix);
    !(8..21).contains(&h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_template_passes_and_variables_fill() {
        let body = "您的订单{order_id}已由{carrier}发出，运单号{tracking_no}。——{shop_name}";
        assert!(check_body(body, None).is_empty(), "{:?}", check_body(body, None));
        let v = Vars { order_id: "S1-1", carrier: Some("顺丰"), tracking_no: Some("SF1234567890123"), shop_name: "好货店" };
        assert_eq!(fill(body, &v).unwrap(), "您的订单S1-1已由顺丰发出，运单号SF1234567890123。——好货店");
        assert_eq!(fill(body, &Vars { carrier: None, tracking_no: None, ..v }), None, "a shipment variable without a shipment");
        assert_eq!(used(body), ["order_id", "carrier", "tracking_no", "shop_name"]);
    }

    #[test]
    fn phone_numbers_links_and_unknown_variables_are_refused() {
        let cases = [
            ("有问题请拨打13800138000", "phone_number"),
            ("客服电话 400-820-8820", "phone_number"),
            ("加微信 138 0013 8000", "phone_number"),
            ("点击 http://evil.example/x 领取", "link:evil.example"),
            ("访问 www.taobao.com", "link:www.taobao.com"),
            ("领券 dwz.cn/abc", "link:dwz.cn"),
            ("您好{receiver_name}", "unknown_variable:receiver_name"),
            ("您好{phone}", "unknown_variable:phone"),
            ("未闭合{order_id", "unbalanced_braces"),
            ("", "empty"),
        ];
        for (body, want) in cases {
            assert!(check_body(body, Some("orders.example.com")).iter().any(|p| p == want), "{body:?}: {:?}", check_body(body, Some("orders.example.com")));
        }
        assert!(check_body(&"好".repeat(301), None).contains(&"too_long".to_string()));
        // The platform's own links pass; numbers of 6 digits (a code) pass.
        assert!(check_body("查看物流 https://orders.example.com/t/{tracking_no} 验证码 123456", Some("orders.example.com")).is_empty());
        assert!(check_body("订单{order_id}：3.5 折优惠", None).is_empty(), "{:?}", check_body("订单{order_id}：3.5 折优惠", None));
    }

    #[test]
    fn quiet_hours_are_21_to_8_in_shanghai() {
        let midnight_utc = 1_795_824_000; // 2026-11-28 00:00 UTC = 08:00 Shanghai
        assert_eq!(shanghai_hour(midnight_utc), 8);
        assert!(!quiet_hours(midnight_utc));
        assert!(quiet_hours(midnight_utc - 1));
        assert!(!quiet_hours(midnight_utc + 13 * 3600 - 1)); // 20:59:59
        assert!(quiet_hours(midnight_utc + 13 * 3600)); // 21:00
    }
}
