//! The admin's exposure dashboard, its flags and the flag rules.

use orderveil_api::{FlagRule, FlagStatus};

use super::{Lang, Text};

/// A text of the exposure dashboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExposureMsg {
    Title,
    Intro,
    Scan,
    Scanning,
    Scanned,
    FlagsTitle,
    FlagsEmpty,
    StatusAll,
    Shop,
    Day,
    Rule,
    Measured,
    Status,
    Evidence,
    EvidenceHide,
    EvidenceOf,
    Comment,
    CommentRequired,
    Acknowledge,
    Suspend,
    ShopsTitle,
    ShopsEmpty,
    Orders,
    Reveals,
    Prints,
    Searches,
    Sms,
    VirtualNumbers,
    OpenFlags,
    Trend,
    Suspended,
    Prev,
    Next,
    ExportTitle,
    ExportHint,
    From,
    To,
    Download,
    RulesTitle,
    RulesIntro,
    RulesSave,
    RulesSaved,
    RulesChanged,
    NotANumber,
    Action,
    Actor,
    Time,
}

impl Text for ExposureMsg {
    fn zh_en(self) -> (&'static str, &'static str) {
        match self {
            Self::Title => ("曝光看板", "Exposure dashboard"),
            Self::Intro => (
                "各店铺每天的订单、解密、打印、搜索、短信与隐私号，近 30 天趋势；服务器按规则标记异常，每个标记都可查看背后的审计记录，确认或据此暂停店铺。",
                "Per shop and day: orders, reveals, prints, searches, SMS and virtual numbers over 30 days. The server flags anomalies by rule; each flag shows the audit rows behind it and can be acknowledged or used to suspend the shop.",
            ),
            Self::Scan => ("立即评估", "Evaluate now"),
            Self::Scanning => ("评估中…", "Evaluating…"),
            Self::Scanned => ("评估完成，新增标记：", "Done; new flags: "),
            Self::FlagsTitle => ("风险标记", "Flags"),
            Self::FlagsEmpty => ("没有此状态的风险标记。", "No flags in this state."),
            Self::StatusAll => ("全部", "All"),
            Self::Shop => ("店铺", "Shop"),
            Self::Day => ("日期", "Day"),
            Self::Rule => ("规则", "Rule"),
            Self::Measured => ("实测 / 阈值", "Measured / threshold"),
            Self::Status => ("状态", "Status"),
            Self::Evidence => ("查看依据", "Evidence"),
            Self::EvidenceHide => ("收起", "Hide"),
            Self::EvidenceOf => ("条审计记录", "audit rows"),
            Self::Comment => ("处理意见", "Comment"),
            Self::CommentRequired => ("请填写处理意见。", "A comment is required."),
            Self::Acknowledge => ("确认", "Acknowledge"),
            Self::Suspend => ("暂停店铺", "Suspend shop"),
            Self::ShopsTitle => ("店铺曝光（近 30 天）", "Shops (last 30 days)"),
            Self::ShopsEmpty => ("近 30 天没有店铺活动。", "No shop activity in the last 30 days."),
            Self::Orders => ("订单", "Orders"),
            Self::Reveals => ("解密", "Reveals"),
            Self::Prints => ("打印", "Prints"),
            Self::Searches => ("搜索（命中）", "Searches (matches)"),
            Self::Sms => ("短信", "SMS"),
            Self::VirtualNumbers => ("隐私号", "Virtual numbers"),
            Self::OpenFlags => ("待处理标记", "Open flags"),
            Self::Trend => ("解密趋势", "Reveal trend"),
            Self::Suspended => ("已暂停", "Suspended"),
            Self::Prev => ("上一页", "Previous"),
            Self::Next => ("下一页", "Next"),
            Self::ExportTitle => ("导出披露记录（监管报送）", "Export disclosures (for regulators)"),
            Self::ExportHint => ("某店铺一段时间内每一次收件人信息披露的 CSV，不含任何明文。", "A shop's disclosures of receiver data for a period as CSV, without any plaintext."),
            Self::From => ("开始日期", "From"),
            Self::To => ("结束日期", "To"),
            Self::Download => ("下载 CSV", "Download CSV"),
            Self::RulesTitle => ("异常标记规则", "Flag rules"),
            Self::RulesIntro => ("曝光看板的标记规则与阈值（平台设置的一部分，修改会记入审计）。", "The thresholds of the dashboard's flag rules (part of the platform settings; changes are audited)."),
            Self::RulesSave => ("保存规则", "Save rules"),
            Self::RulesSaved => ("规则已保存。", "Rules saved."),
            Self::RulesChanged => ("规则已被他人修改，已重新读取。", "Someone else changed the rules; they were read again."),
            Self::NotANumber => ("请输入整数。", "Enter a whole number."),
            Self::Action => ("操作", "Action"),
            Self::Actor => ("操作人", "Actor"),
            Self::Time => ("时间", "Time"),
        }
    }
}

/// A rule's name and what it watches.
pub fn flag_rule(l: Lang, r: FlagRule) -> &'static str {
    l.pick(match r {
        FlagRule::RevealSpike => ("解密量远超自身中位数", "Reveals far above the shop's median"),
        FlagRule::UnshippedReveals => ("解密后未发货也未服务", "Revealed, never shipped or served"),
        FlagRule::NightBurst => ("夜间集中解密", "Reveals at night"),
        FlagRule::SearchGuessing => ("大量搜索极少命中（猜测）", "Many searches, few matches (guessing)"),
        FlagRule::AccountConcentration => ("单一账号解密占比过高", "One account does most reveals"),
    })
}

/// A flag's status.
pub fn flag_status(l: Lang, s: FlagStatus) -> &'static str {
    l.pick(match s {
        FlagStatus::Open => ("待处理", "Open"),
        FlagStatus::Acknowledged => ("已确认", "Acknowledged"),
        FlagStatus::Suspended => ("已暂停店铺", "Shop suspended"),
    })
}

/// A threshold of the rules form, by its wire name.
pub fn rule_field(l: Lang, field: &str) -> &'static str {
    l.pick(match field {
        "spike_factor" => ("解密激增：超过中位数的倍数", "Spike: times the median"),
        "spike_min_reveals" => ("解密激增：最少解密数", "Spike: least reveals"),
        "spike_window_days" => ("解密激增：中位数取前几天", "Spike: days of the median"),
        "unshipped_grace_days" => ("未发货：解密后等待天数", "Unshipped: days of grace"),
        "unshipped_min_orders" => ("未发货：最少订单数", "Unshipped: least orders"),
        "unshipped_min_pct" => ("未发货：最低占比 %", "Unshipped: least share %"),
        "night_start_hour" => ("夜间：开始时（北京时间）", "Night: from hour (Beijing)"),
        "night_end_hour" => ("夜间：结束时（不含）", "Night: to hour (exclusive)"),
        "night_min_reveals" => ("夜间：最少解密数", "Night: least reveals"),
        "guess_min_units" => ("猜测搜索：最少搜索次数", "Guessing: least search units"),
        "guess_max_match_pct" => ("猜测搜索：命中率不高于 %", "Guessing: match rate at most %"),
        "concentration_min_reveals" => ("账号集中：最少解密数", "Concentration: least reveals"),
        "concentration_min_pct" => ("账号集中：单账号占比 %", "Concentration: one account's share %"),
        "concentration_min_accounts" => ("账号集中：30 天内解密账号数至少", "Concentration: least accounts revealing in 30 days"),
        _ => ("", ""),
    })
}
