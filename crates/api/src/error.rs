//! Stable error codes. Every refusal the server makes has one, with an HTTP status and a
//! message in Chinese and English. Codes never change meaning; new ones are only added.

use serde::{Deserialize, Serialize};

/// The error body of every non-2xx response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable machine-readable code, e.g. `QUOTA_EXHAUSTED`.
    pub code: String,
    /// English message.
    pub message: String,
    /// Chinese message.
    pub message_zh: String,
    /// Extra facts a client can act on (e.g. `retry_after_secs`, `remaining`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $status:literal, $en:literal, $zh:literal;)*) => {
        /// Every error code the API returns.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        #[non_exhaustive]
        pub enum ErrorCode { $($(#[$doc])* $name,)* }

        impl ErrorCode {
            /// Every code, for documentation and tests.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name,)*];

            /// The HTTP status that goes with the code.
            pub const fn status(self) -> u16 { match self { $(Self::$name => $status,)* } }

            /// The English message.
            pub const fn message(self) -> &'static str { match self { $(Self::$name => $en,)* } }

            /// The Chinese message.
            pub const fn message_zh(self) -> &'static str { match self { $(Self::$name => $zh,)* } }
        }
    };
}

codes! {
    /// The request body is not JSON at all (syntax error or wrong content type). A JSON body
    /// with a missing, unknown or mistyped field is `VALIDATION_FAILED`.
    BadRequest = 400, "The request is malformed.", "请求格式错误。";
    /// A field is missing, unknown, mistyped, out of range or of the wrong form.
    ValidationFailed = 422, "A value in the request is invalid.", "请求中的参数无效。";
    /// The request body is larger than the server accepts.
    PayloadTooLarge = 413, "The request body is too large.", "请求内容过大。";
    /// No valid session or token.
    Unauthenticated = 401, "Please log in.", "请先登录。";
    /// Wrong username or password.
    InvalidCredentials = 401, "Wrong username or password.", "用户名或密码错误。";
    /// A state-changing request with a session cookie lacks a valid `X-CSRF-Token`.
    CsrfFailed = 403, "The request lacks a valid CSRF token; reload the page.", "请求缺少有效的 CSRF 令牌，请刷新页面。";
    /// Authenticated but not allowed.
    Forbidden = 403, "You do not have permission to do this.", "您没有执行此操作的权限。";
    /// The order does not exist or is not visible to the caller (another shop's orders look absent).
    OrderNotFound = 404, "Order not found.", "订单不存在。";
    /// Unknown route or object.
    NotFound = 404, "Not found.", "未找到。";
    /// The path exists but not with this HTTP method.
    MethodNotAllowed = 405, "This method is not allowed on this path.", "该路径不支持此请求方法。";
    /// The shop's reveal quota for today is used up.
    QuotaExhausted = 429, "Today's decryption quota for this shop is used up. Apply for a quota raise to reveal more.", "该店铺今日解密额度已用完，请申请提升额度后再解密。";
    /// The account, or the whole shop, revealed or printed too many orders too fast and is
    /// cooling down (`details.scope`: `account` or `shop`).
    RiskCooldown = 429, "Too many reveals or prints in a short time; this account or shop is cooling down.", "短时间内解密或打印次数过多，账号或店铺处于冷却期，请稍后再试。";
    /// The order's state does not allow revealing.
    OrderStateForbidsReveal = 409, "This order's state does not allow viewing receiver information.", "基于消费者隐私保护，该订单状态禁止查看收件人信息。";
    /// The shop is suspended.
    ShopSuspended = 403, "This shop is suspended.", "该店铺已被停用。";
    /// Too many orders in one request.
    TooManyOrders = 422, "Too many orders in one request (at most 50).", "单次请求的订单过多（最多 50 个）。";
    /// Too many orders in one ingest batch.
    BatchTooLarge = 422, "Too many orders in one batch (at most 500).", "单批订单过多（最多 500 个）。";
    /// An unknown field kind was asked for.
    UnknownField = 422, "Unknown field; use phone, name or address.", "未知字段，请使用 phone、name 或 address。";
    /// The client public key is malformed or of low order.
    ClientKeyInvalid = 422, "The client public key is invalid.", "客户端公钥无效。";
    /// A ciphertext does not parse.
    CiphertextInvalid = 422, "The ciphertext is invalid.", "密文格式无效。";
    /// The grant has expired (client side).
    GrantExpired = 410, "The decryption grant has expired; try again.", "解密授权已过期，请重试。";
    /// The order's keys were crypto-shredded after the retention period.
    OrderShredded = 410, "This order's receiver data has been destroyed after the retention period.", "该订单的收件人信息已超过保存期限并被销毁。";
    /// An ingested order conflicts with a stored one of the same id (other shop or receiver).
    IngestConflict = 409, "An order with this id already exists with different data.", "已存在相同订单号但内容不同的订单。";
    /// Too many requests (rate limit other than the reveal risk rule).
    RateLimited = 429, "Too many requests; slow down.", "请求过于频繁，请稍后再试。";
    /// The app id or app secret is wrong, or the app is disabled.
    AppCredentialsInvalid = 401, "The app id or app secret is wrong, or the app is disabled.", "应用 ID 或密钥错误，或应用已被停用。";
    /// The app has no (unrevoked) authorization from the shop.
    AppNotAuthorized = 403, "This app is not authorized by the shop, or the authorization was revoked.", "该应用未获店铺授权，或授权已被撤销。";
    /// The access or refresh token is unknown or malformed.
    TokenInvalid = 401, "The access token is invalid.", "访问令牌无效。";
    /// The access or refresh token has expired.
    TokenExpired = 401, "The access token has expired; obtain a new one.", "访问令牌已过期，请重新获取。";
    /// The token lacks the scope the request needs.
    ScopeMissing = 403, "The token lacks the scope this request needs.", "访问令牌缺少此操作所需的权限范围。";
    /// A browser request from a web origin the app did not register.
    OriginNotAllowed = 403, "Requests from this web origin are not allowed.", "不允许来自该网页来源的请求。";
    /// The quota application is not in a state that allows this (approve twice, withdraw an approved one, …).
    ApplicationStateConflict = 409, "This application's state does not allow this action.", "该额度申请的当前状态不允许此操作。";
    /// The user name is already taken (staff accounts; names are unique across OrderVeil).
    UsernameTaken = 409, "This user name is already taken.", "该用户名已被占用。";
    /// A shop with this id already exists.
    ShopExists = 409, "A shop with this id already exists.", "该店铺 ID 已存在。";
    /// The platform settings were changed by someone else since they were read.
    SettingsChanged = 409, "The platform settings were changed by someone else; reload and try again.", "平台设置已被他人修改，请刷新后重试。";
    /// The order's state does not allow shipping it (only orders awaiting shipment ship).
    OrderNotShippable = 409, "This order cannot be shipped in its current state.", "该订单当前状态不能发货。";
    /// The carrier code is not one OrderVeil knows (`GET /api/v1/carriers`).
    CarrierUnknown = 422, "Unknown carrier.", "未知的快递公司。";
    /// The tracking number does not have the carrier's format.
    TrackingNumberInvalid = 422, "The tracking number does not match the carrier's format.", "运单号与该快递公司的格式不符。";
    /// An uploaded file has bad rows (each listed with its line and reason); nothing was applied.
    UploadInvalid = 422, "The file has errors; nothing was applied. Fix the rows listed and upload it again.", "文件中有错误行，未做任何修改。请修改所列的行后重新上传。";
    /// The e-waybill account is not approved (pending, rejected) or belongs to someone else.
    WaybillAccountInactive = 409, "This e-waybill account is not approved for use.", "该电子面单账号未审核通过，不能使用。";
    /// The e-waybill account's balance cannot cover the allocation.
    WaybillBalanceExhausted = 409, "The e-waybill account's balance is too low; recharge it first.", "电子面单余额不足，请先充值。";
    /// The waybill is not in a state that allows this (cancel a printed one, ship a cancelled one, …).
    WaybillStateConflict = 409, "This waybill's state does not allow this action.", "该面单的当前状态不允许此操作。";
    /// The waybill was printed as often as allowed.
    PrintLimitReached = 409, "This waybill has been printed the maximum number of times.", "该面单的打印次数已达上限。";
    /// The orders cannot share one waybill (different receivers or states).
    OrdersNotMergeable = 422, "These orders cannot be merged into one shipment (different receivers or states).", "这些订单收件人或状态不同，不能合并发货。";
    /// The account searched receiver fields too fast (more terms a minute than the platform
    /// allows) and is cooling down; nothing was searched.
    SearchCooldown = 429, "Too many receiver searches in a short time; this account is cooling down.", "短时间内搜索收件人信息次数过多，账号处于冷却期，请稍后再试。";
    /// The shop's daily budget of receiver searches is used up; nothing was searched.
    SearchBudgetExhausted = 429, "Today's receiver search budget for this shop is used up. Search by order id or the last 4 phone digits instead.", "该店铺今日收件人搜索次数已用完，请改用订单号或手机尾号搜索。";
    /// A reveal names no purpose, an unknown one, or `other` without a valid note.
    PurposeInvalid = 400, "Choose the purpose of this reveal (a note is required for \"other\").", "请选择本次解密的用途（选择“其他”时须填写说明）。";
    /// The app's authorization does not allow this purpose.
    PurposeNotAllowed = 403, "The shop did not authorize this app to reveal for this purpose.", "店铺未授权该应用以此用途解密。";
    /// The top-up request is not pending (confirmed, rejected) or not the caller's.
    TopupStateConflict = 409, "This top-up request has already been decided.", "该充值申请已处理。";
    /// A new password is shorter than 8 or longer than 256 characters (`details.min_chars`, `details.max_chars`).
    PasswordLength = 422, "The password must be 8 to 256 characters long.", "密码长度须为 8 到 256 个字符。";
    /// A new password contains the account's user name.
    PasswordContainsUsername = 422, "The password must not contain the user name.", "密码不能包含用户名。";
    /// A new password is one of the most common passwords.
    PasswordTooCommon = 422, "This password is too common; choose another.", "该密码过于常见，请换一个。";
    /// The current password given with a password change is wrong.
    CurrentPasswordWrong = 403, "The current password is wrong.", "当前密码错误。";
    /// Too many failed logins for this account or from this address: locked for a while
    /// (`details.retry_after_secs`, `Retry-After`). Also answered while the attempts are only
    /// slowed down (`details.locked`: false).
    LoginLocked = 429, "Too many failed logins; try again later.", "登录失败次数过多，请稍后再试。";
    /// The server is at a limit (concurrent requests, a queue, export slots) or a request took
    /// too long; nothing was changed. Retry after `Retry-After` seconds.
    ServerBusy = 503, "The server is busy; try again shortly.", "服务器繁忙，请稍后重试。";
    /// The factory is not bound to the shop, or the binding is not active (invited, declined,
    /// ended), or the factory is unknown.
    FactoryNotBound = 409, "This factory is not bound to the shop, or the binding is not active.", "该厂商未与店铺绑定，或绑定尚未生效。";
    /// The binding's state does not allow this (accept an ended one, invite a factory twice, …).
    BindingStateConflict = 409, "This binding's state does not allow this action.", "该绑定的当前状态不允许此操作。";
    /// Some orders cannot be assigned (`details.refused`: each order with its reason); none was.
    OrderNotAssignable = 409, "Some orders cannot be assigned; none was. Fix the orders listed and try again.", "部分订单无法分配，本次未分配任何订单。请处理所列订单后重试。";
    /// Some orders have no open assignment (`details.order_ids`); nothing was recalled.
    AssignmentStateConflict = 409, "Some orders have no open assignment (shipped, recalled or never assigned); nothing was changed.", "部分订单没有进行中的分配（已发货、已撤回或未分配），本次未做任何修改。";
    /// A factory with this id already exists.
    FactoryExists = 409, "A factory with this id already exists.", "该厂商 ID 已存在。";
    /// The factory is suspended by the platform: its users still read (orders, waybills,
    /// bindings) but cannot accept a binding, allocate, cancel, print or ship, and shops cannot
    /// assign orders to it (`details.refused`: each order with the reason `factory_suspended`).
    FactorySuspended = 403, "This factory is suspended by the platform.", "该厂商已被平台暂停。";
    /// A factory's print grant names waybills of several shops' orders (`details.shop_ids`):
    /// a grant is sealed for one shop, so each shop's labels print separately. Nothing printed.
    PrintShopsMixed = 422, "These waybills belong to several shops' orders; print each shop's waybills separately.", "所选面单属于多个店铺的订单，请按店铺分别打印。";
    /// The SMS template has content the platform does not allow (`details.problems`: a phone
    /// number, a link that is not the platform's, an unknown variable, …). Nothing was saved.
    SmsTemplateForbidden = 422, "The template contains content the platform does not allow (phone numbers, links, unknown variables).", "短信模板含有平台不允许的内容（电话号码、链接、未知变量等）。";
    /// The template version is not approved (pending, rejected, withdrawn or superseded by a
    /// newer approved version), or its state does not allow this decision.
    SmsTemplateStateConflict = 409, "This template version is not in a state that allows this (send only approved ones).", "该短信模板版本的状态不允许此操作（只能发送已审核通过的模板）。";
    /// Some orders cannot get the message (`details.refused`: each order with its reason);
    /// nothing was queued.
    SmsNotSendable = 409, "Some orders cannot get this message; nothing was queued. Fix the orders listed and try again.", "部分订单无法发送此短信，本次未发送任何短信。请处理所列订单后重试。";
    /// The shop's daily SMS limit would be passed (`details.limit`, `details.used`,
    /// `details.asked`); nothing was queued.
    SmsShopLimit = 429, "The shop's SMS limit for today would be exceeded; nothing was queued.", "本店今日短信发送量将超过上限，本次未发送任何短信。";
    /// Marketing messages are not sent between 21:00 and 08:00 (Asia/Shanghai).
    SmsQuietHours = 409, "Marketing messages are not sent between 21:00 and 08:00.", "21:00 至次日 08:00 不发送营销短信。";
    /// The order cannot get a virtual number (`details.reason`: `order_status` — unpaid,
    /// cancelled or closed — or `expired`: completed longer ago than the binding lasts).
    VirtualNumberUnavailable = 409, "This order cannot get a virtual number now.", "该订单当前无法申请隐私号。";
    /// Every number of the platform's pool is bound; nothing was bound. Retry later.
    VirtualNumberPoolExhausted = 503, "No virtual number is free right now; try again later.", "隐私号已全部占用，请稍后重试。";
    /// The buyer link's signature does not match, or the link has expired. Nothing is shown;
    /// ask the order system for a new link.
    BuyerLinkInvalid = 403, "This link is invalid or has expired; open the order again from the shopping app.", "该链接无效或已过期，请从购物 App 重新打开订单。";
    /// The flag was already decided (acknowledged, or the shop suspended from it).
    FlagStateConflict = 409, "This flag was already decided.", "该风险标记已处理。";
    /// The master key version an order's data key is wrapped under is not loaded in this
    /// server process (a rotation this process could not follow: its key file lacks the new
    /// version). Nothing was decrypted; the operator must give every process the store's key file.
    KeyUnavailable = 503, "The server cannot open this order's keys right now; try again later.", "服务器暂时无法打开该订单的密钥，请稍后重试。";
    /// An unexpected server error; details are in the server log, never in the response.
    Internal = 500, "Internal server error.", "服务器内部错误。";
}

impl ErrorCode {
    /// The code as it appears in JSON, e.g. `QUOTA_EXHAUSTED`.
    pub fn as_str(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }

    /// The response body for this code.
    pub fn body(self) -> ApiError {
        ApiError { code: self.as_str(), message: self.message().into(), message_zh: self.message_zh().into(), details: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_screaming_snake_and_have_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(s.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'), "{s}");
            assert!(seen.insert(s.clone()), "duplicate {s}");
            assert!((400..600).contains(&c.status()));
            assert!(!c.message().is_empty() && !c.message_zh().is_ascii(), "{s}");
        }
        assert_eq!(ErrorCode::QuotaExhausted.as_str(), "QUOTA_EXHAUSTED");
        assert_eq!(ErrorCode::OrderStateForbidsReveal.as_str(), "ORDER_STATE_FORBIDS_REVEAL");
    }
}
