//! 厂商代发: the shop's dropshipping page (bindings, product rules), assignment and recall on
//! the order pages, and the factory console (its orders, its bindings).

use orderveil_api::{AssignmentStatus, BindingStatus};

use super::{Lang, Text};

/// A text of dropshipping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropshipMsg {
    Title,
    Intro,
    Forbidden,
    HowToAssign,
    GoOrders,
    BindingsTitle,
    BindingsEmpty,
    FactoryId,
    FactoryIdHint,
    Invite,
    Inviting,
    Factory,
    Shop,
    InvitedAt,
    OpenAssignments,
    StInvited,
    StActive,
    StDeclined,
    StEnded,
    End,
    EndQuestion,
    EndConfirm,
    Accept,
    Decline,
    RulesTitle,
    RulesIntro,
    RulesEmpty,
    Sku,
    SkuHint,
    RuleSave,
    RuleDelete,
    SetBy,
    NoActiveFactory,
    AssignSelected,
    AssignFilter,
    AssignTitle,
    AssignFilterNote,
    AssignSubmit,
    Assigning,
    Recall,
    Recalling,
    RefusedTitle,
    RecallConflictTitle,
    Reason,
    ReasonNotFound,
    ReasonNotAwaiting,
    ReasonShredded,
    ReasonThisFactory,
    ReasonOtherFactory,
    ReasonFactorySuspended,
    OrderFactory,
    FoTitle,
    FoIntro,
    FoSuspended,
    FoAllShops,
    FoAssigned,
    FoShipped,
    FoEmpty,
    FoReceiver,
    FoWaybill,
    FoAssignedAt,
    FoShipment,
    FbTitle,
    FbIntro,
    FbEmpty,
    FbForbidden,
    FactoryOnly,
}

impl Text for DropshipMsg {
    fn zh_en(self) -> (&'static str, &'static str) {
        match self {
            Self::Title => ("厂商代发", "Factory dropshipping"),
            Self::Intro => (
                "邀请厂商绑定，厂商接受后即可把待发货订单分配给厂商代发。厂商只看到掩码后的收件信息，不能解密；面单由厂商通过打印授权打印，发货后运单号回传到订单。",
                "Invite a factory; once it accepts, orders awaiting shipment can be assigned to it. The factory sees masked receiver data only and never reveals; it prints labels through print grants, and the tracking number comes back to the order when it ships.",
            ),
            Self::Forbidden => ("只有店主和有“分配”权限的员工可以使用厂商代发。", "Only shop owners and staff with the assign permission use dropshipping."),
            Self::HowToAssign => (
                "在订单列表中勾选订单“分配给厂商”，或“按当前筛选分配”；已分配未发货的订单可在订单列表或订单详情中撤回。",
                "Assign orders from the order list: the selected ones, or every order of the current filter. Assigned orders that have not shipped can be recalled from the list or the order's page.",
            ),
            Self::GoOrders => ("去订单列表", "Go to the order list"),
            Self::BindingsTitle => ("绑定的厂商", "Factories"),
            Self::BindingsEmpty => ("还没有绑定任何厂商。", "No factory is bound yet."),
            Self::FactoryId => ("厂商 ID", "Factory id"),
            Self::FactoryIdHint => ("厂商提供的 ID，如 factory1", "The id the factory gives you, e.g. factory1"),
            Self::Invite => ("发送邀请", "Invite"),
            Self::Inviting => ("邀请中…", "Inviting…"),
            Self::Factory => ("厂商", "Factory"),
            Self::Shop => ("店铺", "Shop"),
            Self::InvitedAt => ("邀请", "Invited"),
            Self::OpenAssignments => ("未发货的分配", "Open assignments"),
            Self::StInvited => ("待接受", "Invited"),
            Self::StActive => ("合作中", "Active"),
            Self::StDeclined => ("已拒绝", "Declined"),
            Self::StEnded => ("已结束", "Ended"),
            Self::End => ("结束绑定", "End"),
            Self::EndQuestion => ("结束后，未发货的分配订单将全部撤回。确定结束？", "Ending recalls every assigned order that has not shipped. End it?"),
            Self::EndConfirm => ("确定结束", "End binding"),
            Self::Accept => ("接受", "Accept"),
            Self::Decline => ("拒绝", "Decline"),
            Self::RulesTitle => ("商品规则（SKU → 厂商）", "Product rules (SKU → factory)"),
            Self::RulesIntro => (
                "新进入的待发货订单含有该 SKU 的商品时，自动分配给对应厂商。",
                "New orders awaiting shipment with an item of the SKU are assigned to its factory as they arrive.",
            ),
            Self::RulesEmpty => ("还没有商品规则。", "No product rule yet."),
            Self::Sku => ("SKU", "SKU"),
            Self::SkuHint => ("商品的 SKU 编码", "The item's SKU"),
            Self::RuleSave => ("保存规则", "Save rule"),
            Self::RuleDelete => ("删除", "Delete"),
            Self::SetBy => ("设置", "Set"),
            Self::NoActiveFactory => ("没有合作中的厂商：请先在“厂商代发”页邀请厂商并等待其接受。", "No active factory: invite one on the dropshipping page and wait for it to accept."),
            Self::AssignSelected => ("分配给厂商", "Assign to factory"),
            Self::AssignFilter => ("按当前筛选分配", "Assign the filter's orders"),
            Self::AssignTitle => ("分配给厂商", "Assign to a factory"),
            Self::AssignFilterNote => (
                "将分配当前筛选条件下的全部订单（所有页，最多 5000 单）；有任何订单不能分配时，本次不分配任何订单。",
                "Every order of the current filter is assigned (all pages, at most 5,000); if any cannot be, none is.",
            ),
            Self::AssignSubmit => ("确认分配", "Assign"),
            Self::Assigning => ("分配中…", "Assigning…"),
            Self::Recall => ("撤回分配", "Recall"),
            Self::Recalling => ("撤回中…", "Recalling…"),
            Self::RefusedTitle => ("不能分配的订单：", "The orders that cannot be assigned:"),
            Self::RecallConflictTitle => ("没有进行中分配的订单：", "The orders without an open assignment:"),
            Self::Reason => ("原因", "Reason"),
            Self::ReasonNotFound => ("订单不存在", "No such order"),
            Self::ReasonNotAwaiting => ("不是待发货状态", "Not awaiting shipment"),
            Self::ReasonShredded => ("收件信息已按保留期限销毁", "Receiver data destroyed after retention"),
            Self::ReasonThisFactory => ("已分配给该厂商", "Already assigned to this factory"),
            Self::ReasonOtherFactory => ("已分配给其他厂商", "Assigned to another factory"),
            Self::ReasonFactorySuspended => ("厂商已被平台暂停", "The factory is suspended by the platform"),
            Self::OrderFactory => ("代发厂商", "Dropship factory"),
            Self::FoTitle => ("代发订单", "Dropship orders"),
            Self::FoSuspended => (
                "本厂商已被平台暂停：仍可查看订单、面单和绑定，但暂时不能接受绑定、取号、打印、取消面单或发货。",
                "This factory is suspended by the platform: you still see orders, waybills and bindings, but cannot accept bindings, allocate, print, cancel or ship for now.",
            ),
            Self::FoIntro => (
                "各店铺分配给本厂的订单。收件信息始终掩码显示，厂商不能解密；收件人只出现在打印的面单上。同一店铺、同一收件人的订单可合并为一张面单。",
                "The orders the shops assigned to this factory. Receiver data stays masked and factories never reveal; the receiver appears only on the printed label. Orders of one shop with one receiver can share a waybill.",
            ),
            Self::FoAllShops => ("全部店铺", "All shops"),
            Self::FoAssigned => ("待发货", "To ship"),
            Self::FoShipped => ("已发货", "Shipped"),
            Self::FoEmpty => ("没有符合条件的代发订单。", "No dropship orders match."),
            Self::FoReceiver => ("收件人分组", "Receiver group"),
            Self::FoWaybill => ("面单号", "Waybill"),
            Self::FoAssignedAt => ("分配时间", "Assigned"),
            Self::FoShipment => ("运单号", "Tracking no."),
            Self::FbTitle => ("店铺绑定", "Shop bindings"),
            Self::FbIntro => (
                "店铺邀请本厂代发；接受后店铺才能分配订单。任一方结束绑定时，未发货的分配订单全部撤回。",
                "Shops invite this factory; only after you accept can they assign orders. When either side ends a binding, its assigned orders that have not shipped are recalled.",
            ),
            Self::FbEmpty => ("还没有店铺邀请本厂。", "No shop has invited this factory yet."),
            Self::FbForbidden => ("只有厂商负责人可以处理绑定。", "Only the factory's owner answers bindings."),
            Self::FactoryOnly => ("此页面仅供代发厂商使用。", "This page is for dropshipping factories."),
        }
    }
}

/// The label of a binding state.
pub fn binding_status(s: BindingStatus) -> DropshipMsg {
    match s {
        BindingStatus::Invited => DropshipMsg::StInvited,
        BindingStatus::Active => DropshipMsg::StActive,
        BindingStatus::Declined => DropshipMsg::StDeclined,
        BindingStatus::Ended => DropshipMsg::StEnded,
    }
}

/// A refused order's reason (`details.refused[].reason` of `ORDER_NOT_ASSIGNABLE`).
pub fn refusal_reason(reason: &str) -> Option<DropshipMsg> {
    Some(match reason {
        "not_found" => DropshipMsg::ReasonNotFound,
        "not_awaiting_shipment" => DropshipMsg::ReasonNotAwaiting,
        "shredded" => DropshipMsg::ReasonShredded,
        "already_assigned_to_this_factory" => DropshipMsg::ReasonThisFactory,
        "assigned_to_another_factory" => DropshipMsg::ReasonOtherFactory,
        "factory_suspended" => DropshipMsg::ReasonFactorySuspended,
        _ => return None,
    })
}

/// An order's factory on the shop's pages: `已分配给 X（id）` or `由 X（id）代发`.
pub fn assigned_to(lang: Lang, status: AssignmentStatus, name: &str, id: &str) -> String {
    match (lang, status) {
        (Lang::Zh, AssignmentStatus::Shipped) => format!("由 {name}（{id}）代发"),
        (Lang::Zh, _) => format!("已分配给 {name}（{id}）"),
        (Lang::En, AssignmentStatus::Shipped) => format!("Shipped by {name} ({id})"),
        (Lang::En, _) => format!("Assigned to {name} ({id})"),
    }
}

/// What an assignment or a recall did (n orders).
pub fn assign_done(lang: Lang, recalled: bool, n: u64, factory: &str) -> String {
    match (lang, recalled) {
        (Lang::Zh, false) => format!("已把 {n} 个订单分配给 {factory}。"),
        (Lang::Zh, true) => format!("已撤回 {n} 个订单的分配。"),
        (Lang::En, false) => format!("{n} order(s) assigned to {factory}."),
        (Lang::En, true) => format!("{n} order(s) recalled."),
    }
}

/// What a binding action did: `invited`, `accepted`, `declined`, `ended` (with the orders recalled).
pub fn binding_done(lang: Lang, what: &str, other: &str, recalled: u64) -> String {
    match (lang, what) {
        (Lang::Zh, "invited") => format!("已邀请 {other}，等待厂商接受。"),
        (Lang::Zh, "accept") => format!("已接受 {other} 的邀请。"),
        (Lang::Zh, "decline") => format!("已拒绝 {other} 的邀请。"),
        (Lang::Zh, _) => format!("已结束与 {other} 的绑定，撤回 {recalled} 个订单。"),
        (Lang::En, "invited") => format!("{other} is invited; it waits for the factory to accept."),
        (Lang::En, "accept") => format!("The invitation of {other} is accepted."),
        (Lang::En, "decline") => format!("The invitation of {other} is declined."),
        (Lang::En, _) => format!("The binding with {other} is ended; {recalled} order(s) recalled."),
    }
}

/// What a rule action did: `saved` or `deleted` (the SKU).
pub fn rule_done(lang: Lang, deleted: bool, sku: &str) -> String {
    match (lang, deleted) {
        (Lang::Zh, false) => format!("已保存 SKU {sku} 的规则。"),
        (Lang::Zh, true) => format!("已删除 SKU {sku} 的规则。"),
        (Lang::En, false) => format!("The rule of SKU {sku} is saved."),
        (Lang::En, true) => format!("The rule of SKU {sku} is deleted."),
    }
}

/// The factory list's receiver group: orders of one shop with one receiver on this page.
pub fn receiver_group(lang: Lang, group: usize, orders: usize) -> String {
    match lang {
        Lang::Zh => format!("收件人 {group}（本页 {orders} 单，可合并）"),
        Lang::En => format!("Receiver {group} ({orders} here, can merge)"),
    }
}
