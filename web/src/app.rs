//! The root: the [`SessionProvider`] around the frame, the header (role-aware navigation,
//! quota meter, the reveal purpose for users who reveal, user, logout, language) and the
//! page the route names, from the running bundle's pages.

use std::cell::Cell;

use orderveil_api::{Permission, Role};
use yew::prelude::*;

use crate::components::link::RouteLink;
use crate::components::purpose::PurposePicker;
use crate::components::quota_meter::QuotaMeter;
use crate::components::quota_watch::QuotaWatch;
use crate::components::reveal::can_reveal;
use crate::i18n::{CommonMsg, Lang};
use crate::pages::PageFn;
use crate::pages::login::Login;
use crate::route::Route;
use crate::session::{Auth, Session, SessionProvider, use_lang, use_shell};

thread_local! {
    /// The running bundle's page renderer, set once by [`crate::start`].
    static PAGES: Cell<Option<PageFn>> = const { Cell::new(None) };
}

/// Record the running bundle's page renderer.
pub fn set_pages(pages: PageFn) {
    PAGES.with(|p| p.set(Some(pages)));
}

/// The app.
#[function_component(App)]
pub fn app() -> Html {
    html! {
        <SessionProvider>
            <Header />
            <main><Watch /><Body /></main>
        </SessionProvider>
    }
}

fn role_name(r: Role) -> CommonMsg {
    match r {
        Role::Owner => CommonMsg::RoleOwner,
        Role::Staff => CommonMsg::RoleStaff,
        Role::Factory => CommonMsg::RoleFactory,
        Role::FactoryStaff => CommonMsg::RoleFactoryStaff,
        Role::Admin => CommonMsg::RoleAdmin,
    }
}

/// The header: the app's name, the navigation and the user's tools once logged in, the
/// language switch.
#[function_component(Header)]
fn header() -> Html {
    let l = use_lang();
    let Some(shell) = use_shell() else { return html! {} };
    let switch = shell.switch_lang.reform(|_: MouseEvent| ());
    let (nav, tools) = match &shell.auth {
        Auth::In(s) => {
            let logout = shell.logout.reform(|_: MouseEvent| ());
            (
                html! { <nav class="pages" aria-label={l.t(CommonMsg::NavMain)}><ul>{ nav_items(l, s, &shell.route) }</ul></nav> },
                html! {
                    <>
                        if s.shop_user() { <QuotaMeter /> }
                        if can_reveal(s) { <PurposePicker /> }
                        <RouteLink to={Route::Account} class="user" id="account-link">{ &s.user.username }<small class="role">{ l.t(role_name(s.user.role)) }</small></RouteLink>
                        <button class="link" id="logout" onclick={logout}>{ l.t(CommonMsg::Logout) }</button>
                    </>
                },
            )
        }
        _ => (html! {}, html! {}),
    };
    html! {
        <header>
            <h1>{ l.t(CommonMsg::AppName) }</h1>
            { nav }
            <div class="tools">
                { tools }
                <button class="link" id="lang-switch" onclick={switch}>{ l.t(CommonMsg::Switch) }</button>
            </div>
        </header>
    }
}

/// The navigation's items for the user's role and permissions.
fn nav_items(l: Lang, s: &Session, current: &Route) -> Html {
    let item = |r: Route, key: CommonMsg, id: &'static str| {
        let here = match (&r, current) {
            (Route::Orders, Route::Order(_)) => true,
            (a, b) => a == b,
        };
        html! {
            <li {id} class={classes!(here.then_some("current"))} aria-current={here.then_some("page")}>
                <RouteLink to={r} class="nav-link">{ l.t(key) }</RouteLink>
            </li>
        }
    };
    // Labels: owners and staff with `print`; the admin reviews the accounts.
    let waybills = html! {
        if s.can_print() { { item(Route::Waybills, CommonMsg::NavWaybills, "nav-waybills") }{ item(Route::WaybillAccounts, CommonMsg::NavWaybillAccounts, "nav-waybill-accounts") } }
    };
    // Bulk shipping by file: owners and staff with `ship`.
    let waybills = html! { <>{ waybills }if s.may(Permission::Ship) { { item(Route::ShipmentsUpload, CommonMsg::NavShipments, "nav-shipments") } }</> };
    // 厂商代发: owners and staff with `assign`.
    let waybills = html! { <>{ waybills }if s.may(Permission::Assign) { { item(Route::Dropship, CommonMsg::NavDropship, "nav-dropship") } }</> };
    // Platform SMS: owners and staff with `sms`.
    let waybills = html! { <>{ waybills }if s.may(Permission::Sms) { { item(Route::Sms, CommonMsg::NavSms, "nav-sms") } }</> };
    let role = s.user.role;
    match role {
        Role::Staff => html! { <>{ item(Route::Orders, CommonMsg::NavOrders, "nav-orders") }{ item(Route::Quota, CommonMsg::NavQuota, "nav-quota") }{ waybills }</> },
        // Third-party apps: owners authorize them for their shop, admins register them.
        Role::Owner | Role::Admin => html! { <>
            { item(Route::Orders, CommonMsg::NavOrders, "nav-orders") }{ item(Route::Quota, CommonMsg::NavQuota, "nav-quota") }{ item(Route::Apps, CommonMsg::NavApps, "nav-apps") }
            if role == Role::Owner { { item(Route::Staff, CommonMsg::NavStaff, "nav-staff") } }
            { waybills }
            { item(Route::Audit, CommonMsg::NavAudit, "nav-audit") }
            if role == Role::Admin { { item(Route::AdminApplications, CommonMsg::NavApplications, "nav-applications") } }
            if role == Role::Admin { { item(Route::AdminShops, CommonMsg::NavShops, "nav-shops") }{ item(Route::AdminFactories, CommonMsg::NavFactories, "nav-factories") }{ item(Route::AdminSettings, CommonMsg::NavSettings, "nav-settings") } }
            if role == Role::Admin { { item(Route::WaybillAccounts, CommonMsg::NavWaReview, "nav-waybill-accounts") }{ item(Route::AdminSms, CommonMsg::NavAdminSms, "nav-sms-review") }{ item(Route::AdminExposure, CommonMsg::NavExposure, "nav-exposure") } }
        </> },
        // The factory console: its orders, labels, its accounts; the owner also its bindings,
        // staff and audit chain.
        Role::Factory | Role::FactoryStaff => html! { <>
            { item(Route::FactoryOrders, CommonMsg::NavFactory, "nav-factory") }
            if s.can_print() || s.factory_may(Permission::Ship) { { item(Route::Waybills, CommonMsg::NavWaybills, "nav-waybills") } }
            if s.factory_may(Permission::Ship) { { item(Route::ShipmentsUpload, CommonMsg::NavShipments, "nav-shipments") } }
            if s.can_print() { { item(Route::WaybillAccounts, CommonMsg::NavWaybillAccounts, "nav-waybill-accounts") } }
            if role == Role::Factory { { item(Route::FactoryBindings, CommonMsg::NavBindings, "nav-bindings") }{ item(Route::Staff, CommonMsg::NavStaff, "nav-staff") }{ item(Route::Apps, CommonMsg::NavApps, "nav-apps") }{ item(Route::Audit, CommonMsg::NavAudit, "nav-audit") } }
        </> },
    }
}

/// The routes a factory user opens (any other shows its order list): the factory console's.
fn factory_route(s: &Session, r: &Route) -> bool {
    match r {
        Route::FactoryOrders | Route::Waybills | Route::WaybillAccounts | Route::Account => true,
        Route::ShipmentsUpload => s.factory_may(Permission::Ship),
        Route::FactoryBindings | Route::Staff | Route::Apps | Route::Audit => s.user.role == Role::Factory,
        _ => false,
    }
}

/// Shop users: the meter follows approvals (poll + focus); decisions and a suspended shop
/// show a banner.
#[function_component(Watch)]
fn watch() -> Html {
    match use_shell().map(|s| s.auth) {
        Some(Auth::In(s)) if s.shop_user() => html! { <QuotaWatch /> },
        _ => html! {},
    }
}

/// The page the route names (or the login form); a factory user on a shop's route (e.g. `/`
/// after the login) gets the factory's order list, a page load away in the console bundle.
#[function_component(Body)]
fn body() -> Html {
    let l = use_lang();
    let Some(shell) = use_shell() else { return html! {} };
    match &shell.auth {
        Auth::Checking => html! { <p class="state">{ l.t(CommonMsg::Loading) }</p> },
        Auth::Anonymous => html! { <Login /> },
        Auth::In(s) => {
            let route = if s.factory() && !factory_route(s, &shell.route) { &Route::FactoryOrders } else { &shell.route };
            match PAGES.with(Cell::get).and_then(|page| page(route, s)) {
            Some(page) => page,
            // The other bundle's route (e.g. history navigation across bundles): load it.
            None if route.load() => html! { <p class="state">{ l.t(CommonMsg::Loading) }</p> },
            None => html! { <p class="error" role="alert" id="bundle-missing">{ l.t(CommonMsg::BundleMissing) }</p> },
            }
        }
    }
}
