//! Third-party (ISV) apps: registration, authorizations and their scopes.

use super::{Lang, Text};

/// A text of the apps page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppsMsg {
    Purposes,
    Title,
    IntroOwner,
    IntroFactory,
    IntroAdmin,
    Forbidden,
    ListOwner,
    ListAdmin,
    EmptyOwner,
    EmptyAdmin,
    Name,
    Id,
    Origins,
    State,
    Scopes,
    Created,
    Enabled,
    Disabled,
    Secret,
    AuthLive,
    AuthNone,
    AuthRevoked,
    AuthAt,
    RevokedAt,
    AuthCreated,
    GrantedBy,
    AuthsTitle,
    AuthsEmpty,
    ScopeOrdersRead,
    ScopeReveal,
    ScopePrint,
    ScopeShip,
    ScopeNone,
    Authorize,
    Reauthorize,
    Authorizing,
    Revoke,
    Revoking,
    RevokeQuestion,
    RevokeConfirm,
    RegisterTitle,
    OriginsHint,
    Register,
    Registering,
    NameInvalid,
    OriginsEmpty,
    OriginsTooMany,
    CreatedTitle,
    SecretWarning,
    SecretSaved,
}

impl Text for AppsMsg {
    fn zh_en(self) -> (&'static str, &'static str) {
        match self {
            Self::Purposes => ("解密用途", "Reveal purposes"),
            Self::Title => ("第三方应用授权", "Third-party apps"),
            Self::IntroOwner => (
                "授权后，应用可在所选权限范围内处理本店订单：它的解密计入本店今日解密额度，解密和打印都记入审计日志。撤销立即生效。",
                "An authorized app works on this shop's orders within the scopes you choose; its reveals count against the shop's daily quota, and its reveals and prints are audited. Revoking takes effect at once.",
            ),
            Self::IntroFactory => (
                "授权打印软件后，它可查看分配给本厂商的订单、用本厂商的电子面单账号取号、打印（明文只在打印框内）并发货；它不能解密。每一步都记入本厂商和店铺的审计日志。撤销立即生效。",
                "An authorized print app reads the orders assigned to this factory, takes waybills from the factory's accounts, prints (plaintext only inside the print frame) and ships; it can never reveal. Every step is audited on the factory's and the shop's chains. Revoking takes effect at once.",
            ),
            Self::IntroAdmin => (
                "在此注册第三方应用（ISV）。应用只有在店主为自己的店铺授权后，才能访问该店铺的订单。",
                "Register third-party (ISV) apps here. An app reaches a shop's orders only after that shop's owner authorizes it.",
            ),
            Self::Forbidden => ("只有店主、厂商负责人和平台管理员可以管理应用授权。", "Only shop owners, factory owners and platform admins manage app authorizations."),
            Self::ListOwner => ("可授权的应用", "Apps you can authorize"),
            Self::ListAdmin => ("已注册的应用", "Registered apps"),
            Self::EmptyOwner => ("还没有可授权的应用", "There are no apps to authorize yet"),
            Self::EmptyAdmin => ("还没有注册任何应用", "No apps are registered yet"),
            Self::Name => ("应用名称", "App name"),
            Self::Id => ("应用 ID", "App ID"),
            Self::Origins => ("允许的来源", "Allowed origins"),
            Self::State => ("授权状态", "Authorization"),
            Self::Scopes => ("权限范围", "Scopes"),
            Self::Created => ("注册时间", "Registered"),
            Self::Enabled => ("正常", "Active"),
            Self::Disabled => ("已停用", "Disabled"),
            Self::Secret => ("应用密钥", "App secret"),
            Self::AuthLive => ("已授权", "Authorized"),
            Self::AuthNone => ("未授权", "Not authorized"),
            Self::AuthRevoked => ("已撤销", "Revoked"),
            Self::AuthAt => ("授权于", "since"),
            Self::RevokedAt => ("撤销于", "on"),
            Self::AuthCreated => ("授权时间", "Authorized at"),
            Self::GrantedBy => ("授权人", "Granted by"),
            Self::AuthsTitle => ("授权记录", "Authorizations"),
            Self::AuthsEmpty => ("还没有授权记录", "No authorizations yet"),
            Self::ScopeOrdersRead => ("查看订单", "Read orders"),
            Self::ScopeReveal => ("解密", "Reveal"),
            Self::ScopePrint => ("打印", "Print"),
            Self::ScopeShip => ("发货", "Ship"),
            Self::ScopeNone => ("请至少选择一项权限", "Choose at least one scope"),
            Self::Authorize => ("授权", "Authorize"),
            Self::Reauthorize => ("更新授权", "Update"),
            Self::Authorizing => ("授权中…", "Authorizing…"),
            Self::Revoke => ("撤销授权", "Revoke"),
            Self::Revoking => ("撤销中…", "Revoking…"),
            Self::RevokeQuestion => ("撤销后该应用立即无法访问本店订单，确定撤销？", "The app loses access to this shop's orders at once. Revoke?"),
            Self::RevokeConfirm => ("确认撤销", "Yes, revoke"),
            Self::RegisterTitle => ("注册新应用", "Register an app"),
            Self::OriginsHint => ("每行一个，格式 http(s)://主机[:端口]，小写，不带路径，最多 10 个。", "One per line: http(s)://host[:port], lower case, no path; at most 10."),
            Self::Register => ("注册", "Register"),
            Self::Registering => ("注册中…", "Registering…"),
            Self::NameInvalid => ("请填写应用名称（1–64 个字符）", "Enter an app name of 1 to 64 characters"),
            Self::OriginsEmpty => ("请至少填写一个允许的来源", "Enter at least one allowed origin"),
            Self::OriginsTooMany => ("最多填写 10 个来源", "At most 10 origins"),
            Self::CreatedTitle => ("应用已注册", "App registered"),
            Self::SecretWarning => ("保存好密钥，关闭后无法再次查看。", "Save the secret now; it cannot be shown again."),
            Self::SecretSaved => ("我已保存，关闭", "I have saved it; close"),
        }
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
