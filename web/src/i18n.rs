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
            "s_phone" => ("完整手机号（11 位）", "Full phone (11 digits)"),
            "s_last4" => ("手机尾号后 4 位", "Phone last 4"),
            "s_name" => ("收件人姓名片段", "Name fragment"),
            "s_address" => ("地址片段", "Address fragment"),
            "last4_invalid" => ("请输入手机号后 4 位数字", "Enter the last 4 digits of the phone"),
            "search_hint_phone" => (
                "只接受完整手机号（11 位），每次计 1 次收件人搜索；只知道尾号时请选「手机尾号后 4 位」（不计次）。",
                "A whole number only (11 digits); each search counts 1 receiver search. Know only the end? Choose \"Phone last 4\" (free).",
            ),
            "search_hint_metered" => (
                "按收件人信息搜索每次计 1 次收件人搜索；按订单号或手机尾号后 4 位搜索不计次。",
                "A search on receiver data counts 1 receiver search; order ID and phone last-4 searches are free.",
            ),
            "search_refused_clear" => ("清除搜索", "Clear the search"),
            "search_use_last4" => ("改用手机尾号搜索", "Search by the last 4 digits"),
            // The purpose of reveals (header selector; audit; app authorizations).
            "purpose" => ("解密用途", "Purpose"),
            "purpose_help" => ("本次会话的每次解密都以此用途记入操作日志", "Every reveal in this session is audited with this purpose"),
            "purpose_note" => ("用途说明", "Purpose note"),
            "purpose_note_ph" => ("请说明用途（必填，不要写手机号）", "Say what for (required; no phone numbers)"),
            "purpose_none" => ("请至少选择一项解密用途", "Choose at least one purpose"),
            "app_purposes" => ("解密用途", "Reveal purposes"),
            // Receiver searches on the quota page.
            "qs_title" => ("收件人搜索", "Receiver searches"),
            "qs_used" => ("今日已用", "Used today"),
            "qs_budget" => ("今日额度", "Today's budget"),
            "qs_remaining" => ("剩余", "Remaining"),
            "qs_explain" => (
                "按手机号、收件人姓名或地址搜索订单时，每个搜索词计 1 次（全店共用）；按订单号或手机尾号后 4 位搜索不计次。额度 = max(平台保底, 平台系数 × 今日解密上限)，用完后当天只能按订单号或尾号搜索。",
                "Searching orders by phone, receiver name or address counts 1 per search term (shared by the whole shop); searching by order ID or the phone's last 4 digits is free. Budget = max(platform floor, platform factor × today's reveal limit); once it is used up, only order ID and last-4 searches work that day.",
            ),
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
            "app_enabled" => ("正常", "Active"),
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
            "nav_staff" => ("员工", "Staff"),
            "staff_title" => ("员工账号", "Staff accounts"),
            "staff_intro" => ("为店铺创建员工子账号并设置权限；修改在员工的下一次操作时立即生效。", "Create staff sub-accounts for your shop and set their permissions; changes apply on the staff member's next request."),
            "staff_forbidden" => ("只有店主可以管理员工账号。", "Only shop owners manage staff accounts."),
            "staff_create_title" => ("新建员工账号", "New staff account"),
            "staff_username_hint" => ("3–32 位小写字母、数字、- 或 _", "3 to 32 lower-case letters, digits, - or _"),
            "staff_password_hint" => ("至少 8 个字符", "At least 8 characters"),
            "staff_permissions" => ("权限", "Permissions"),
            "staff_create" => ("创建账号", "Create account"),
            "staff_creating" => ("创建中…", "Creating…"),
            "staff_username_invalid" => ("用户名须为 3–32 位小写字母、数字、- 或 _", "The user name must be 3 to 32 lower-case letters, digits, - or _"),
            "staff_password_invalid" => ("密码至少 8 个字符", "The password must have at least 8 characters"),
            "staff_list" => ("员工列表", "Staff"),
            "staff_empty" => ("还没有员工账号", "No staff accounts yet"),
            "staff_state" => ("状态", "State"),
            "staff_enabled" => ("正常", "Active"),
            "staff_disabled" => ("已停用", "Disabled"),
            "staff_created" => ("创建时间", "Created"),
            "staff_save_perms" => ("保存权限", "Save permissions"),
            "staff_saving" => ("保存中…", "Saving…"),
            "staff_disable" => ("停用", "Disable"),
            "staff_enable" => ("启用", "Enable"),
            "staff_disable_question" => ("停用后该员工会立即退出登录且无法登录，确定停用？", "The account is logged out at once and cannot log in. Disable it?"),
            "staff_disable_confirm" => ("确定停用", "Disable"),
            "staff_reset" => ("重置密码", "Reset password"),
            "staff_new_password" => ("新密码", "New password"),
            "staff_reset_question" => ("重置后该员工的所有登录会话将失效。", "All of the account's sessions end."),
            "staff_reset_confirm" => ("确定重置", "Reset"),
            "perm_view" => ("查看订单", "View orders"),
            "perm_reveal" => ("解密查看", "Reveal"),
            "perm_print" => ("打印面单", "Print labels"),
            "perm_ship" => ("发货", "Ship"),
            "perm_export" => ("导出", "Export"),
            "perm_assign" => ("分配工厂", "Assign to factories"),
            "perm_sms" => ("发送短信", "Send SMS"),
            "perm_quota" => ("申请额度", "Apply for quota"),
            "perm_none" => ("无权限", "No permissions"),
            "nav_audit" => ("操作日志", "Audit log"),
            "audit_title" => ("操作日志", "Audit log"),
            "audit_intro_owner" => ("本店铺的全部操作记录（登录、解密、员工变更等）。", "Every event of your shop (logins, reveals, staff changes, …)."),
            "audit_intro_admin" => ("平台全部操作记录。", "Every event on the platform."),
            "audit_forbidden" => ("只有店主和平台管理员可以查看操作日志。", "Only shop owners and platform admins see the audit log."),
            "audit_time" => ("时间", "Time"),
            "audit_actor" => ("操作人", "User"),
            "audit_action" => ("操作", "Action"),
            "audit_outcome" => ("结果", "Outcome"),
            "audit_code" => ("错误码", "Code"),
            "audit_orders" => ("订单", "Orders"),
            "audit_shop" => ("店铺", "Shop"),
            "audit_from" => ("开始时间", "From"),
            "audit_to" => ("结束时间", "To"),
            "audit_any_outcome" => ("全部结果", "Any outcome"),
            "audit_purpose" => ("解密用途", "Purpose"),
            "audit_any_purpose" => ("全部用途", "Any purpose"),
            "audit_details" => ("用途 / 详情", "Purpose / details"),
            "audit_ok" => ("成功", "OK"),
            "audit_refused" => ("拒绝", "Refused"),
            "audit_filter" => ("筛选", "Filter"),
            "audit_empty" => ("没有符合条件的记录", "No events match"),
            "audit_export" => ("导出 CSV", "Export CSV"),
            "audit_chain_checking" => ("正在校验哈希链…", "Checking the hash chain…"),
            "audit_chain_ok" => ("哈希链校验通过：日志未被篡改", "The hash chain verifies: the log has not been tampered with"),
            "audit_chain_bad" => ("哈希链校验失败：日志可能被篡改", "The hash chain does NOT verify: the log may have been tampered with"),
            "audit_chain_error" => ("无法校验哈希链", "Cannot check the hash chain"),
            // Quota raise applications (quota page, admin review, decision notices).
            "qa_sources" => ("额度构成", "Where today's limit comes from"),
            "qa_base_source" => ("基础额度（按近 30 天订单计算）", "Base (from the last 30 days' orders)"),
            "qa_extra_source" => ("提额申请", "Raise application"),
            "qa_no_extras" => ("今日没有生效的提额", "No approved extra is active today"),
            "qa_per_day_unit" => ("次/天", "per day"),
            "qa_long_term" => ("长期", "Long-term"),
            "qa_form_title" => ("申请提升额度", "Apply for a quota raise"),
            "qa_per_day" => ("每日增加数量", "Extra reveals per day"),
            "qa_reason" => ("原因", "Reason"),
            "qa_description" => ("说明", "Description"),
            "qa_start" => ("开始日期", "Start day"),
            "qa_end" => ("结束日期", "End day"),
            "qa_long_term_check" => ("长期（无结束日期，审核更严格）", "Long-term (no end day; reviewed more strictly)"),
            "qa_range_hint" => ("非长期申请最长 90 天，开始日期不早于今天（北京时间）。", "At most 90 days unless long-term; starting today or later (Beijing time)."),
            "qa_submit" => ("提交申请", "Apply"),
            "qa_submitting" => ("提交中…", "Applying…"),
            "qa_submitted" => ("申请已提交，等待平台审核。", "Applied; waiting for the platform's review."),
            "qa_per_day_invalid" => ("每日增加数量须为 1–100000 的整数", "Extra per day must be a whole number from 1 to 100000"),
            "qa_description_invalid" => ("请填写说明（1–500 个字符）", "Enter a description of 1 to 500 characters"),
            "qa_end_missing" => ("请选择结束日期，或勾选长期", "Choose an end day, or tick long-term"),
            "qa_list_title" => ("本店的提额申请", "This shop's applications"),
            "qa_list_empty" => ("还没有提额申请", "No applications yet"),
            "qa_dates" => ("日期", "Days"),
            "qa_applied_by" => ("申请人", "Applied by"),
            "qa_applied_at" => ("申请时间", "Applied at"),
            "qa_comment" => ("审核意见", "Reviewer's comment"),
            "qa_withdraw" => ("撤回", "Withdraw"),
            "qa_withdrawing" => ("撤回中…", "Withdrawing…"),
            "qa_withdrawn_done" => ("申请已撤回。", "The application is withdrawn."),
            "qa_cannot_apply" => ("只有店主或拥有「额度申请」权限的员工可以申请提额。", "Only the shop owner or staff with the quota permission can apply for a raise."),
            "reason_virtual_goods" => ("虚拟商品发码", "Virtual goods codes"),
            "reason_installation_delivery" => ("安装/配送联系", "Installation or delivery calls"),
            "reason_after_sales" => ("售后", "After-sales"),
            "reason_other" => ("其他", "Other"),
            "app_st_pending" => ("待审核", "Pending"),
            "app_st_approved" => ("已批准（未开始）", "Approved (not started)"),
            "app_st_active" => ("生效中", "Active"),
            "app_st_expired" => ("已过期", "Expired"),
            "app_st_rejected" => ("已驳回", "Rejected"),
            "app_st_withdrawn" => ("已撤回", "Withdrawn"),
            "nav_applications" => ("额度审批", "Quota reviews"),
            "aa_title" => ("提额申请审批", "Quota raise reviews"),
            "aa_forbidden" => ("只有平台管理员可以审批提额申请。", "Only platform admins review quota raise applications."),
            "aa_filter_pending" => ("待审核", "Pending"),
            "aa_filter_all" => ("全部", "All"),
            "aa_empty" => ("没有待审核的申请", "No applications waiting"),
            "aa_empty_all" => ("还没有任何申请", "No applications yet"),
            "aa_shop" => ("店铺", "Shop"),
            "aa_context" => ("店铺概况", "Shop context"),
            "aa_orders30" => ("近 30 天订单", "Orders, 30 days"),
            "aa_reveals30" => ("近 30 天解密", "Reveals, 30 days"),
            "aa_previous" => ("此前申请", "Earlier applications"),
            "aa_comment_ph" => ("审核意见（驳回时必填）", "Comment (required to reject)"),
            "aa_comment_required" => ("驳回时请填写审核意见", "Enter a comment to reject"),
            "aa_approve" => ("批准", "Approve"),
            "aa_reject" => ("驳回", "Reject"),
            "aa_working" => ("处理中…", "Working…"),
            "aa_long_term_warn" => ("长期申请，请严格审核", "Long-term: review strictly"),
            "notice_dismiss" => ("知道了", "Dismiss"),
            // The platform admin console: shops, platform settings; the suspended-shop banner.
            "admin_only" => ("只有平台管理员可以访问此页面。", "Only platform admins can open this page."),
            "bundle_missing" => ("此页面所在的应用部分未构建（dist/console）。请用 cargo xtask demo 重新构建。", "This part of the app (dist/console) was not built. Rebuild with cargo xtask demo."),
            "shop_suspended" => ("店铺已被平台停用，暂时无法查看收件人信息", "This shop is suspended by the platform; receiver details cannot be revealed"),
            "nav_shops" => ("店铺管理", "Shops"),
            "shops_intro" => (
                "平台上的全部店铺。暂停的店铺不能解密查看收件人信息，其他功能照常；暂停与恢复都记入操作日志。",
                "Every shop on the platform. A suspended shop cannot reveal receiver details; everything else keeps working. Suspending and resuming are audited.",
            ),
            "shops_list" => ("店铺列表", "Shops"),
            "shops_empty" => ("还没有店铺", "No shops yet"),
            "shop_id" => ("店铺 ID", "Shop ID"),
            "shop_name" => ("店铺名称", "Shop name"),
            "shop_name_hint" => ("1–60 个字符", "1 to 60 characters"),
            "shop_owners" => ("店主", "Owners"),
            "shop_staff" => ("员工数", "Staff"),
            "shop_orders" => ("订单数", "Orders"),
            "shop_reveals_today" => ("今日解密", "Reveals today"),
            "shop_suspend" => ("暂停", "Suspend"),
            "shop_resume" => ("恢复", "Resume"),
            "shop_st_suspended" => ("已停用", "Suspended"),
            "shop_users" => ("用户", "Users"),
            "suspend_reason" => ("暂停原因", "Reason for suspending"),
            "suspend_confirm" => ("确认暂停", "Suspend"),
            "shop_users_empty" => ("该店铺还没有用户", "This shop has no users"),
            "su_role" => ("角色", "Role"),
            "su_staff" => ("员工", "Staff"),
            "shop_create_title" => ("新建店铺", "New shop"),
            "owner_username" => ("店主登录名", "Owner's user name"),
            "owner_password" => ("店主初始密码", "Owner's first password"),
            "shop_create" => ("创建店铺", "Create shop"),
            "nav_settings" => ("平台设置", "Settings"),
            "set_intro" => (
                "平台的解密额度、风控与收件人搜索规则。保存后立即对所有服务进程生效，今日的额度上限也按新值计算。",
                "The platform's quota, risk and receiver search rules. A saved change applies at once on every server process, to today's limits too.",
            ),
            "set_current" => ("当前设置", "Current settings"),
            "set_edit" => ("修改设置", "Change the settings"),
            "set_version" => ("版本", "Version"),
            "set_updated_at" => ("更新时间", "Updated at"),
            "set_updated_by" => ("更新人", "Updated by"),
            "set_rate" => ("解密比例（%）", "Reveal rate (%)"),
            "set_rate_help" => (
                "近 30 天订单数的百分比，可带小数（如 5 或 2.5），0–100。",
                "A percentage of the last 30 days' orders, decimals allowed (5 or 2.5), 0 to 100.",
            ),
            "set_floor" => ("保底额度（单/天）", "Floor (orders per day)"),
            "set_floor_help" => ("订单少的店铺每天至少可解密这么多单，0–100000。", "Every shop may reveal at least this many orders a day, 0 to 100000."),
            "set_per_minute" => ("每分钟上限（单/账号）", "Per minute (orders per account)"),
            "set_per_minute_help" => (
                "一个账号（或一个应用授权）一分钟内解密或打印的订单数超过此数即进入冷却（一次 50 单计 50，当天重复查看也计），1–100000。",
                "An account (or an app authorization) revealing or printing more orders than this within a minute is cooled down (a 50-order grant counts 50; repeats count too), 1 to 100000.",
            ),
            "set_per_hour" => ("每小时上限（单/账号）", "Per hour (orders per account)"),
            "set_per_hour_help" => (
                "一个账号一小时内解密或打印的订单数上限，不小于每分钟上限，最多 1000000。",
                "Orders an account may reveal or print within an hour; at least the per-minute limit, at most 1000000.",
            ),
            "set_shop_per_minute" => ("每分钟上限（单/店铺）", "Per minute (orders per shop)"),
            "set_shop_per_minute_help" => (
                "全店（所有员工和应用合计）一分钟内解密或打印的订单数超过此数，整个店铺进入冷却；新建员工账号或重新授权应用不会得到新的额度。不小于账号的每分钟上限，最多 1000000。",
                "Orders the whole shop (all its accounts and apps together) may reveal or print within a minute before the shop cools down, so a new staff account or a re-authorized app gets no fresh allowance. At least the per-account minute limit, at most 1000000.",
            ),
            "set_shop_per_hour" => ("每小时上限（单/店铺）", "Per hour (orders per shop)"),
            "set_shop_per_hour_help" => (
                "全店一小时内解密或打印的订单数上限，不小于店铺每分钟上限和账号每小时上限，最多 10000000。",
                "Orders the whole shop may reveal or print within an hour; at least the shop's minute limit and the per-account hour limit, at most 10000000.",
            ),
            "set_search_per_minute" => ("收件人搜索每分钟上限（次/账号）", "Receiver searches per minute (per account)"),
            "set_search_per_minute_help" => (
                "一个账号一分钟内按手机号、姓名或地址搜索的搜索词超过此数即进入冷却（时长同上），1–10000。",
                "An account searching more phone, name or address terms than this within a minute is cooled down (same length as above), 1 to 10000.",
            ),
            "set_search_floor" => ("每日搜索额度保底（次/店铺）", "Daily search budget floor (per shop)"),
            "set_search_floor_help" => (
                "店铺每天的收件人搜索额度 = max(保底, 系数 × 当天解密上限)；保底 0–1000000。按订单号和手机尾号搜索不计次。",
                "A shop's daily receiver search budget = max(floor, factor × that day's reveal limit); floor 0 to 1000000. Order ID and last-4 searches are free.",
            ),
            "set_search_factor" => ("每日搜索额度系数", "Daily search budget factor"),
            "set_search_factor_help" => ("搜索额度为当天解密上限的几倍，0–100（0：只用保底）。", "How many times the day's reveal limit, 0 to 100 (0: the floor alone)."),
            "set_cooldown" => ("冷却时长（分钟）", "Cool-down (minutes)"),
            "set_cooldown_help" => (
                "触发上限后该账号（或店铺）暂停解密、打印或搜索的时长，可带小数，1 分钟到 7 天（10080 分钟）。",
                "How long an account (or shop) that went over a limit cannot reveal, print or search, decimals allowed, 1 minute to 7 days (10080 minutes).",
            ),
            "set_save" => ("保存设置", "Save settings"),
            "set_saved" => ("平台设置已保存，已立即对所有服务进程生效。", "The settings are saved and apply at once on every server process."),
            "set_changed" => (
                "其他管理员刚刚修改了平台设置，您的修改未保存。已重新载入当前值，请核对后再保存。",
                "Someone else changed the settings meanwhile, so yours were not saved. The current values are loaded again: check them and save again.",
            ),
            "set_nan" => ("请输入数字（可带小数）", "Enter a number (decimals allowed)"),
            "set_not_int" => ("请输入整数", "Enter a whole number"),
            // E-waybill accounts (/waybill-accounts), waybills and printing (/waybills), allocation on the order list.
            "nav_waybills" => ("面单与打印", "Waybills"),
            "nav_waybill_accounts" => ("电子面单账号", "E-waybill accounts"),
            "nav_wa_review" => ("面单账号审核", "E-waybill reviews"),
            "wa_title" => ("电子面单账号", "E-waybill accounts"),
            "wa_title_admin" => ("电子面单账号审核", "E-waybill account reviews"),
            "wa_intro_owner" => (
                "按快递公司和网点申请；平台审核通过后申请充值，平台确认到账后余额才会增加，之后即可分配面单号。取消未打印的面单会退回余额。",
                "Apply per carrier and outlet; once approved, request a top-up: the balance rises only when the platform confirms the payment, and then it allocates waybill numbers. Cancelling an unprinted waybill returns its unit.",
            ),
            "wa_intro_staff" => ("本店的电子面单账号（由店主申请和充值）。", "This shop's e-waybill accounts (the owner applies and tops them up)."),
            "wa_intro_admin" => (
                "待审核的账号和待确认的充值申请排在最前；驳回须填写审核意见；确认到账须填写收到的金额和付款凭证号，确认后余额立即增加。",
                "Pending accounts and top-up requests first; a rejection needs a comment; confirming a payment needs the amount received and its reference, and adds the units at once.",
            ),
            "wa_forbidden" => ("只有店主、有打印权限的员工和平台管理员可以查看。", "Only owners, staff who print and platform admins see this page."),
            "wa_apply_title" => ("申请电子面单账号", "Apply for an e-waybill account"),
            "wa_carrier" => ("快递公司", "Carrier"),
            "wa_format" => ("单号格式", "Number format"),
            "wa_outlet" => ("网点", "Outlet"),
            "wa_outlet_hint" => ("网点名称或编码，1–60 个字符", "Outlet name or code, 1 to 60 characters"),
            "wa_sender_name" => ("寄件人", "Sender name"),
            "wa_sender_name_hint" => ("印在面单上的寄件人，1–30 个字符", "Printed on the labels, 1 to 30 characters"),
            "wa_sender_phone" => ("寄件电话", "Sender phone"),
            "wa_sender_phone_hint" => ("7–20 位数字，可含 -", "7 to 20 digits, - allowed"),
            "wa_sender_address" => ("寄件地址", "Sender address"),
            "wa_sender_address_hint" => ("1–120 个字符", "1 to 120 characters"),
            "wa_submit" => ("提交申请", "Apply"),
            "wa_submitting" => ("提交中…", "Applying…"),
            "wa_list" => ("账号列表", "Accounts"),
            "wa_empty" => ("还没有电子面单账号", "No e-waybill accounts yet"),
            "wa_sender" => ("寄件信息", "Sender"),
            "wa_balance" => ("余额（单）", "Balance"),
            "wa_applied" => ("申请", "Applied"),
            "wa_st_pending" => ("待审核", "Pending"),
            "wa_st_approved" => ("已通过", "Approved"),
            "wa_st_rejected" => ("已驳回", "Rejected"),
            "wa_units" => ("申请数量（单）", "Units to add"),
            "wa_topup_note" => ("备注（选填）", "Note (optional)"),
            "wa_topup" => ("申请充值", "Request top-up"),
            "wa_units_invalid" => ("申请数量须为 1–100000 的整数", "Units must be a whole number from 1 to 100000"),
            "wa_note_invalid" => ("备注最多 200 个字符", "A note has at most 200 characters"),
            "tu_title" => ("充值申请", "Top-up requests"),
            "tu_title_admin" => ("充值确认（待确认的排在最前）", "Top-up confirmations (pending first)"),
            "tu_empty" => ("还没有充值申请", "No top-up requests yet"),
            "tu_account" => ("面单账号", "Account"),
            "tu_units" => ("数量（单）", "Units"),
            "tu_note" => ("备注", "Note"),
            "tu_amount" => ("到账金额", "Amount received"),
            "tu_ref" => ("付款凭证号", "Payment reference"),
            "tu_requested" => ("申请", "Requested"),
            "tu_decided" => ("处理", "Decided"),
            "tu_balance_after" => ("确认后余额", "Balance after"),
            "tu_st_pending" => ("待确认到账", "Awaiting payment"),
            "tu_st_confirmed" => ("已到账", "Confirmed"),
            "tu_st_rejected" => ("已驳回", "Rejected"),
            "tu_amount_ph" => ("金额（元）", "Amount (yuan)"),
            "tu_ref_ph" => ("付款凭证号", "Payment reference"),
            "tu_comment_ph" => ("意见（驳回时必填）", "Comment (required to reject)"),
            "tu_confirm" => ("确认到账", "Confirm payment"),
            "tu_amount_invalid" => ("请填写收到的金额（元，0.01–1000000，最多两位小数）", "Enter the amount received in yuan (0.01 to 1000000, at most 2 decimals)"),
            "tu_ref_invalid" => ("请填写付款凭证号（1–64 个字符）", "Enter the payment reference (1 to 64 characters)"),
            "wb_title" => ("面单与打印", "Waybills and printing"),
            "wb_intro" => (
                "收件人信息只在打印预览中解密；每张面单最多打印 3 次，不占解密额度。打印后即可发货，面单号即运单号。",
                "Receivers are decrypted only in the print preview; a waybill prints at most 3 times, outside the quota. Printed waybills ship with their number as tracking number.",
            ),
            "wb_forbidden" => ("只有店主和有打印权限的员工可以打印面单。", "Only owners and staff who print see this page."),
            "wb_no" => ("面单号", "Waybill no."),
            "wb_orders" => ("订单", "Orders"),
            "wb_prints" => ("打印次数", "Prints"),
            "wb_allocated" => ("分配时间", "Allocated"),
            "wb_all" => ("全部面单", "All waybills"),
            "wb_st_allocated" => ("已分配", "Allocated"),
            "wb_st_printed" => ("已打印", "Printed"),
            "wb_st_shipped" => ("已发货", "Shipped"),
            "wb_st_cancelled" => ("已取消", "Cancelled"),
            "wb_template" => ("面单模板", "Template"),
            "tpl_76x130" => ("76×130 mm", "76 × 130 mm"),
            "tpl_100x180" => ("100×180 mm", "100 × 180 mm"),
            "wb_print" => ("打印所选", "Print selected"),
            "wb_ship" => ("发货所选", "Ship selected"),
            "wb_ship_hint" => ("只能发货已打印的面单", "Only printed waybills ship"),
            "wb_cancel" => ("取消面单", "Cancel waybill"),
            "wb_select" => ("选择面单", "Select waybill"),
            "wb_select_all" => ("选择全部可操作的面单", "Select every waybill that can be acted on"),
            "wb_empty" => ("还没有面单：在订单列表勾选订单后分配。", "No waybills yet: select orders on the order list and allocate."),
            "wb_printing" => ("正在生成面单…", "Making the labels…"),
            "wb_print_failed" => ("打印失败，没有生成面单。", "Printing failed; no labels were made."),
            "print_done" => ("完成", "Done"),
            "print_preview" => ("打印预览", "Print preview"),
            "print_doc_title" => ("快递面单", "Shipping labels"),
            "print_closes" => ("预览在「完成」或 60 秒后关闭并清除。", "The preview and its data go on Done or after 60 s."),
            "lbl_to" => ("收", "To"),
            "lbl_from" => ("寄", "From"),
            "allocate_selected" => ("分配面单", "Allocate waybills"),
            "allocate_title" => ("为所选订单分配电子面单", "Allocate e-waybills to the selected orders"),
            "allocate_account" => ("面单账号", "Account"),
            "allocate_no_account" => ("没有可用的电子面单账号（需审核通过且充值已到账）。", "No usable e-waybill account (it must be approved and have a confirmed top-up)."),
            "allocate_merge" => ("合并发货（一个面单）", "Merge into one shipment (one waybill)"),
            "merge_need_two" => ("合并发货需要选择至少两个订单", "Select at least two orders to merge them"),
            "merge_receivers_differ" => ("所选订单的收件人不同，不能合并发货", "The selected orders go to different receivers, so they cannot be merged"),
            "allocate_submit" => ("分配", "Allocate"),
            "allocating" => ("分配中…", "Allocating…"),
            "go_waybills" => ("去打印", "Print them"),
            "export_open" => ("导出", "Export"),
            "export_title" => ("导出订单", "Export orders"),
            "export_note" => ("导出密文订单（不含明文，不扣解密额度）", "Exports the encrypted orders (no plaintext; no decryption quota is used)"),
            "export_scope" => ("按当前筛选条件导出全部匹配的订单。", "Every order matching the current filters is exported."),
            "export_format" => ("格式", "Format"),
            "export_csv" => ("CSV", "CSV"),
            "export_xlsx" => ("Excel（.xlsx）", "Excel (.xlsx)"),
            "export_start" => ("开始导出", "Start export"),
            "export_starting" => ("正在创建…", "Creating…"),
            "export_progress" => ("导出进度", "Export progress"),
            "export_ready" => ("等待下载开始…", "Waiting for the download to start…"),
            "export_running" => ("正在导出…", "Exporting…"),
            "export_done" => ("导出完成，文件已下载。", "Done: the file is downloaded."),
            "export_failed" => ("导出中断。", "The export stopped."),
            "export_retry" => ("重新下载", "Download again"),
            "ship_title" => ("手工发货", "Ship by hand"),
            "ship_carrier" => ("快递公司", "Carrier"),
            "ship_tracking" => ("运单号", "Tracking number"),
            "ship_format" => ("运单号格式：", "Tracking number format: "),
            "ship_expected" => ("应为：", "Expected: "),
            "ship_submit" => ("确认发货", "Ship"),
            "shipping" => ("发货中…", "Shipping…"),
            "shipment" => ("物流", "Shipment"),
            "nav_shipments" => ("批量发货", "Bulk shipping"),
            "upload_title" => ("批量发货", "Bulk shipping"),
            "upload_intro" => (
                "上传 CSV 或 Excel 文件批量发货。列：订单号、快递公司、运单号；整份文件校验，任一行有误则全部不生效。",
                "Upload a CSV or Excel file to ship orders in bulk. Columns: order ID, carrier, tracking number. The whole file is checked: if any row is wrong, nothing applies.",
            ),
            "upload_file" => ("文件（.csv 或 .xlsx）", "File (.csv or .xlsx)"),
            "upload_submit" => ("上传并发货", "Upload and ship"),
            "uploading" => ("上传中…", "Uploading…"),
            "upload_templates" => ("模板：", "Templates: "),
            "template_csv" => ("CSV 模板", "CSV template"),
            "template_xlsx" => ("Excel 模板", "Excel template"),
            "upload_no_file" => ("请先选择文件。", "Choose a file first."),
            "upload_unreadable" => ("无法读取所选文件。", "The chosen file cannot be read."),
            "upload_nothing_applied" => ("文件有误，没有任何订单发货。请改正下列各行后重新上传整份文件。", "The file has errors, so no order was shipped. Correct the rows below and upload the whole file again."),
            "upload_forbidden" => ("只有店主和有发货权限的员工可以批量发货。", "Only owners and staff who ship see this page."),
            "upload_line" => ("行", "Line"),
            "upload_field" => ("字段", "Field"),
            "upload_problem" => ("问题", "Problem"),
            "upload_whole_file" => ("整个文件", "Whole file"),
            "f_order_id" => ("订单号", "Order ID"),
            "f_carrier" => ("快递公司", "Carrier"),
            "f_tracking_no" => ("运单号", "Tracking number"),
            "f_header" => ("表头", "Header"),
            "f_file" => ("文件", "File"),
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

/// What an app action did: `authorized`, `revoked`, `disabled`, `enabled` or `registered`.
pub fn app_done(lang: Lang, what: &str, app: &str) -> String {
    match (lang, what) {
        (Lang::Zh, "authorized") => format!("已授权「{app}」。"),
        (Lang::Zh, "revoked") => format!("已撤销「{app}」的授权。"),
        (Lang::Zh, "disabled") => format!("已停用「{app}」，它的令牌立即失效。"),
        (Lang::Zh, "enabled") => format!("已启用「{app}」。"),
        (Lang::Zh, _) => format!("已注册「{app}」。"),
        (Lang::En, "authorized") => format!("{app} is authorized."),
        (Lang::En, "revoked") => format!("{app}'s authorization is revoked."),
        (Lang::En, "disabled") => format!("{app} is disabled; its tokens stop working at once."),
        (Lang::En, "enabled") => format!("{app} is enabled."),
        (Lang::En, _) => format!("{app} is registered."),
    }
}

/// The figures of a verified audit trail.
pub fn audit_chain_figures(lang: Lang, chains: u64, rows: u64) -> String {
    match lang {
        Lang::Zh => format!("（{chains} 条链，{rows} 条记录）"),
        Lang::En => format!(" ({chains} chains, {rows} events)"),
    }
}

/// "Page 2 of 7 · 312 events".
pub fn audit_pages(lang: Lang, page: u32, pages: u64, total: u64) -> String {
    match lang {
        Lang::Zh => format!("第 {page} / {pages} 页 · 共 {total} 条"),
        Lang::En => format!("Page {page} of {pages} · {total} events"),
    }
}

/// What a staff action did: `created`, `saved`, `disabled`, `enabled`, `reset`.
pub fn staff_done(lang: Lang, what: &str, user: &str) -> String {
    match (lang, what) {
        (Lang::Zh, "created") => format!("已创建员工账号「{user}」。"),
        (Lang::Zh, "saved") => format!("已保存「{user}」的权限。"),
        (Lang::Zh, "disabled") => format!("已停用「{user}」。"),
        (Lang::Zh, "enabled") => format!("已启用「{user}」。"),
        (Lang::Zh, _) => format!("已重置「{user}」的密码。"),
        (Lang::En, "created") => format!("Staff account {user} is created."),
        (Lang::En, "saved") => format!("{user}'s permissions are saved."),
        (Lang::En, "disabled") => format!("{user} is disabled."),
        (Lang::En, "enabled") => format!("{user} is enabled."),
        (Lang::En, _) => format!("{user}'s password is reset."),
    }
}

/// What a shop action did: `created` (with the owner's login), `suspended`, `resumed`.
pub fn shop_done(lang: Lang, what: &str, shop: &str, owner: &str) -> String {
    match (lang, what) {
        (Lang::Zh, "created") => format!("已创建店铺「{shop}」及店主登录账号「{owner}」。"),
        (Lang::Zh, "suspended") => format!("已暂停店铺「{shop}」。"),
        (Lang::Zh, _) => format!("已恢复店铺「{shop}」。"),
        (Lang::En, "created") => format!("Shop {shop} and its owner login {owner} are created."),
        (Lang::En, "suspended") => format!("Shop {shop} is suspended."),
        (Lang::En, _) => format!("Shop {shop} is resumed."),
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
        "RISK_COOLDOWN" if f.details.as_ref().and_then(|d| d.get("scope")).and_then(|s| s.as_str()) == Some("shop") => {
            let left = f.detail_i64("retry_after_secs").map(|s| duration(lang, s));
            match (zh, left) {
                (true, Some(t)) => format!("全店短时间内解密或打印的订单过多，店铺冷却中，请在 {t} 后再试。"),
                (true, None) => "全店短时间内解密或打印的订单过多，店铺冷却中，请稍后再试。".into(),
                (false, Some(t)) => format!("This shop revealed or printed too many orders in a short time: the whole shop is cooling down. Try again in {t}."),
                (false, None) => "This shop revealed or printed too many orders in a short time: the whole shop is cooling down. Try again later.".into(),
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
        "SHOP_SUSPENDED" => lang.t("shop_suspended").into(),
        "PURPOSE_INVALID" => {
            let reason = f.details.as_ref().and_then(|d| d.get("reason")).and_then(|r| r.as_str());
            // The page's own refusal already says what is wrong with the note.
            match reason {
                Some(r) => purpose_problem(lang, r),
                None => f.text(lang),
            }
        }
        _ => f.text(lang),
    }
}

/// What is wrong with the purpose note (`purpose_note_problem`'s codes), with what to do.
pub fn purpose_problem(lang: Lang, problem: &str) -> String {
    let zh = lang == Lang::Zh;
    match (problem, zh) {
        ("note_required", true) => "选择「其他」用途时请在页面顶部填写用途说明，本次没有解密。".into(),
        ("note_required", false) => "With the purpose \"Other\", write a purpose note at the top of the page; nothing was revealed.".into(),
        ("note_too_long", true) => format!("用途说明最多 {} 个字符。", orderveil_api::RevealPurpose::NOTE_MAX_CHARS),
        ("note_too_long", false) => format!("A purpose note has at most {} characters.", orderveil_api::RevealPurpose::NOTE_MAX_CHARS),
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
pub fn search_refusal(lang: Lang, f: &crate::api::ApiFailure) -> Option<String> {
    let zh = lang == Lang::Zh;
    let num = |k: &str| f.details.as_ref().and_then(|d| d.get(k)).and_then(|v| v.as_u64());
    Some(match f.code.as_str() {
        "SEARCH_BUDGET_EXHAUSTED" => match (num("used"), num("budget"), zh) {
            (Some(u), Some(b), true) => format!("本店今日的收件人搜索次数已用完（已用 {u}/{b}），本次没有搜索。今天仍可按订单号或手机尾号后 4 位搜索。"),
            (Some(u), Some(b), false) => format!("This shop's receiver searches for today are used up ({u}/{b} used); nothing was searched. Order ID and phone last-4 searches still work today."),
            (_, _, true) => "本店今日的收件人搜索次数已用完，本次没有搜索。今天仍可按订单号或手机尾号后 4 位搜索。".into(),
            (_, _, false) => "This shop's receiver searches for today are used up; nothing was searched. Order ID and phone last-4 searches still work today.".into(),
        },
        "SEARCH_COOLDOWN" => match (f.detail_i64("retry_after_secs"), zh) {
            (Some(s), true) => format!("短时间内按收件人信息搜索过多，账号冷却中，请在 {} 后再试。按订单号或手机尾号搜索不受影响。", duration(lang, s)),
            (Some(s), false) => format!("Too many receiver searches in a short time: this account is cooling down. Try again in {}. Order ID and last-4 searches still work.", duration(lang, s)),
            (None, true) => "短时间内按收件人信息搜索过多，账号冷却中，请稍后再试。".into(),
            (None, false) => "Too many receiver searches in a short time: this account is cooling down. Try again later.".into(),
        },
        "VALIDATION_FAILED" if crate::components::states::detail_field(f) == "phone" => {
            if zh {
                "按手机号搜索只接受完整的手机号（11 位数字），本次没有搜索。只记得尾号时请改用「手机尾号后 4 位」搜索。".into()
            } else {
                "A phone search takes a whole number only (11 digits); nothing was searched. If you know only the end, search by the phone's last 4 digits.".into()
            }
        }
        _ => return None,
    })
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

/// What a top-up action did: `requested` (units), `confirmed` (the balance after) or `rejected`.
pub fn topup_done(lang: Lang, what: &str, id: i64, units: u32, balance: Option<u64>) -> String {
    let balance = balance.unwrap_or_default();
    match (lang, what) {
        (Lang::Zh, "requested") => format!("已提交充值申请 #{id}（{units} 单），平台确认到账后余额才会增加。"),
        (Lang::Zh, "confirmed") => format!("已确认充值申请 #{id} 到账，账号余额 {balance} 单。"),
        (Lang::Zh, _) => format!("已驳回充值申请 #{id}。"),
        (Lang::En, "requested") => format!("Top-up request #{id} ({units} units) is sent; the balance rises once the platform confirms the payment."),
        (Lang::En, "confirmed") => format!("Top-up #{id} is confirmed; the account's balance is {balance}."),
        (Lang::En, _) => format!("Top-up request #{id} is rejected."),
    }
}

/// An amount in fen as yuan, `¥12.50`.
pub fn yuan(cents: i64) -> String {
    format!("¥{}.{:02}", cents / 100, cents % 100)
}

/// The banner line of a decided quota raise application.
pub fn application_decided(lang: Lang, id: i64, per_day: u32, approved: bool, comment: Option<&str>) -> String {
    let comment = comment.filter(|c| !c.is_empty());
    match (lang, approved, comment) {
        (Lang::Zh, true, None) => format!("您的提额申请 #{id}（每日 +{per_day}）已通过审核，额度已生效。"),
        (Lang::Zh, true, Some(c)) => format!("您的提额申请 #{id}（每日 +{per_day}）已通过审核，额度已生效。审核意见：{c}"),
        (Lang::Zh, false, None) => format!("您的提额申请 #{id}（每日 +{per_day}）未通过审核。"),
        (Lang::Zh, false, Some(c)) => format!("您的提额申请 #{id}（每日 +{per_day}）未通过审核。审核意见：{c}"),
        (Lang::En, true, None) => format!("Your quota raise application #{id} (+{per_day} per day) was approved and applies now."),
        (Lang::En, true, Some(c)) => format!("Your quota raise application #{id} (+{per_day} per day) was approved and applies now. Comment: {c}"),
        (Lang::En, false, None) => format!("Your quota raise application #{id} (+{per_day} per day) was rejected."),
        (Lang::En, false, Some(c)) => format!("Your quota raise application #{id} (+{per_day} per day) was rejected. Comment: {c}"),
    }
}

/// What the admin's review did.
pub fn application_reviewed(lang: Lang, id: i64, approved: bool) -> String {
    match (lang, approved) {
        (Lang::Zh, true) => format!("已批准申请 #{id}，额度立即生效。"),
        (Lang::Zh, false) => format!("已驳回申请 #{id}。"),
        (Lang::En, true) => format!("Application #{id} is approved; the extra applies at once."),
        (Lang::En, false) => format!("Application #{id} is rejected."),
    }
}

/// `第 n 次打印` on a label.
pub fn print_no(lang: Lang, n: u64) -> String {
    match lang {
        Lang::Zh => format!("第 {n} 次打印"),
        Lang::En => format!("Print #{n}"),
    }
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

/// What an e-waybill account action did: `applied`, `approved` or `rejected`.
pub fn account_done(lang: Lang, what: &str, id: i64) -> String {
    match (lang, what) {
        (Lang::Zh, "applied") => format!("已提交电子面单账号申请 #{id}，等待平台审核。"),
        (Lang::Zh, "approved") => format!("已通过账号 #{id}。"),
        (Lang::Zh, _) => format!("已驳回账号 #{id}。"),
        (Lang::En, "applied") => format!("Account application #{id} is sent; it waits for the platform's review."),
        (Lang::En, "approved") => format!("Account #{id} is approved."),
        (Lang::En, _) => format!("Account #{id} is rejected."),
    }
}

/// What a waybill action did: `allocated`, `printed`, `shipped` (n waybills) or `cancelled` (one).
pub fn waybill_done(lang: Lang, what: &str, n: usize, no: &str) -> String {
    match (lang, what) {
        (Lang::Zh, "allocated") => format!("已分配 {n} 张面单。"),
        (Lang::Zh, "printed") => format!("已生成 {n} 张面单并发送到打印机。"),
        (Lang::Zh, "shipped") => format!("已发货 {n} 张面单的订单。"),
        (Lang::Zh, _) => format!("已取消面单 {no}，余额已退回。"),
        (Lang::En, "allocated") => format!("{n} waybill(s) allocated."),
        (Lang::En, "printed") => format!("{n} label(s) made and sent to the printer."),
        (Lang::En, "shipped") => format!("The orders of {n} waybill(s) are shipped."),
        (Lang::En, _) => format!("Waybill {no} is cancelled; its unit is returned."),
    }
}

/// An approved account as the allocation panel offers it: carrier, outlet, balance.
pub fn account_choice(lang: Lang, carrier: &str, outlet: &str, balance: u64) -> String {
    let name = carrier_name(lang, carrier);
    match lang {
        Lang::Zh => format!("{name} · {outlet}（余额 {balance} 单）"),
        Lang::En => format!("{name} · {outlet} ({balance} left)"),
    }
}

/// What a shipment upload did: n orders shipped.
pub fn upload_applied(lang: Lang, n: u32) -> String {
    match lang {
        Lang::Zh => format!("已发货 {n} 单。"),
        Lang::En => format!("{n} order(s) shipped."),
    }
}

/// A carrier's name in the UI language.
pub fn carrier_label(lang: Lang, c: &orderveil_api::Carrier) -> &'static str {
    if lang == Lang::Zh { c.name_zh } else { c.name_en }
}
