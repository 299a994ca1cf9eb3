//! The messages of refusals that say more than the server's `ErrorCode` text: what the
//! details tell (figures, the time left) and what to do next. Any other refusal is shown as
//! its code's own message (`ApiFailure::text`).

use orderveil_api::{ErrorCode, RevealPurpose};
use serde_json::Value;

use super::{CommonMsg, Lang, QuotaMsg, duration};

fn detail<'a>(details: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    details?.get(key)
}

/// The message for a refused reveal (`code` and its `details`), each code its own with what
/// to do; `None` when the code's own message says it all.
pub fn reveal(lang: Lang, code: ErrorCode, details: Option<&Value>) -> Option<String> {
    let zh = lang == Lang::Zh;
    let secs = |k: &str| detail(details, k).and_then(Value::as_i64);
    Some(match code {
        ErrorCode::QuotaExhausted => {
            let q = detail(details, "quota");
            let used = q.and_then(|q| q.get("used")).and_then(|v| v.as_u64());
            let limit = q.and_then(|q| q.get("limit")).and_then(|v| v.as_u64());
            let figures = match (used, limit) {
                (Some(u), Some(l)) if zh => format!("（已用 {u}/{l}）"),
                (Some(u), Some(l)) => format!(" ({u}/{l} used)"),
                _ => String::new(),
            };
            if zh {
                format!("今日解密额度已用完{figures}，本次没有解密任何订单。{}", lang.t(QuotaMsg::Apply))
            } else {
                format!("Today's decryption quota is used up{figures}; nothing was revealed. {}", lang.t(QuotaMsg::Apply))
            }
        }
        ErrorCode::RiskCooldown if detail(details, "scope").and_then(Value::as_str) == Some("shop") => {
            let left = secs("retry_after_secs").map(|s| duration(lang, s));
            match (zh, left) {
                (true, Some(t)) => format!("全店短时间内解密或打印的订单过多，店铺冷却中，请在 {t} 后再试。"),
                (true, None) => "全店短时间内解密或打印的订单过多，店铺冷却中，请稍后再试。".into(),
                (false, Some(t)) => format!("This shop revealed or printed too many orders in a short time: the whole shop is cooling down. Try again in {t}."),
                (false, None) => "This shop revealed or printed too many orders in a short time: the whole shop is cooling down. Try again later.".into(),
            }
        }
        ErrorCode::RiskCooldown => {
            let left = secs("retry_after_secs");
            match (zh, left) {
                (true, Some(s)) => format!("短时间内解密过多，账号冷却中，请在 {} 后再试。", duration(lang, s)),
                (true, None) => "短时间内解密过多，账号冷却中，请稍后再试。".into(),
                (false, Some(s)) => format!("Too many reveals in a short time: this account is cooling down. Try again in {}.", duration(lang, s)),
                (false, None) => "Too many reveals in a short time: this account is cooling down. Try again later.".into(),
            }
        }
        ErrorCode::OrderStateForbidsReveal => {
            if zh {
                "基于消费者隐私保护，该订单状态（待付款、已取消、已关闭，或完成超过 15 天）禁止查看收件人信息。".into()
            } else {
                "To protect the buyer's privacy, receiver data cannot be viewed in this order state (unpaid, cancelled, closed, or completed more than 15 days ago).".into()
            }
        }
        ErrorCode::Forbidden => {
            if zh {
                "您没有查看收件人信息（解密）的权限，请联系店主开通。".into()
            } else {
                "You do not have permission to reveal receiver data; ask the shop owner to grant it.".into()
            }
        }
        ErrorCode::ShopSuspended => lang.t(CommonMsg::ShopSuspended).into(),
        // Without a reason (e.g. the page's own refusal), the message says it already.
        ErrorCode::PurposeInvalid => purpose_problem(lang, detail(details, "reason")?.as_str()?),
        _ => return None,
    })
}

/// What is wrong with the purpose note (`purpose_note_problem`'s codes), with what to do.
pub fn purpose_problem(lang: Lang, problem: &str) -> String {
    let zh = lang == Lang::Zh;
    match (problem, zh) {
        ("note_required", true) => "选择「其他」用途时请在页面顶部填写用途说明，本次没有解密。".into(),
        ("note_required", false) => "With the purpose \"Other\", write a purpose note at the top of the page; nothing was revealed.".into(),
        ("note_too_long", true) => format!("用途说明最多 {} 个字符。", RevealPurpose::NOTE_MAX_CHARS),
        ("note_too_long", false) => format!("A purpose note has at most {} characters.", RevealPurpose::NOTE_MAX_CHARS),
        ("note_control_characters", true) => "用途说明不能包含控制字符。".into(),
        ("note_control_characters", false) => "A purpose note cannot hold control characters.".into(),
        ("note_has_phone_number", true) => "用途说明会记入操作日志，不能包含手机号（连续 7 位以上数字）。".into(),
        ("note_has_phone_number", false) => "A purpose note goes into the audit log, so it cannot hold a phone number (7 or more digits in a row).".into(),
        (_, true) => "请选择本次解密的用途（选择「其他」时须填写说明）。".into(),
        (_, false) => "Choose the purpose of this reveal (\"Other\" needs a note).".into(),
    }
}

/// The message of a refused order search (the receiver search budget, the search cool-down,
/// a phone that is not a whole number), `None` for any other failure.
pub fn search(lang: Lang, code: ErrorCode, details: Option<&Value>) -> Option<String> {
    let zh = lang == Lang::Zh;
    let num = |k: &str| detail(details, k).and_then(Value::as_u64);
    Some(match code {
        ErrorCode::SearchBudgetExhausted => match (num("used"), num("budget"), zh) {
            (Some(u), Some(b), true) => format!("本店今日的收件人搜索次数已用完（已用 {u}/{b}），本次没有搜索。今天仍可按订单号或手机尾号后 4 位搜索。"),
            (Some(u), Some(b), false) => format!("This shop's receiver searches for today are used up ({u}/{b} used); nothing was searched. Order ID and phone last-4 searches still work today."),
            (_, _, true) => "本店今日的收件人搜索次数已用完，本次没有搜索。今天仍可按订单号或手机尾号后 4 位搜索。".into(),
            (_, _, false) => "This shop's receiver searches for today are used up; nothing was searched. Order ID and phone last-4 searches still work today.".into(),
        },
        ErrorCode::SearchCooldown => match (detail(details, "retry_after_secs").and_then(Value::as_i64), zh) {
            (Some(s), true) => format!("短时间内按收件人信息搜索过多，账号冷却中，请在 {} 后再试。按订单号或手机尾号搜索不受影响。", duration(lang, s)),
            (Some(s), false) => format!("Too many receiver searches in a short time: this account is cooling down. Try again in {}. Order ID and last-4 searches still work.", duration(lang, s)),
            (None, true) => "短时间内按收件人信息搜索过多，账号冷却中，请稍后再试。".into(),
            (None, false) => "Too many receiver searches in a short time: this account is cooling down. Try again later.".into(),
        },
        ErrorCode::ValidationFailed if detail(details, "field").and_then(Value::as_str) == Some("phone") => {
            if zh {
                "按手机号搜索只接受完整的手机号（11 位数字），本次没有搜索。只记得尾号时请改用「手机尾号后 4 位」搜索。".into()
            } else {
                "A phone search takes a whole number only (11 digits); nothing was searched. If you know only the end, search by the phone's last 4 digits.".into()
            }
        }
        _ => return None,
    })
}
