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
            _ => ("?", "?"),
        };
        if self == Self::En { en } else { zh }
    }
}
