//! Every user-visible string, in Chinese (default) and English, behind typed keys: each area
//! of the app has its own key enum ([`CommonMsg`], [`OrdersMsg`], …) whose `match` gives both
//! languages, so a key without a translation does not compile. Texts with figures in them are
//! functions beside their area's keys; the messages of refusals are in [`refusals`], read
//! from the server's `ErrorCode` and its details.

use gloo_storage::{LocalStorage, Storage};

mod account;
mod admin;
mod apps;
mod audit;
mod common;
mod dropship;
mod exposure;
mod fulfil;
mod orders;
mod quota;
pub mod refusals;
mod sms;
mod staff;

pub use account::*;
pub use admin::*;
pub use apps::*;
pub use audit::*;
pub use common::*;
pub use dropship::*;
pub use exposure::*;
pub use fulfil::*;
pub use orders::*;
pub use quota::*;
pub use sms::*;
pub use staff::*;

/// The UI language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// 中文 (default).
    Zh,
    /// English.
    En,
}

const KEY: &str = "orderveil.lang";

/// A key of a UI string: its Chinese and English text.
pub trait Text: Copy {
    /// `(中文, English)`.
    fn zh_en(self) -> (&'static str, &'static str);
}

impl Lang {
    /// The remembered choice, Chinese if none.
    pub fn load() -> Self {
        match LocalStorage::get::<String>(KEY).ok().as_deref() {
            Some("en") => Self::En,
            _ => Self::Zh,
        }
    }

    /// Remember the choice.
    pub fn save(self) {
        let _ = LocalStorage::set(KEY, if self == Self::En { "en" } else { "zh" });
    }

    /// The other language.
    pub fn toggled(self) -> Self {
        if self == Self::En { Self::Zh } else { Self::En }
    }

    /// One of a pair `(中文, English)`.
    pub fn pick(self, (zh, en): (&'static str, &'static str)) -> &'static str {
        if self == Self::En { en } else { zh }
    }

    /// A UI string.
    pub fn t(self, key: impl Text) -> &'static str {
        let (zh, en) = key.zh_en();
        if self == Self::En { en } else { zh }
    }
}

/// Seconds as `m 分 s 秒` / `m min s s`.
pub fn duration(lang: Lang, secs: i64) -> String {
    let secs = secs.max(0);
    let (m, s) = (secs / 60, secs % 60);
    match (lang, m) {
        (Lang::Zh, 0) => format!("{s} 秒"),
        (Lang::Zh, _) => format!("{m} 分 {s} 秒"),
        (Lang::En, 0) => format!("{s} s"),
        (Lang::En, _) => format!("{m} min {s} s"),
    }
}

/// An amount in fen as yuan, `¥12.50`.
pub fn yuan(cents: i64) -> String {
    format!("¥{}.{:02}", cents / 100, cents % 100)
}

/// A carrier's number shapes, e.g. `SF + 13 位数字 | SF + 12 位数字`.
pub fn carrier_format(lang: Lang, c: &orderveil_api::Carrier) -> String {
    let digits = |n: usize| if lang == Lang::Zh { format!("{n} 位数字") } else { format!("{n} digits") };
    let shapes = c.formats.iter().map(|f| if f.prefix.is_empty() { digits(f.digits) } else { format!("{} + {}", f.prefix, digits(f.digits)) });
    shapes.collect::<Vec<_>>().join(" | ")
}

/// A carrier's name in the UI language (its code if unknown).
pub fn carrier_name(lang: Lang, code: &str) -> String {
    match orderveil_api::carriers::carrier(code) {
        Some(c) => carrier_label(lang, c).into(),
        None => code.into(),
    }
}

/// A carrier's name in the UI language.
pub fn carrier_label(lang: Lang, c: &orderveil_api::Carrier) -> &'static str {
    if lang == Lang::Zh { c.name_zh } else { c.name_en }
}
