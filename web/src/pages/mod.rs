//! Pages, and which bundle renders which (see the library's docs).
pub mod account;
pub mod apps;
pub mod login;
pub mod order;
pub mod orders;
pub mod quota;
pub mod staff;
pub mod audit;
pub mod admin_applications;
pub mod admin_factories;
pub mod admin_settings;
pub mod admin_shops;
pub mod waybill_accounts;
pub mod waybills;
pub mod shipments_upload;
pub mod dropship;
pub mod factory_bindings;
pub mod factory_orders;
pub mod sms;
pub mod admin_sms;
pub mod admin_exposure;

use orderveil_api::{Permission, Role};
use yew::prelude::*;

use crate::i18n::{AdminMsg, AppsMsg, AuditMsg, DropshipMsg, FulfilMsg, Lang, SmsMsg, StaffMsg, Text};
use crate::route::Route;
use crate::session::{Session, use_lang};

/// A bundle's page renderer: `None` for a route of the other bundle. The session decides
/// which pages the user may open (the server decides each request; this only picks the page).
pub type PageFn = fn(&Route, &Session) -> Option<Html>;

/// Props of [`Refused`].
#[derive(Properties, PartialEq)]
struct RefusedProps {
    id: &'static str,
    /// Why not, in both languages.
    why: (&'static str, &'static str),
}

/// `<p class="state" id>why not</p>`: a page the user may not open.
#[function_component(Refused)]
fn refused_note(p: &RefusedProps) -> Html {
    let l = use_lang();
    html! { <p class="state" id={p.id}>{ if l == Lang::En { p.why.1 } else { p.why.0 } }</p> }
}

fn refused(id: &'static str, why: impl Text) -> Option<Html> {
    Some(html! { <Refused {id} why={why.zh_en()} /> })
}

/// The main bundle's pages.
pub fn main_page(route: &Route, s: &Session) -> Option<Html> {
    let owner_or_admin = matches!(s.user.role, Role::Owner | Role::Admin);
    // A factory's owner reads its own audit chain, manages its staff and authorizes its print
    // software on the same pages.
    let factory_owner = s.user.role == Role::Factory;
    match route {
        Route::Orders => Some(html! { <orders::Orders /> }),
        Route::Order(id) => Some(html! { <order::OrderPage order_id={id.clone()} /> }),
        Route::Quota => Some(html! { <quota::Quota /> }),
        Route::Apps if owner_or_admin || factory_owner => Some(html! { <apps::Apps /> }),
        Route::Apps => refused("apps-forbidden", AppsMsg::Forbidden),
        Route::Staff if s.user.role == Role::Owner || factory_owner => Some(html! { <staff::Staff /> }),
        Route::Staff => refused("staff-forbidden", StaffMsg::Forbidden),
        Route::Audit if owner_or_admin || factory_owner => Some(html! { <audit::Audit /> }),
        Route::Audit => refused("audit-forbidden", AuditMsg::Forbidden),
        Route::Account => Some(html! { <account::Account /> }),
        _ => None,
    }
}

/// The console bundle's pages: fulfilment, dropshipping (the shop's page and the factory
/// console) and the platform admin console.
pub fn console_page(route: &Route, s: &Session) -> Option<Html> {
    let admin = s.admin();
    match route {
        Route::AdminApplications if admin => Some(html! { <admin_applications::AdminApplications /> }),
        Route::AdminApplications => refused("applications-forbidden", AdminMsg::ReviewForbidden),
        Route::AdminShops if admin => Some(html! { <admin_shops::AdminShops /> }),
        Route::AdminShops => refused("shops-forbidden", AdminMsg::AdminOnly),
        Route::AdminFactories if admin => Some(html! { <admin_factories::AdminFactories /> }),
        Route::AdminFactories => refused("factories-forbidden", AdminMsg::AdminOnly),
        Route::AdminSettings if admin => Some(html! { <admin_settings::AdminSettings /> }),
        Route::AdminSettings => refused("settings-forbidden", AdminMsg::AdminOnly),
        Route::WaybillAccounts if s.can_print() || admin => Some(html! { <waybill_accounts::WaybillAccounts /> }),
        Route::WaybillAccounts => refused("wa-forbidden", FulfilMsg::AccountForbidden),
        Route::Waybills if s.can_print() || s.factory_may(Permission::Ship) => Some(html! { <waybills::Waybills /> }),
        Route::Waybills => refused("wb-forbidden", FulfilMsg::WaybillForbidden),
        Route::ShipmentsUpload if s.may(Permission::Ship) || s.factory_may(Permission::Ship) => Some(html! { <shipments_upload::ShipmentsUpload /> }),
        Route::ShipmentsUpload => refused("upload-forbidden", FulfilMsg::UploadForbidden),
        Route::Dropship if s.may(Permission::Assign) => Some(html! { <dropship::Dropship /> }),
        Route::Dropship => refused("dropship-forbidden", DropshipMsg::Forbidden),
        Route::FactoryOrders if s.factory() => Some(html! { <factory_orders::FactoryOrders /> }),
        Route::FactoryOrders => refused("factory-only", DropshipMsg::FactoryOnly),
        Route::FactoryBindings if s.user.role == Role::Factory => Some(html! { <factory_bindings::FactoryBindings /> }),
        Route::FactoryBindings => refused("fb-forbidden", DropshipMsg::FbForbidden),
        Route::Sms if s.may(Permission::Sms) => Some(html! { <sms::Sms /> }),
        Route::Sms => refused("sms-forbidden", SmsMsg::Forbidden),
        Route::AdminSms if admin => Some(html! { <admin_sms::AdminSms /> }),
        Route::AdminSms => refused("sms-review-forbidden", AdminMsg::AdminOnly),
        Route::AdminExposure if admin => Some(html! { <admin_exposure::AdminExposure /> }),
        Route::AdminExposure => refused("exposure-forbidden", AdminMsg::AdminOnly),
        _ => None,
    }
}
