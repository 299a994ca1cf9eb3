//! The audit log.

use super::{Lang, Text};

/// A text of the audit page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditMsg {
    Title,
    IntroOwner,
    IntroAdmin,
    Forbidden,
    Time,
    Actor,
    Action,
    Outcome,
    Code,
    Orders,
    Shop,
    From,
    To,
    AnyOutcome,
    Purpose,
    AnyPurpose,
    Details,
    Ok,
    Refused,
    Filter,
    Empty,
    Export,
    ChainChecking,
    ChainOk,
    ChainBad,
    ChainError,
}

impl Text for AuditMsg {
    fn zh_en(self) -> (&'static str, &'static str) {
        match self {
            Self::Title => ("操作日志", "Audit log"),
            Self::IntroOwner => ("本店铺的全部操作记录（登录、解密、员工变更等）。", "Every event of your shop (logins, reveals, staff changes, …)."),
            Self::IntroAdmin => ("平台全部操作记录。", "Every event on the platform."),
            Self::Forbidden => ("只有店主和平台管理员可以查看操作日志。", "Only shop owners and platform admins see the audit log."),
            Self::Time => ("时间", "Time"),
            Self::Actor => ("操作人", "User"),
            Self::Action => ("操作", "Action"),
            Self::Outcome => ("结果", "Outcome"),
            Self::Code => ("错误码", "Code"),
            Self::Orders => ("订单", "Orders"),
            Self::Shop => ("店铺", "Shop"),
            Self::From => ("开始时间", "From"),
            Self::To => ("结束时间", "To"),
            Self::AnyOutcome => ("全部结果", "Any outcome"),
            Self::Purpose => ("解密用途", "Purpose"),
            Self::AnyPurpose => ("全部用途", "Any purpose"),
            Self::Details => ("用途 / 详情", "Purpose / details"),
            Self::Ok => ("成功", "OK"),
            Self::Refused => ("拒绝", "Refused"),
            Self::Filter => ("筛选", "Filter"),
            Self::Empty => ("没有符合条件的记录", "No events match"),
            Self::Export => ("导出 CSV", "Export CSV"),
            Self::ChainChecking => ("正在校验哈希链…", "Checking the hash chain…"),
            Self::ChainOk => ("哈希链校验通过：日志未被篡改", "The hash chain verifies: the log has not been tampered with"),
            Self::ChainBad => ("哈希链校验失败：日志可能被篡改", "The hash chain does NOT verify: the log may have been tampered with"),
            Self::ChainError => ("无法校验哈希链", "Cannot check the hash chain"),
        }
    }
}

/// The figures of a verified audit trail.
pub fn audit_chain_figures(lang: Lang, chains: u64, rows: u64) -> String {
    match lang {
        Lang::Zh => format!("（{chains} 条链，{rows} 条记录）"),
        Lang::En => format!(" ({chains} chains, {rows} events)"),
    }
}

/// "5005 problems, the first 20 shown".
pub fn audit_problem_count(lang: Lang, total: u64, shown: usize) -> String {
    match lang {
        Lang::Zh => format!("（共 {total} 处问题，显示前 {shown} 处）"),
        Lang::En => format!(" ({total} problems, the first {shown} shown)"),
    }
}

/// "Page 2 of 7 · 312 events".
pub fn audit_pages(lang: Lang, page: u32, pages: u64, total: u64) -> String {
    match lang {
        Lang::Zh => format!("第 {page} / {pages} 页 · 共 {total} 条"),
        Lang::En => format!("Page {page} of {pages} · {total} events"),
    }
}

/// A search row of the audit log: how many terms and matches (never the terms).
pub fn audit_search(lang: Lang, terms: u64, matches: Option<u64>) -> String {
    match (lang, matches) {
        (Lang::Zh, Some(m)) => format!("{terms} 个搜索词 · {m} 条匹配"),
        (Lang::Zh, None) => format!("{terms} 个搜索词"),
        (Lang::En, Some(m)) => format!("{terms} term(s) · {m} match(es)"),
        (Lang::En, None) => format!("{terms} term(s)"),
    }
}
