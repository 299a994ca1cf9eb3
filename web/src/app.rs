//! The root: session, language and route state; the header (role-aware navigation, quota
//! meter, the reveal purpose for users who reveal, user, logout, language); and which page shows.

use gloo_events::EventListener;
use orderveil_api::{Permission, QuotaToday, Role, SessionInfo};
use yew::prelude::*;

use crate::api;
use crate::components::purpose::PurposePicker;
use crate::components::quota_meter::QuotaMeter;
use crate::components::reveal::can_reveal;
use crate::config;
use crate::i18n::{CommonMsg, Lang};
use crate::pages::orders::route_link;
use crate::pages::{PageCtx, may};
use crate::pages::login::Login;
use crate::pages::waybills::can_print;
use crate::components::quota_watch::QuotaWatch;
use crate::route::Route;

/// Whether we know who is logged in yet.
#[derive(Clone, PartialEq)]
enum Auth {
    Checking,
    Anonymous,
    In(SessionInfo),
}

fn role_key(r: Role) -> CommonMsg {
    match r {
        Role::Owner => CommonMsg::RoleOwner,
        Role::Staff => CommonMsg::RoleStaff,
        Role::Factory => CommonMsg::RoleFactory,
        Role::Admin => CommonMsg::RoleAdmin,
    }
}

/// The app.
#[function_component(App)]
pub fn app() -> Html {
    let lang = use_state(Lang::load);
    let auth = use_state(|| Auth::Checking);
    let route = use_state(Route::current);
    // `_eq`: a reveal that charges nothing new (a re-reveal today) does not re-render the root.
    let quota = use_state_eq(|| None::<QuotaToday>);
    let reveal_secs = use_state(config::reveal_secs);
    {
        let auth = auth.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                auth.set(match api::me().await {
                    Ok(s) => Auth::In(s),
                    Err(_) => Auth::Anonymous,
                });
            });
        });
    }
    {
        // Back and forward buttons.
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| EventListener::new(&w, "popstate", move |_| route.set(Route::current())));
            move || drop(listener)
        });
    }
    {
        // The header meter of a shop user: loaded at login, then updated by every reveal.
        let quota = quota.clone();
        let shop_user = matches!(&*auth, Auth::In(s) if matches!(s.user.role, Role::Owner | Role::Staff));
        use_effect_with(shop_user, move |shop_user| {
            if *shop_user {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(r) = api::quota(None).await {
                        quota.set(Some(r.today));
                    }
                });
            } else {
                quota.set(None);
            }
        });
    }
    // Stable callbacks (created once): a new callback on every render would count as new
    // props and re-render the whole order table each time the header meter moves, which
    // happens on every reveal.
    let on_quota = {
        let quota = quota.clone();
        use_callback((), move |q: QuotaToday, _| quota.set(Some(q)))
    };
    let on_nav = {
        let route = route.clone();
        use_callback((), move |r: Route, _| {
            if r.elsewhere() && r.load() {
                return;
            }
            r.push();
            route.set(r);
        })
    };
    let switch = {
        let lang = lang.clone();
        Callback::from(move |_| {
            let next = lang.toggled();
            next.save();
            lang.set(next);
        })
    };
    let on_login = {
        let auth = auth.clone();
        Callback::from(move |s: SessionInfo| auth.set(Auth::In(s)))
    };
    let l = *lang;
    let (nav, header_user) = match &*auth {
        Auth::In(s) => {
            let csrf = s.csrf_token.clone();
            let auth = auth.clone();
            let logout = Callback::from(move |_| {
                let (csrf, auth) = (csrf.clone(), auth.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = api::logout(&csrf).await;
                    auth.set(Auth::Anonymous);
                });
            });
            let item = |r: Route, key: CommonMsg, id: &'static str| {
                let current = match (&r, &*route) {
                    (Route::Orders, Route::Order(_)) => true,
                    (a, b) => a == b,
                };
                html! {
                    <li id={id} class={classes!(current.then_some("current"))} aria-current={current.then_some("page")}>
                        { route_link(r, &on_nav, "nav-link", html! { { l.t(key) } }) }
                    </li>
                }
            };
            // Labels: owners and staff with `print`; the admin reviews the accounts.
            let print = can_print(s);
            let waybills = html! { if print { { item(Route::Waybills, CommonMsg::NavWaybills, "nav-waybills") }{ item(Route::WaybillAccounts, CommonMsg::NavWaybillAccounts, "nav-waybill-accounts") } } };
            // Bulk shipping by file: owners and staff with `ship`.
            let waybills = html! { <>{ waybills }if may(s, Permission::Ship) { { item(Route::ShipmentsUpload, CommonMsg::NavShipments, "nav-shipments") } }</> };
            let items = match s.user.role {
                Role::Staff => html! { <>{ item(Route::Orders, CommonMsg::NavOrders, "nav-orders") }{ item(Route::Quota, CommonMsg::NavQuota, "nav-quota") }{ waybills }</> },
                // Third-party apps: owners authorize them for their shop, admins register them.
                Role::Owner | Role::Admin => html! { <>
                    { item(Route::Orders, CommonMsg::NavOrders, "nav-orders") }{ item(Route::Quota, CommonMsg::NavQuota, "nav-quota") }{ item(Route::Apps, CommonMsg::NavApps, "nav-apps") }
                    if s.user.role == Role::Owner { { item(Route::Staff, CommonMsg::NavStaff, "nav-staff") } }
                    { waybills }
                    { item(Route::Audit, CommonMsg::NavAudit, "nav-audit") }
                    if s.user.role == Role::Admin { { item(Route::AdminApplications, CommonMsg::NavApplications, "nav-applications") } }
                    if s.user.role == Role::Admin { { item(Route::AdminShops, CommonMsg::NavShops, "nav-shops") }{ item(Route::AdminSettings, CommonMsg::NavSettings, "nav-settings") } }
                    if s.user.role == Role::Admin { { item(Route::WaybillAccounts, CommonMsg::NavWaReview, "nav-waybill-accounts") } }
                </> },
                Role::Factory => item(Route::Orders, CommonMsg::NavFactory, "nav-factory"),
            };
            let shop_user = matches!(s.user.role, Role::Owner | Role::Staff);
            (
                html! { <nav class="pages" aria-label={l.t(CommonMsg::NavMain)}><ul>{ items }</ul></nav> },
                html! {
                    <>
                        if shop_user { <QuotaMeter lang={l} today={(*quota).clone()} /> }
                        if can_reveal(s) { <PurposePicker lang={l} /> }
                        <span class="user">{ &s.user.username }<small class="role">{ l.t(role_key(s.user.role)) }</small></span>
                        <button class="link" id="logout" onclick={logout}>{ l.t(CommonMsg::Logout) }</button>
                    </>
                },
            )
        }
        _ => (html! {}, html! {}),
    };
    // Shop users: the meter follows approvals (poll + focus); decisions and a suspended shop
    // show a banner.
    let watch = match &*auth {
        Auth::In(s) if matches!(s.user.role, Role::Owner | Role::Staff) => {
            let suspended = quota.as_ref().is_some_and(|q| q.shop_suspended);
            html! { <QuotaWatch lang={l} session={s.clone()} on_quota={on_quota.clone()} {suspended} /> }
        }
        _ => html! {},
    };
    let secs = *reveal_secs;
    let body = match &*auth {
        Auth::Checking => html! { <p class="state">{ l.t(CommonMsg::Loading) }</p> },
        Auth::Anonymous => html! { <Login lang={l} {on_login} /> },
        Auth::In(s) if s.user.role == Role::Factory => html! { <p class="state" id="factory-note">{ l.t(CommonMsg::FactoryNote) }</p> },
        Auth::In(s) => {
            let ctx = PageCtx { lang: l, session: s, reveal_secs: secs, on_quota, on_nav };
            match crate::route::pages().and_then(|page| page(&route, &ctx)) {
                Some(page) => page,
                // The other bundle's route (e.g. history navigation across bundles): load it.
                None if route.load() => html! { <p class="state">{ l.t(CommonMsg::Loading) }</p> },
                None => html! { <p class="error" role="alert" id="bundle-missing">{ l.t(CommonMsg::BundleMissing) }</p> },
            }
        }
    };
    html! {
        <>
            <header>
                <h1>{ l.t(CommonMsg::AppName) }</h1>
                { nav }
                <div class="tools">
                    { header_user }
                    <button class="link" id="lang-switch" onclick={switch}>{ l.t(CommonMsg::Switch) }</button>
                </div>
            </header>
            <main>{ watch }{ body }</main>
        </>
    }
}
