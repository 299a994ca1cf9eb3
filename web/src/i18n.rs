//! Every user-visible string, in Chinese (default) and English.

use gloo_storage::{LocalStorage, Storage};

/// The UI language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// 中文 (default).
    Zh,
    /// English.
    En,
}

const KEY: &str = "orderveil.lang";

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

    /// A UI string.
    pub fn t(self, key: &str) -> &'static str {
        let (zh, en) = match key {
            "app" => ("OrderVeil 订单隐私保护", "OrderVeil order privacy"),
            "switch" => ("English", "中文"),
            "username" => ("用户名", "Username"),
            "password" => ("密码", "Password"),
            "login" => ("登录", "Log in"),
            "logout" => ("退出", "Log out"),
            "logging_in" => ("登录中…", "Logging in…"),
            "orders" => ("订单", "Orders"),
            "order_id" => ("订单号", "Order ID"),
            "time" => ("下单时间", "Time"),
            "items" => ("商品", "Items"),
            "amount" => ("金额", "Amount"),
            "status" => ("状态", "Status"),
            "name" => ("收件人", "Receiver"),
            "phone" => ("手机号", "Phone"),
            "address" => ("地址", "Address"),
            "loading" => ("加载中…", "Loading…"),
            "empty" => ("没有符合条件的订单", "No orders match"),
            "all" => ("全部状态", "All statuses"),
            "prev" => ("上一页", "Previous"),
            "next" => ("下一页", "Next"),
            "per_page" => ("每页", "Per page"),
            "quota" => ("今日解密额度", "Decryptions today"),
            "retry" => ("重试", "Retry"),
            "unpaid" => ("待付款", "Unpaid"),
            "awaiting_shipment" => ("待发货", "Awaiting shipment"),
            "shipped" => ("已发货", "Shipped"),
            "after_sale" => ("售后中", "After-sale"),
            "completed" => ("已完成", "Completed"),
            "cancelled" => ("已取消", "Cancelled"),
            "closed" => ("已关闭", "Closed"),
            "no_shop" => ("该账号没有店铺订单可看", "This account has no shop orders to show"),
            "nav_orders" => ("订单", "Orders"),
            "nav_quota" => ("解密额度", "Quota"),
            "nav_factory" => ("代发订单", "Dropship orders"),
            "nav_main" => ("主导航", "Main navigation"),
            "role_owner" => ("店主", "Owner"),
            "role_staff" => ("店铺员工", "Staff"),
            "role_factory" => ("代发厂商", "Factory"),
            "role_admin" => ("平台管理员", "Platform admin"),
            "factory_note" => (
                "厂商账号只处理分配给您的代发订单（收件信息始终掩码显示，厂商不能解密）。代发订单列表即将上线。",
                "Factory accounts work on the dropshipping orders assigned to them (receiver data stays masked; factories never reveal). The dropship list is coming soon.",
            ),
            "admin_shop" => ("店铺", "Shop"),
            "admin_note" => ("平台管理员可查看任一店铺的掩码订单与额度，但不能解密。", "Platform admins see any shop's masked orders and quota but never reveal."),
            "search" => ("搜索", "Search"),
            "clear" => ("清除", "Clear"),
            "search_by" => ("搜索方式", "Search by"),
            "search_text" => ("搜索内容", "Search text"),
            "s_order_id" => ("订单号", "Order ID"),
            "s_phone" => ("完整手机号", "Full phone"),
            "s_last4" => ("手机尾号后 4 位", "Phone last 4"),
            "s_name" => ("收件人姓名片段", "Name fragment"),
            "s_address" => ("地址片段", "Address fragment"),
            "last4_invalid" => ("请输入手机号后 4 位数字", "Enter the last 4 digits of the phone"),
            "select_all" => ("选择本页全部订单", "Select all orders on this page"),
            "select_row" => ("选择订单", "Select order"),
            "reveal" => ("查看", "Reveal"),
            "reveal_row" => ("查看本单", "Reveal order"),
            "reveal_selected" => ("查看所选", "Reveal selected"),
            "revealing" => ("解密中…", "Decrypting…"),
            "hide" => ("隐藏", "Hide"),
            "copy" => ("复制", "Copy"),
            "copied" => ("已复制", "Copied"),
            "copy_failed" => ("复制失败", "Copy failed"),
            "actions" => ("操作", "Actions"),
            "not_revealable" => ("该订单状态不允许查看", "This order's state does not allow a reveal"),
            "order_detail" => ("订单详情", "Order"),
            "back" => ("返回订单列表", "Back to orders"),
            "quota_title" => ("解密额度", "Decryption quota"),
            "q_day" => ("日期", "Day"),
            "q_used" => ("今日已用", "Used today"),
            "q_limit" => ("今日上限", "Today's limit"),
            "q_base" => ("基础额度", "Base"),
            "q_extra" => ("已批提额", "Approved extra"),
            "q_rate" => ("平台比例", "Platform rate"),
            "q_floor" => ("保底额度", "Floor"),
            "q_remaining" => ("剩余", "Remaining"),
            "q_orders30" => ("近 30 天订单", "Orders, last 30 days"),
            "q_formula" => ("上限 = max(保底, ⌈比例 × 近 30 天订单 ÷ 30⌉) + 已批提额；同一订单当天重复查看不再计数。",
                            "Limit = max(floor, ⌈rate × orders of the last 30 days ÷ 30⌉) + approved extras; revealing an order again the same day is free."),
            "q_history" => ("近 30 天解密量", "Reveals in the last 30 days"),
            "q_no_history" => ("近 30 天没有解密记录", "No reveals in the last 30 days"),
            "q_chart" => ("近 30 天每日解密订单数柱状图", "Bar chart of orders revealed per day over the last 30 days"),
            "q_apply" => (
                "额度不够用？店主可向平台申请提额：写明每日所需数量、原因（如虚拟商品发码、安装/配送联系、售后）与起止日期，平台审核通过后生效。",
                "Need more? The shop owner applies to the platform for a raise: the amount per day, the reason (virtual goods codes, installation or delivery calls, after-sales) and the dates; it applies once the platform approves it.",
            ),
            "nav_apps" => ("应用授权", "Apps"),
            "apps_title" => ("第三方应用授权", "Third-party apps"),
            "apps_intro_owner" => (
                "授权后，应用可在所选权限范围内处理本店订单：它的解密和打印同样计入本店今日解密额度并记入审计日志。撤销立即生效。",
                "An authorized app works on this shop's orders within the scopes you choose; its reveals and prints count against the shop's daily quota and are audited. Revoking takes effect at once.",
            ),
            "apps_intro_admin" => (
                "在此注册第三方应用（ISV）。应用只有在店主为自己的店铺授权后，才能访问该店铺的订单。",
                "Register third-party (ISV) apps here. An app reaches a shop's orders only after that shop's owner authorizes it.",
            ),
            "apps_forbidden" => ("只有店主和平台管理员可以管理应用授权。", "Only shop owners and platform admins manage app authorizations."),
            "apps_list_owner" => ("可授权的应用", "Apps you can authorize"),
            "apps_list_admin" => ("已注册的应用", "Registered apps"),
            "apps_empty_owner" => ("还没有可授权的应用", "There are no apps to authorize yet"),
            "apps_empty_admin" => ("还没有注册任何应用", "No apps are registered yet"),
            "app_name" => ("应用名称", "App name"),
            "app_id" => ("应用 ID", "App ID"),
            "app_origins" => ("允许的来源", "Allowed origins"),
            "app_state" => ("授权状态", "Authorization"),
            "app_scopes" => ("权限范围", "Scopes"),
            "app_created" => ("注册时间", "Registered"),
            "app_enabled" => ("启用", "Enabled"),
            "app_disabled" => ("已停用", "Disabled"),
            "app_secret" => ("应用密钥", "App secret"),
            "auth_live" => ("已授权", "Authorized"),
            "auth_none" => ("未授权", "Not authorized"),
            "auth_revoked" => ("已撤销", "Revoked"),
            "auth_at" => ("授权于", "since"),
            "revoked_at" => ("撤销于", "on"),
            "auth_created" => ("授权时间", "Authorized at"),
            "granted_by" => ("授权人", "Granted by"),
            "auths_title" => ("授权记录", "Authorizations"),
            "auths_empty" => ("还没有授权记录", "No authorizations yet"),
            "scope_orders_read" => ("查看订单", "Read orders"),
            "scope_reveal" => ("解密", "Reveal"),
            "scope_print" => ("打印", "Print"),
            "scope_ship" => ("发货", "Ship"),
            "scope_none" => ("请至少选择一项权限", "Choose at least one scope"),
            "authorize" => ("授权", "Authorize"),
            "reauthorize" => ("更新授权", "Update"),
            "authorizing" => ("授权中…", "Authorizing…"),
            "revoke" => ("撤销授权", "Revoke"),
            "revoking" => ("撤销中…", "Revoking…"),
            "revoke_question" => ("撤销后该应用立即无法访问本店订单，确定撤销？", "The app loses access to this shop's orders at once. Revoke?"),
            "revoke_confirm" => ("确认撤销", "Yes, revoke"),
            "cancel" => ("取消", "Cancel"),
            "close" => ("关闭", "Close"),
            "register_title" => ("注册新应用", "Register an app"),
            "origins_hint" => (
                "每行一个，格式 http(s)://主机[:端口]，小写，不带路径，最多 10 个。",
                "One per line: http(s)://host[:port], lower case, no path; at most 10.",
            ),
            "register" => ("注册", "Register"),
            "registering" => ("注册中…", "Registering…"),
            "app_name_invalid" => ("请填写应用名称（1–64 个字符）", "Enter an app name of 1 to 64 characters"),
            "origins_empty" => ("请至少填写一个允许的来源", "Enter at least one allowed origin"),
            "origins_too_many" => ("最多填写 10 个来源", "At most 10 origins"),
            "created_title" => ("应用已注册", "App registered"),
            "secret_warning" => ("保存好密钥，关闭后无法再次查看。", "Save the secret now; it cannot be shown again."),
            "secret_saved" => ("我已保存，关闭", "I have saved it; close"),
            _ => ("?", "?"),
        };
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

/// The countdown next to revealed plaintext.
pub fn hides_in(lang: Lang, secs: u32) -> String {
    match lang {
        Lang::Zh => format!("{secs} 秒后隐藏"),
        Lang::En => format!("hides in {secs} s"),
    }
}

/// A line of the origins box that is not `http(s)://host[:port]`.
pub fn origin_invalid(lang: Lang, line: usize, origin: &str) -> String {
    match lang {
        Lang::Zh => format!("第 {line} 行不是有效的来源：{origin}（格式 http(s)://主机[:端口]，小写，不带路径）"),
        Lang::En => format!("Line {line} is not a valid origin: {origin} (use http(s)://host[:port], lower case, no path)"),
    }
}

/// What an app action did: `authorized`, `revoked` or `registered`.
pub fn app_done(lang: Lang, what: &str, app: &str) -> String {
    match (lang, what) {
        (Lang::Zh, "authorized") => format!("已授权「{app}」。"),
        (Lang::Zh, "revoked") => format!("已撤销「{app}」的授权。"),
        (Lang::Zh, _) => format!("已注册「{app}」。"),
        (Lang::En, "authorized") => format!("{app} is authorized."),
        (Lang::En, "revoked") => format!("{app}'s authorization is revoked."),
        (Lang::En, _) => format!("{app} is registered."),
    }
}

/// The accessible name of an eye button.
pub fn reveal_label(lang: Lang, field: &str, order_id: &str) -> String {
    match lang {
        Lang::Zh => format!("查看订单 {order_id} 的{}", lang.t(field)),
        Lang::En => format!("Reveal the {} of order {order_id}", lang.t(field).to_lowercase()),
    }
}

/// The message for a refused or failed reveal: each refusal code its own, with what to do.
pub fn refusal(lang: Lang, f: &crate::api::ApiFailure) -> String {
    let zh = lang == Lang::Zh;
    match f.code.as_str() {
        "QUOTA_EXHAUSTED" => {
            let q = f.details.as_ref().and_then(|d| d.get("quota"));
            let used = q.and_then(|q| q.get("used")).and_then(|v| v.as_u64());
            let limit = q.and_then(|q| q.get("limit")).and_then(|v| v.as_u64());
            let figures = match (used, limit) {
                (Some(u), Some(l)) if zh => format!("（已用 {u}/{l}）"),
                (Some(u), Some(l)) => format!(" ({u}/{l} used)"),
                _ => String::new(),
            };
            if zh {
                format!("今日解密额度已用完{figures}，本次没有解密任何订单。{}", lang.t("q_apply"))
            } else {
                format!("Today's decryption quota is used up{figures}; nothing was revealed. {}", lang.t("q_apply"))
            }
        }
        "RISK_COOLDOWN" => {
            let left = f.detail_i64("retry_after_secs");
            match (zh, left) {
                (true, Some(s)) => format!("短时间内解密过多，账号冷却中，请在 {} 后再试。", duration(lang, s)),
                (true, None) => "短时间内解密过多，账号冷却中，请稍后再试。".into(),
                (false, Some(s)) => format!("Too many reveals in a short time: this account is cooling down. Try again in {}.", duration(lang, s)),
                (false, None) => "Too many reveals in a short time: this account is cooling down. Try again later.".into(),
            }
        }
        "ORDER_STATE_FORBIDS_REVEAL" => {
            if zh {
                "基于消费者隐私保护，该订单状态（待付款、已取消、已关闭，或完成超过 15 天）禁止查看收件人信息。".into()
            } else {
                "To protect the buyer's privacy, receiver data cannot be viewed in this order state (unpaid, cancelled, closed, or completed more than 15 days ago).".into()
            }
        }
        "FORBIDDEN" => {
            if zh {
                "您没有查看收件人信息（解密）的权限，请联系店主开通。".into()
            } else {
                "You do not have permission to reveal receiver data; ask the shop owner to grant it.".into()
            }
        }
        _ => f.text(lang),
    }
}
