//! Third-party (ISV) apps.
//!
//! * A **shop owner** sees the enabled apps, each with the shop's authorization state
//!   (authorized with scopes and date, not authorized, revoked), authorizes one with chosen
//!   scopes (`orders.read` + `reveal` preselected) and, with `reveal`, the purposes it may
//!   reveal for (at least one; manual shipping preselected), and revokes a live authorization
//!   after a confirmation step; below, the shop's authorization history with the purposes.
//! * A **factory owner** sees the same table for its print software: the scopes it grants are
//!   `orders.read`, `print` and `ship` (all preselected), never `reveal`; the app then reads
//!   the orders assigned to the factory, allocates, prints and ships for them.
//! * A **platform admin** registers apps (name, web origins checked here as
//!   `http(s)://host[:port]` before the server checks them again) and sees the app id and
//!   secret of a new app once; below, every app (each with a disable / enable button) and
//!   every shop's authorizations.
//!
//! After each action both lists are read again; the tables stay on screen meanwhile so a
//! row's checkboxes and the keyboard focus are kept. The owner's table is in `owner.rs`, the
//! registration form in `register.rs`.

mod owner;
mod register;

use std::rc::Rc;

use orderveil_api::{IsvApp, IsvAuthorization, IsvAuthorizationCreate, RevealPurpose, Role, Scope};
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::notice::{Said, outcome_notice};
use crate::components::purpose;
use crate::components::states::{self, Load, when};
use crate::i18n::{self, AdminMsg, AppsMsg, CommonMsg, Lang, StaffMsg};
use crate::session::{use_lang, use_session};
use owner::{Grant, owner_apps};
use register::RegisterForm;

/// A scope's name.
pub(super) fn scope_key(s: Scope) -> AppsMsg {
    match s {
        Scope::OrdersRead => AppsMsg::ScopeOrdersRead,
        Scope::Reveal => AppsMsg::ScopeReveal,
        Scope::Print => AppsMsg::ScopePrint,
        Scope::Ship => AppsMsg::ScopeShip,
    }
}

/// Scopes by name, in the fixed order, e.g. `查看订单、解密`.
pub(super) fn scope_names(l: Lang, scopes: &[Scope]) -> String {
    let names: Vec<&str> = Scope::ALL.into_iter().filter(|s| scopes.contains(s)).map(|s| l.t(scope_key(s))).collect();
    names.join(if l == Lang::Zh { "、" } else { ", " })
}

pub(super) fn scope_list(scopes: &[Scope]) -> String {
    Scope::ALL.into_iter().filter(|s| scopes.contains(s)).map(Scope::as_str).collect::<Vec<_>>().join(",")
}

/// Purposes by name, in the fixed order, e.g. `手工发货、售后处理`.
pub(super) fn purpose_names(l: Lang, purposes: &[RevealPurpose]) -> String {
    let names: Vec<&str> = RevealPurpose::ALL.into_iter().filter(|p| purposes.contains(p)).map(|p| purpose::label(l, p)).collect();
    names.join(if l == Lang::Zh { "、" } else { ", " })
}

pub(super) fn purpose_list(purposes: &[RevealPurpose]) -> String {
    RevealPurpose::ALL.into_iter().filter(|p| purposes.contains(p)).map(RevealPurpose::as_str).collect::<Vec<_>>().join(",")
}

/// Give the element the keyboard focus.
pub(super) fn focus(r: &NodeRef) {
    if let Some(el) = r.cast::<HtmlElement>() {
        let _ = el.focus();
    }
}

/// Both lists, as the server answered them.
#[derive(PartialEq)]
pub(super) struct Data {
    pub(super) apps: Vec<Rc<IsvApp>>,
    /// Newest first.
    pub(super) auths: Vec<Rc<IsvAuthorization>>,
}

/// The last action's result, shown above the tables until closed or replaced.
#[derive(Clone, PartialEq)]
enum Outcome {
    Authorized(String),
    Revoked(String),
    Registered(String),
    /// Disabled (`true`) or enabled again.
    Toggled(bool, String),
    Failed(ApiFailure),
}

/// Both lists, read again.
async fn read_data() -> Result<Data, ApiFailure> {
    let apps = api::isv_apps().await?;
    let auths = api::isv_authorizations().await?;
    Ok(Data { apps: apps.into_iter().map(Rc::new).collect(), auths: auths.into_iter().map(Rc::new).collect() })
}

/// The apps page.
#[function_component(Apps)]
pub fn apps() -> Html {
    let (l, s) = (use_lang(), use_session());
    let admin = s.user.role == Role::Admin;
    let factory = s.user.role == Role::Factory;
    // What is on screen stays there while the lists are read again.
    let (load, reload) = states::use_load((), |_| read_data());
    let outcome = use_state(|| None::<Outcome>);
    // The app an action is under way for (every action button waits meanwhile).
    let busy = use_state(|| None::<String>);
    let csrf = s.csrf_token.clone();
    let on_authorize = {
        let (csrf, load, outcome, busy) = (csrf.clone(), load.clone(), outcome.clone(), busy.clone());
        Callback::from(move |(app, scopes, purposes): Grant| {
            let (csrf, load, outcome, busy) = (csrf.clone(), load.clone(), outcome.clone(), busy.clone());
            busy.set(Some(app.app_id.clone()));
            wasm_bindgen_futures::spawn_local(async move {
                let req = IsvAuthorizationCreate { app_id: app.app_id.clone(), scopes, purposes };
                outcome.set(Some(match api::authorize_isv_app(&csrf, &req).await {
                    Ok(_) => Outcome::Authorized(app.name.clone()),
                    Err(e) => Outcome::Failed(e),
                }));
                // The buttons wait until the lists show the result.
                load.set(read_data().await.into());
                busy.set(None);
            });
        })
    };
    let on_revoke = {
        let (csrf, load, outcome, busy) = (csrf.clone(), load.clone(), outcome.clone(), busy.clone());
        Callback::from(move |auth: Rc<IsvAuthorization>| {
            let (csrf, load, outcome, busy) = (csrf.clone(), load.clone(), outcome.clone(), busy.clone());
            busy.set(Some(auth.app_id.clone()));
            wasm_bindgen_futures::spawn_local(async move {
                outcome.set(Some(match api::revoke_isv_authorization(&csrf, auth.id).await {
                    Ok(_) => Outcome::Revoked(auth.app_name.clone()),
                    Err(e) => Outcome::Failed(e),
                }));
                load.set(read_data().await.into());
                busy.set(None);
            });
        })
    };
    let on_toggle = {
        let (csrf, load, outcome, busy) = (csrf.clone(), load.clone(), outcome.clone(), busy.clone());
        Callback::from(move |app: Rc<IsvApp>| {
            let (csrf, load, outcome, busy) = (csrf.clone(), load.clone(), outcome.clone(), busy.clone());
            busy.set(Some(app.app_id.clone()));
            wasm_bindgen_futures::spawn_local(async move {
                outcome.set(Some(match api::isv_app_update(&csrf, &app.app_id, !app.disabled).await {
                    Ok(a) => Outcome::Toggled(a.disabled, a.name),
                    Err(e) => Outcome::Failed(e),
                }));
                load.set(read_data().await.into());
                busy.set(None);
            });
        })
    };
    let on_registered = {
        let (reload, outcome) = (reload.clone(), outcome.clone());
        Callback::from(move |name: String| {
            outcome.set(Some(Outcome::Registered(name)));
            reload.set(*reload + 1);
        })
    };
    let notice = outcome_notice(l, &outcome, |o| {
        let done = |what: &str, n: &str| Said { ok: true, id: "apps-status", code: what.to_string(), text: i18n::app_done(l, what, n) };
        match o {
            Outcome::Failed(e) => Said { ok: false, id: "apps-notice", code: e.code(), text: e.text(l) },
            Outcome::Authorized(n) => done("authorized", n),
            Outcome::Revoked(n) => done("revoked", n),
            Outcome::Registered(n) => done("registered", n),
            Outcome::Toggled(off, n) => done(if *off { "disabled" } else { "enabled" }, n),
        }
    });
    let body = match &*load {
        Load::Loading => states::loading(l, "apps-loading", true),
        Load::Failed(e) => states::failed_retry(l, "apps-error", e, states::retry_afresh(&load, &reload), true),
        Load::Ok(d) if admin => html! { <>{ admin_apps(l, &d.apps, busy.as_deref(), &on_toggle) }{ authorizations(l, &d.auths, true, true) }</> },
        Load::Ok(d) => {
            html! { <>{ owner_apps(l, d, busy.as_deref(), factory, &on_authorize, &on_revoke) }{ authorizations(l, &d.auths, false, !factory) }</> }
        }
    };
    html! {
        <section class="apps-page" id="apps-page" data-view={if admin { "admin" } else if factory { "factory" } else { "owner" }}>
            <div class="toolbar"><h2>{ l.t(AppsMsg::Title) }</h2></div>
            <p class="state">{ l.t(if admin { AppsMsg::IntroAdmin } else if factory { AppsMsg::IntroFactory } else { AppsMsg::IntroOwner }) }</p>
            <div class="live" aria-live="polite">{ notice }</div>
            if admin { <RegisterForm {on_registered} /> }
            { body }
        </section>
    }
}

/// The admin's table of every registered app, each with a disable / enable button.
fn admin_apps(l: Lang, apps: &[Rc<IsvApp>], busy: Option<&str>, on_toggle: &Callback<Rc<IsvApp>>) -> Html {
    let rows = if apps.is_empty() {
        html! { <p class="state" id="apps-empty">{ l.t(AppsMsg::EmptyAdmin) }</p> }
    } else {
        states::table("isv-apps", html! { <>
            <th>{ l.t(AppsMsg::Name) }</th><th>{ l.t(AppsMsg::Id) }</th><th>{ l.t(AppsMsg::Origins) }</th>
            <th>{ l.t(CommonMsg::Status) }</th><th>{ l.t(AppsMsg::Created) }</th><th>{ l.t(CommonMsg::Actions) }</th>
        </> }, html! { <>
            { for apps.iter().map(|a| {
                let (class, key) = if a.disabled { ("app-enable", StaffMsg::Enable) } else { ("app-disable danger", StaffMsg::Disable) };
                let toggle = {
                    let (cb, a) = (on_toggle.clone(), a.clone());
                    Callback::from(move |_: MouseEvent| cb.emit(a.clone()))
                };
                let label = if busy == Some(a.app_id.as_str()) { l.t(AdminMsg::ReviewWorking) } else { l.t(key) };
                html! {
                    <tr key={a.app_id.as_str()} data-app-id={a.app_id.clone()} data-disabled={a.disabled.to_string()}>
                        <td class="app-name">{ a.name.clone() }</td>
                        <td class="mono app-id">{ a.app_id.clone() }</td>
                        <td class="origins">{ for a.origins.iter().map(|o| html! { <div class="mono">{ o.clone() }</div> }) }</td>
                        <td class="app-state">{ l.t(if a.disabled { AppsMsg::Disabled } else { AppsMsg::Enabled }) }</td>
                        <td>{ when(&a.created_at) }</td>
                        <td class="actions"><button type="button" {class} onclick={toggle} disabled={busy.is_some()}
                                aria-label={format!("{} · {}", l.t(key), a.name)}>{ label }</button></td>
                    </tr>
                }
            }) }
        </> })
    };
    html! { <div class="card"><h3>{ l.t(AppsMsg::ListAdmin) }</h3>{ rows }</div> }
}

/// Authorizations, newest first: the owner's shop's or factory's, or every one (with the shop
/// or `factory:<id>`) for an admin; without the purposes column for a factory (its apps never
/// reveal).
fn authorizations(l: Lang, auths: &[Rc<IsvAuthorization>], admin: bool, purposes: bool) -> Html {
    let rows = if auths.is_empty() {
        html! { <p class="state" id="authorizations-empty">{ l.t(AppsMsg::AuthsEmpty) }</p> }
    } else {
        states::table("isv-authorizations", html! { <>
            <th>{ l.t(AppsMsg::Name) }</th>
            if admin { <th>{ l.t(CommonMsg::AdminShop) }</th> }
            <th>{ l.t(AppsMsg::Scopes) }</th>if purposes { <th>{ l.t(AppsMsg::Purposes) }</th> }<th>{ l.t(AppsMsg::GrantedBy) }</th><th>{ l.t(AppsMsg::AuthCreated) }</th><th>{ l.t(AppsMsg::State) }</th>
        </> }, html! { <>
            { for auths.iter().map(|a| {
                let state = if a.revoked_at.is_some() { "revoked" } else { "live" };
                html! {
                    <tr key={a.id.to_string()} data-authorization-id={a.id.to_string()} data-app-id={a.app_id.clone()} data-state={state}
                        data-scopes={scope_list(&a.scopes)} data-purposes={purpose_list(&a.purposes)}>
                        <td>{ a.app_name.clone() }<div class="mono muted">{ a.app_id.clone() }</div></td>
                        if admin { <td class="mono tenant">{ a.shop_id.clone().or_else(|| a.factory_id.as_ref().map(|f| format!("factory:{f}"))) }</td> }
                        <td>{ scope_names(l, &a.scopes) }</td>
                        if purposes { <td class="purposes">{ purpose_names(l, &a.purposes) }</td> }
                        <td>{ a.granted_by.clone() }</td>
                        <td>{ when(&a.created_at) }</td>
                        <td>{
                            match &a.revoked_at {
                                Some(t) => html! { <><span class="badge revoked">{ l.t(AppsMsg::AuthRevoked) }</span><small class="since">{ when(t) }</small></> },
                                None => html! { <span class="badge live">{ l.t(AppsMsg::AuthLive) }</span> },
                            }
                        }</td>
                    </tr>
                }
            }) }
        </> })
    };
    html! { <div class="card"><h3>{ l.t(AppsMsg::AuthsTitle) }</h3>{ rows }</div> }
}
