//! Common Chinese express carriers and the shape of their tracking (waybill) numbers.
//!
//! The formats are the public shapes the carriers' numbers take (prefix and digit count), the
//! same checks order software runs before accepting a typed or uploaded number. They are
//! deliberately simple (no check digits) and shared by the server (ship by hand, uploads,
//! e-waybill allocation) and the web app (checking as you type) through this crate.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// One accepted shape: `prefix` followed by exactly `digits` ASCII digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberFormat {
    /// Literal prefix (upper case), may be empty.
    pub prefix: &'static str,
    /// How many digits follow it.
    pub digits: usize,
}

impl NumberFormat {
    /// Does `no` have this shape?
    pub fn matches(&self, no: &str) -> bool {
        no.strip_prefix(self.prefix).is_some_and(|rest| rest.len() == self.digits && rest.bytes().all(|b| b.is_ascii_digit()))
    }
}

/// A carrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Carrier {
    /// Stable code, e.g. `SF`.
    pub code: &'static str,
    /// Chinese name.
    pub name_zh: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// Accepted number shapes; the first is the one e-waybill allocation issues.
    pub formats: &'static [NumberFormat],
}

const fn f(prefix: &'static str, digits: usize) -> NumberFormat {
    NumberFormat { prefix, digits }
}

/// The carriers OrderVeil knows, in display order.
pub const CARRIERS: &[Carrier] = &[
    Carrier { code: "SF", name_zh: "顺丰速运", name_en: "SF Express", formats: &[f("SF", 13), f("SF", 12)] },
    Carrier { code: "ZTO", name_zh: "中通快递", name_en: "ZTO Express", formats: &[f("7", 13), f("", 12), f("", 15)] },
    Carrier { code: "YTO", name_zh: "圆通速递", name_en: "YTO Express", formats: &[f("YT", 13)] },
    Carrier { code: "STO", name_zh: "申通快递", name_en: "STO Express", formats: &[f("77", 11), f("", 12), f("", 15)] },
    Carrier { code: "YUNDA", name_zh: "韵达快递", name_en: "Yunda Express", formats: &[f("46", 13), f("", 13)] },
    Carrier { code: "JTSD", name_zh: "极兔速递", name_en: "J&T Express", formats: &[f("JT", 13)] },
    Carrier { code: "JD", name_zh: "京东物流", name_en: "JD Logistics", formats: &[f("JDVA", 11), f("JD", 13)] },
    Carrier { code: "EMS", name_zh: "中国邮政 EMS", name_en: "China Post EMS", formats: &[f("11", 11), f("10", 11), f("98", 11)] },
    Carrier { code: "DBL", name_zh: "德邦快递", name_en: "Deppon Express", formats: &[f("DPK", 12)] },
];

/// The carrier with this code (case-insensitive).
pub fn carrier(code: &str) -> Option<&'static Carrier> {
    CARRIERS.iter().find(|c| c.code.eq_ignore_ascii_case(code.trim()))
}

/// A tracking number as typed: trimmed, spaces and dashes removed, upper case.
pub fn normalize_tracking(no: &str) -> String {
    no.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect()
}

/// Endings a person may add to or drop from a carrier's Chinese name (`顺丰快递` for `顺丰速运`).
const NAME_SUFFIXES: &[&str] = &["快递", "速运", "速递", "物流", "快运"];

/// The carrier a person means by `text`: its code (any case), its Chinese or English name
/// (any case), or the start of exactly one carrier's Chinese name, at least two characters,
/// with or without a usual ending (`顺丰`, `顺丰快递`, `中通`, `京东快递`, `德邦物流`).
pub fn find_carrier(text: &str) -> Option<&'static Carrier> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Some(c) = carrier(t) {
        return Some(c);
    }
    if let Some(c) = CARRIERS.iter().find(|c| c.name_zh == t || c.name_en.eq_ignore_ascii_case(t)) {
        return Some(c);
    }
    let core = NAME_SUFFIXES.iter().find_map(|s| t.strip_suffix(s)).unwrap_or(t);
    if core.is_ascii() || core.chars().count() < 2 {
        return None;
    }
    let mut hits = CARRIERS.iter().filter(|c| c.name_zh.starts_with(core));
    match (hits.next(), hits.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

impl Carrier {
    /// The shapes as Chinese text for messages, e.g. `SF + 13 位数字 或 SF + 12 位数字`.
    pub fn format_hint_zh(&self) -> String {
        self.formats.iter().map(|f| if f.prefix.is_empty() { format!("{} 位数字", f.digits) } else { format!("{} + {} 位数字", f.prefix, f.digits) }).collect::<Vec<_>>().join(" 或 ")
    }

    /// Is `no` (already normalized) a number of this carrier?
    pub fn accepts(&self, no: &str) -> bool {
        self.formats.iter().any(|f| f.matches(no))
    }

    /// The shapes as text for messages, e.g. `SF + 13 digits`.
    pub fn format_hint(&self) -> String {
        self.formats.iter().map(|f| if f.prefix.is_empty() { format!("{} digits", f.digits) } else { format!("{} + {} digits", f.prefix, f.digits) }).collect::<Vec<_>>().join(" | ")
    }

    /// The API view.
    pub fn info(&self) -> CarrierInfo {
        CarrierInfo { code: self.code.into(), name_zh: self.name_zh.into(), name_en: self.name_en.into(), format: self.format_hint() }
    }
}

/// A carrier as `GET /api/v1/carriers` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CarrierInfo {
    /// Stable code, e.g. `SF`.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Accepted number shapes, e.g. `SF + 13 digits | SF + 12 digits`.
    pub format: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_checked_per_carrier() {
        let sf = carrier("sf").unwrap();
        assert!(sf.accepts("SF1234567890123") && sf.accepts("SF123456789012"));
        assert!(!sf.accepts("SF12345678901") && !sf.accepts("YT1234567890123") && !sf.accepts("SF12345678901A3"));
        assert!(carrier("YTO").unwrap().accepts("YT1234567890123"));
        assert!(carrier("EMS").unwrap().accepts("1112345678901"));
        assert!(!carrier("EMS").unwrap().accepts("1212345678901"));
        assert!(carrier("nope").is_none());
        assert_eq!(normalize_tracking(" sf 1234-5678-90123 "), "SF1234567890123");
        // Codes are unique and every carrier has a shape to allocate.
        let mut codes: Vec<&str> = CARRIERS.iter().map(|c| c.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CARRIERS.len());
        assert!(CARRIERS.iter().all(|c| !c.formats.is_empty()));
        // What people type for a carrier.
        for (typed, code) in [("SF", "SF"), (" zto ", "ZTO"), ("顺丰速运", "SF"), ("顺丰", "SF"), ("顺丰快递", "SF"), ("中通", "ZTO"), ("京东快递", "JD"), ("德邦物流", "DBL"), ("中国邮政", "EMS"), ("j&t express", "JTSD"), ("极兔", "JTSD")] {
            assert_eq!(find_carrier(typed).map(|c| c.code), Some(code), "{typed}");
        }
        for typed in ["", "顺", "快递", "S", "UPS", "=SF", "SF Express Ltd"] {
            assert!(find_carrier(typed).is_none(), "{typed}");
        }
        assert_eq!(carrier("SF").unwrap().format_hint_zh(), "SF + 13 位数字 或 SF + 12 位数字");
        // A number of the first shape is accepted by its carrier.
        for c in CARRIERS {
            let f = c.formats[0];
            assert!(c.accepts(&format!("{}{}", f.prefix, "3".repeat(f.digits))), "{}", c.code);
        }
    }
}
