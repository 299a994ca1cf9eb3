//! Reaching the buyer: SMS templates, sending, the outbox, virtual numbers, messages.

use orderveil_api::{SmsKind, SmsStatus, SmsTemplateStatus};

use super::{Lang, Text};

/// A text of the SMS pages and the order page's buyer contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmsMsg {
    Title,
    Intro,
    Forbidden,
    SendTitle,
    SendFor,
    Template,
    NoApproved,
    Preview,
    Send,
    Sending,
    Sent,
    TemplatesTitle,
    TemplatesEmpty,
    Name,
    Kind,
    Body,
    BodyHint,
    Status,
    Submit,
    Submitting,
    Submitted,
    Withdraw,
    OutboxTitle,
    OutboxEmpty,
    Order,
    Phone,
    Text,
    Attempts,
    AdminTitle,
    AdminIntro,
    AdminEmpty,
    Shop,
    Comment,
    Approve,
    Reject,
    CommentRequired,
    Decided,
    SendSms,
    VirtualNumber,
    VirtualNone,
    VirtualAsk,
    VirtualAsking,
    VirtualUntil,
    VirtualOpen,
    Thread,
    ThreadEmpty,
    Buyer,
    Reply,
    Replying,
    ReplyHint,
}

impl Text for SmsMsg {
    fn zh_en(self) -> (&'static str, &'static str) {
        match self {
            Self::Title => ("平台短信", "Platform SMS"),
            Self::Intro => (
                "通过平台短信联系买家：使用平台审核通过的模板，号码只在平台发送时解密，任何人都看不到；不占用解密额度。",
                "Reach buyers by platform SMS: approved templates only; the number is decrypted only when the platform sends, and nobody sees it. It does not use the reveal quota.",
            ),
            Self::Forbidden => ("只有店主和有「短信」权限的员工可以发送平台短信。", "Only owners and staff with the SMS permission send platform SMS."),
            Self::SendTitle => ("发送短信", "Send an SMS"),
            Self::SendFor => ("收件人：所选订单", "To: the receivers of the selected orders"),
            Self::Template => ("模板", "Template"),
            Self::NoApproved => ("还没有审核通过的模板，请先提交模板并等待平台审核。", "No approved template yet: submit one and wait for the platform."),
            Self::Preview => ("预览", "Preview"),
            Self::Send => ("发送", "Send"),
            Self::Sending => ("发送中…", "Sending…"),
            Self::Sent => ("已加入发送队列", "Queued"),
            Self::TemplatesTitle => ("短信模板", "SMS templates"),
            Self::TemplatesEmpty => ("还没有模板。", "No templates yet."),
            Self::Name => ("名称", "Name"),
            Self::Kind => ("类型", "Kind"),
            Self::Body => ("内容", "Text"),
            Self::BodyHint => (
                "可用变量：{order_id} {carrier} {tracking_no} {shop_name}；不得包含电话号码或外部链接。",
                "Variables: {order_id} {carrier} {tracking_no} {shop_name}; no phone numbers or outside links.",
            ),
            Self::Status => ("状态", "Status"),
            Self::Submit => ("提交审核", "Submit for review"),
            Self::Submitting => ("提交中…", "Submitting…"),
            Self::Submitted => ("已提交，等待平台审核", "Submitted; waiting for the platform"),
            Self::Withdraw => ("撤回", "Withdraw"),
            Self::OutboxTitle => ("发送记录", "Outbox"),
            Self::OutboxEmpty => ("还没有发送过短信。", "No messages yet."),
            Self::Order => ("订单", "Order"),
            Self::Phone => ("号码", "Number"),
            Self::Text => ("短信内容", "Text"),
            Self::Attempts => ("尝试次数", "Attempts"),
            Self::AdminTitle => ("短信模板审核", "SMS template review"),
            Self::AdminIntro => ("审核各店铺提交的短信模板：通过后店铺才能发送；驳回须填写意见。", "Review the shops' SMS templates: only approved ones can be sent; a rejection needs a comment."),
            Self::AdminEmpty => ("没有待审核的模板。", "No templates waiting."),
            Self::Shop => ("店铺", "Shop"),
            Self::Comment => ("审核意见", "Comment"),
            Self::Approve => ("通过", "Approve"),
            Self::Reject => ("驳回", "Reject"),
            Self::CommentRequired => ("驳回时必须填写审核意见。", "A rejection needs a comment."),
            Self::Decided => ("已处理", "Done"),
            Self::SendSms => ("发短信", "Send SMS"),
            Self::VirtualNumber => ("隐私号", "Virtual number"),
            Self::VirtualNone => ("未申请", "None yet"),
            Self::VirtualAsk => ("获取隐私号", "Get a virtual number"),
            Self::VirtualAsking => ("申请中…", "Asking…"),
            Self::VirtualUntil => ("有效期至", "Valid until"),
            Self::VirtualOpen => ("订单完成后 15 天内有效", "Valid until 15 days after completion"),
            Self::Thread => ("买家消息", "Buyer messages"),
            Self::ThreadEmpty => ("还没有消息。", "No messages yet."),
            Self::Buyer => ("买家", "Buyer"),
            Self::Reply => ("发送", "Send"),
            Self::Replying => ("发送中…", "Sending…"),
            Self::ReplyHint => ("回复买家（不需要也不要索要电话或地址）", "Reply to the buyer (no phone number or address needed)"),
        }
    }
}

/// A kind's name.
pub fn sms_kind(l: Lang, k: SmsKind) -> &'static str {
    l.pick(match k {
        SmsKind::Logistics => ("物流通知", "Logistics"),
        SmsKind::AfterSales => ("售后", "After-sales"),
        SmsKind::Care => ("关怀", "Care"),
        SmsKind::Marketing => ("营销", "Marketing"),
    })
}

/// A template state's name.
pub fn sms_template_status(l: Lang, s: SmsTemplateStatus) -> &'static str {
    l.pick(match s {
        SmsTemplateStatus::Pending => ("待审核", "Pending"),
        SmsTemplateStatus::Approved => ("已通过", "Approved"),
        SmsTemplateStatus::Rejected => ("已驳回", "Rejected"),
        SmsTemplateStatus::Withdrawn => ("已撤回", "Withdrawn"),
        SmsTemplateStatus::Superseded => ("已被新版本取代", "Superseded"),
    })
}

/// An outbox state's name.
pub fn sms_status(l: Lang, s: SmsStatus) -> &'static str {
    l.pick(match s {
        SmsStatus::Queued => ("排队中", "Queued"),
        SmsStatus::Sending => ("发送中", "Sending"),
        SmsStatus::Sent => ("已发送", "Sent"),
        SmsStatus::Failed => ("失败，稍后重试", "Failed, retrying"),
        SmsStatus::GaveUp => ("发送失败", "Gave up"),
    })
}

/// Why an order cannot get the message.
pub fn sms_refusal(l: Lang, reason: &str) -> &'static str {
    l.pick(match reason {
        "order_not_found" => ("订单不存在", "no such order"),
        "order_shredded" => ("收件人信息已销毁", "receiver data destroyed"),
        "order_daily_limit" => ("今日已达该订单的短信上限", "today's limit for this order reached"),
        "marketing_order_too_old" => ("营销短信只发给 90 天内的订单", "marketing only to orders of the last 90 days"),
        "not_shipped" => ("订单尚未发货，模板需要运单号", "not shipped yet; the template needs a tracking number"),
        _ => ("无法发送", "cannot be sent"),
    })
}
