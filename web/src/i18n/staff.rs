//! Staff accounts and their permissions.

use super::{Lang, Text};

/// A text of the staff page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffMsg {
    Title,
    Intro,
    IntroFactory,
    Forbidden,
    CreateTitle,
    UsernameHint,
    PasswordHint,
    Permissions,
    Create,
    Creating,
    UsernameInvalid,
    PasswordInvalid,
    List,
    Empty,
    State,
    Enabled,
    Disabled,
    Created,
    SavePerms,
    Saving,
    Disable,
    Enable,
    DisableQuestion,
    DisableConfirm,
    Reset,
    NewPassword,
    ResetQuestion,
    ResetConfirm,
    PermView,
    PermReveal,
    PermPrint,
    PermShip,
    PermExport,
    PermAssign,
    PermSms,
    PermQuota,
    PermNone,
}

impl Text for StaffMsg {
    fn zh_en(self) -> (&'static str, &'static str) {
        match self {
            Self::Title => ("员工账号", "Staff accounts"),
            Self::Intro => (
                "为店铺创建员工子账号并设置权限；修改在员工的下一次操作时立即生效。",
                "Create staff sub-accounts for your shop and set their permissions; changes apply on the staff member's next request.",
            ),
            Self::IntroFactory => (
                "为厂商创建员工账号，权限只有打印面单和发货；修改在员工的下一次操作时立即生效。",
                "Create staff accounts for your factory: printing labels and shipping are the only permissions; changes apply on the staff member's next request.",
            ),
            Self::Forbidden => ("只有店主可以管理员工账号。", "Only shop owners manage staff accounts."),
            Self::CreateTitle => ("新建员工账号", "New staff account"),
            Self::UsernameHint => ("3–32 位小写字母、数字、- 或 _", "3 to 32 lower-case letters, digits, - or _"),
            Self::PasswordHint => ("至少 8 个字符", "At least 8 characters"),
            Self::Permissions => ("权限", "Permissions"),
            Self::Create => ("创建账号", "Create account"),
            Self::Creating => ("创建中…", "Creating…"),
            Self::UsernameInvalid => ("用户名须为 3–32 位小写字母、数字、- 或 _", "The user name must be 3 to 32 lower-case letters, digits, - or _"),
            Self::PasswordInvalid => ("密码至少 8 个字符", "The password must have at least 8 characters"),
            Self::List => ("员工列表", "Staff"),
            Self::Empty => ("还没有员工账号", "No staff accounts yet"),
            Self::State => ("状态", "State"),
            Self::Enabled => ("正常", "Active"),
            Self::Disabled => ("已停用", "Disabled"),
            Self::Created => ("创建时间", "Created"),
            Self::SavePerms => ("保存权限", "Save permissions"),
            Self::Saving => ("保存中…", "Saving…"),
            Self::Disable => ("停用", "Disable"),
            Self::Enable => ("启用", "Enable"),
            Self::DisableQuestion => ("停用后该员工会立即退出登录且无法登录，确定停用？", "The account is logged out at once and cannot log in. Disable it?"),
            Self::DisableConfirm => ("确定停用", "Disable"),
            Self::Reset => ("重置密码", "Reset password"),
            Self::NewPassword => ("新密码", "New password"),
            Self::ResetQuestion => ("重置后该员工的所有登录会话将失效。", "All of the account's sessions end."),
            Self::ResetConfirm => ("确定重置", "Reset"),
            Self::PermView => ("查看订单", "View orders"),
            Self::PermReveal => ("解密查看", "Reveal"),
            Self::PermPrint => ("打印面单", "Print labels"),
            Self::PermShip => ("发货", "Ship"),
            Self::PermExport => ("导出", "Export"),
            Self::PermAssign => ("分配工厂", "Assign to factories"),
            Self::PermSms => ("发送短信", "Send SMS"),
            Self::PermQuota => ("申请额度", "Apply for quota"),
            Self::PermNone => ("无权限", "No permissions"),
        }
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
