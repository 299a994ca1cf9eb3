//! Pages, and which bundle renders which (see the library's docs).
pub mod apps;
pub mod login;
pub mod order;
pub mod orders;
pub mod quota;
pub mod staff;
pub mod audit;
pub mod admin_applications;
pub mod admin_settings;
pub mod admin_shops;
pub mod waybill_accounts;
pub mod waybills;
pub mod shipments_upload;

use orderveil_api::{Permission, QuotaToday, Role, SessionInfo};
use yew::prelude::*;

use crate::i18n::{AdminMsg, AppsMsg, AuditMsg, FulfilMsg, Lang, StaffMsg, Text};
use crate::route::Route;

/// What every page gets from the root.
pub struct PageCtx<'a> {
    /// UI language.
    pub lang: Lang,
    /// Who is logged in.
    pub session: &'a SessionInfo,
    /// Seconds a revealed value stays.
    pub reveal_secs: u32,
    /// Called with the quota after a reveal.
    pub on_quota: Callback<QuotaToday>,
    /// Go to another page.
    pub on_nav: Callback<Route>,
}

/// A bundle's page renderer: `None` for a route of the other bundle.
pub type PageFn = fn(&Route, &PageCtx<'_>) -> Option<Html>;

/// Does this shop user (owner, or staff granted it) have `p`? The server decides each request;
/// this only shows the controls.
pub fn may(session: &SessionInfo, p: Permission) -> bool {
    matches!(session.user.role, Role::Owner | Role::Staff) && session.user.permissions.contains(&p)
}

fn refused(id: &'static str, l: Lang, key: impl Text) -> Option<Html> {
    Some(html! { <p class="state" {id}>{ l.t(key) }</p> })
}

/// The main bundle's pages.
pub fn main_page(route: &Route, c: &PageCtx<'_>) -> Option<Html> {
    let (l, s, secs) = (c.lang, c.session.clone(), c.reveal_secs);
    let (on_quota, on_nav) = (c.on_quota.clone(), c.on_nav.clone());
    let owner_or_admin = matches!(s.user.role, Role::Owner | Role::Admin);
    match route {
        Route::Orders => Some(html! { <orders::Orders lang={l} session={s} reveal_secs={secs} {on_quota} {on_nav} /> }),
        Route::Order(id) => Some(html! { <order::OrderPage lang={l} session={s} order_id={id.clone()} reveal_secs={secs} {on_quota} {on_nav} /> }),
        Route::Quota => Some(html! { <quota::Quota lang={l} session={s} {on_quota} /> }),
        Route::Apps if owner_or_admin => Some(html! { <apps::Apps lang={l} session={s} /> }),
        Route::Apps => refused("apps-forbidden", l, AppsMsg::Forbidden),
        Route::Staff if s.user.role == Role::Owner => Some(html! { <staff::Staff lang={l} session={s} /> }),
        Route::Staff => refused("staff-forbidden", l, StaffMsg::Forbidden),
        Route::Audit if owner_or_admin => Some(html! { <audit::Audit lang={l} session={s} /> }),
        Route::Audit => refused("audit-forbidden", l, AuditMsg::Forbidden),
        _ => None,
    }
}

/// The console bundle's pages: fulfilment and the platform admin console.
pub fn console_page(route: &Route, c: &PageCtx<'_>) -> Option<Html> {
    let (l, s) = (c.lang, c.session.clone());
    let admin = s.user.role == Role::Admin;
    match route {
        Route::AdminApplications if admin => Some(html! { <admin_applications::AdminApplications lang={l} session={s} /> }),
        Route::AdminApplications => refused("applications-forbidden", l, AdminMsg::ReviewForbidden),
        Route::AdminShops if admin => Some(html! { <admin_shops::AdminShops lang={l} session={s} /> }),
        Route::AdminShops => refused("shops-forbidden", l, AdminMsg::AdminOnly),
        Route::AdminSettings if admin => Some(html! { <admin_settings::AdminSettings lang={l} session={s} /> }),
        Route::AdminSettings => refused("settings-forbidden", l, AdminMsg::AdminOnly),
        Route::WaybillAccounts if waybills::can_print(&s) || admin => Some(html! { <waybill_accounts::WaybillAccounts lang={l} session={s} /> }),
        Route::WaybillAccounts => refused("wa-forbidden", l, FulfilMsg::AccountForbidden),
        Route::Waybills if waybills::can_print(&s) => Some(html! { <waybills::Waybills lang={l} session={s} on_nav={c.on_nav.clone()} /> }),
        Route::Waybills => refused("wb-forbidden", l, FulfilMsg::WaybillForbidden),
        Route::ShipmentsUpload if may(&s, Permission::Ship) => Some(html! { <shipments_upload::ShipmentsUpload lang={l} session={s} /> }),
        Route::ShipmentsUpload => refused("upload-forbidden", l, FulfilMsg::UploadForbidden),
        _ => None,
    }
}
