//! One's own account: the password change, the owner reset in the admin console, the login lock.

use super::{Lang, Text, duration};

/// A text of the account page and of password resets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountMsg {
    Title,
    ChangeTitle,
    Current,
    New,
    Repeat,
    Rules,
    Mismatch,
    Change,
    Changing,
    OwnerReset,
    OwnerResetQuestion,
}

impl Text for AccountMsg {
    fn zh_en(self) -> (&'static str, &'static str) {
        match self {
            Self::Title => ("我的账号", "My account"),
            Self::ChangeTitle => ("修改密码", "Change password"),
            Self::Current => ("当前密码", "Current password"),
            Self::New => ("新密码", "New password"),
            Self::Repeat => ("再次输入新密码", "New password again"),
            Self::Rules => (
                "8 到 256 个字符，不能包含用户名，不能是常见密码。修改后，您在其他设备上的登录会话将失效。",
                "8 to 256 characters, not containing your user name, not a common password. Your sessions on other devices end when you change it.",
            ),
            Self::Mismatch => ("两次输入的新密码不一致。", "The two new passwords differ."),
            Self::Change => ("修改密码", "Change password"),
            Self::Changing => ("正在修改…", "Changing…"),
            Self::OwnerReset => ("重置店主密码", "Reset owner's password"),
            Self::OwnerResetQuestion => ("重置后店主的所有登录会话将失效，请将新密码通过安全渠道告知店主。", "All of the owner's sessions end; give the owner the new password through a safe channel."),
        }
    }
}

/// The password was changed (`ended`: the other sessions that ended).
pub fn password_changed(lang: Lang, ended: u64) -> String {
    match lang {
        Lang::Zh => format!("密码已修改，已结束其他 {ended} 个登录会话。"),
        Lang::En => format!("Your password is changed; {ended} other session(s) ended."),
    }
}

/// An owner's password was reset.
pub fn owner_reset_done(lang: Lang, user: &str, ended: u64) -> String {
    match lang {
        Lang::Zh => format!("已重置店主「{user}」的密码，结束了 {ended} 个登录会话。"),
        Lang::En => format!("The password of owner {user} is reset; {ended} session(s) ended."),
    }
}

/// A login refused by the throttle: locked (`locked`) or only slowed down, for `secs`.
pub fn login_held(lang: Lang, locked: bool, secs: i64) -> String {
    let t = duration(lang, secs);
    match (lang, locked) {
        (Lang::Zh, true) => format!("登录失败次数过多，已暂时锁定，请在 {t} 后再试。"),
        (Lang::Zh, false) => format!("登录尝试过于频繁，请在 {t} 后再试。"),
        (Lang::En, true) => format!("Too many failed logins: locked for now. Try again in {t}."),
        (Lang::En, false) => format!("Too many login attempts in a row. Try again in {t}."),
    }
}
