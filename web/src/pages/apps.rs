//! Third-party (ISV) apps.
//!
//! * A **shop owner** sees the enabled apps, each with the shop's authorization state
//!   (authorized with scopes and date, not authorized, revoked), authorizes one with chosen
//!   scopes (`orders.read` + `reveal` preselected) and, with `reveal`, the purposes it may
//!   reveal for (at least one; manual shipping preselected), and revokes a live authorization
//!   after a confirmation step; below, the shop's authorization history with the purposes.
//! * A **platform admin** registers apps (name, web origins checked here as
//!   `http(s)://host[:port]` before the server checks them again) and sees the app id and
//!   secret of a new app once; below, every app (each with a disable / enable button) and
//!   every shop's authorizations.
//!
//! After each action both lists are read again; the tables stay on screen meanwhile so a
//! row's checkboxes and the keyboard focus are kept.

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use orderveil_api::{IsvApp, IsvAppCreate, IsvAuthorization, IsvAuthorizationCreate, RevealPurpose, Role, Scope};
use web_sys::HtmlElement;
use yew::prelude::*;
use zeroize::Zeroizing;

use crate::api::{self, ApiFailure};
use crate::components::notice::{Said, outcome_notice};
use crate::components::purpose;
use crate::components::states::{self, Load, value_of, when};
use crate::i18n::{self, AdminMsg, AppsMsg, CommonMsg, Lang, OrdersMsg, StaffMsg};
use crate::session::{use_lang, use_session};

/// Most origins an app registers (the server's limit).
pub const MAX_ORIGINS: usize = orderveil_api::ISV_MAX_ORIGINS;
/// Most characters of an app name (the server's limit).
pub const MAX_NAME: usize = 64;
/// Scopes checked for an app the shop has not authorized yet.
const DEFAULT_SCOPES: [Scope; 2] = [Scope::OrdersRead, Scope::Reveal];
/// Reveal purposes checked for an app the shop has not authorized yet.
const DEFAULT_PURPOSES: [RevealPurpose; 1] = [RevealPurpose::ManualShipping];

/// What an authorization grants: its scopes, and with `reveal` the purposes it may reveal for.
type Grant = (Rc<IsvApp>, Vec<Scope>, Vec<RevealPurpose>);

/// What is wrong with the registration form.
#[derive(Clone, Debug, PartialEq, Eq)]
enum FormError {
    /// Empty or longer than [`MAX_NAME`].
    Name,
    /// No origin.
    NoOrigins,
    /// More than [`MAX_ORIGINS`].
    TooManyOrigins,
    /// Line (1-based) and its text.
    Origin(usize, String),
}

impl FormError {
    fn text(&self, l: Lang) -> String {
        match self {
            Self::Name => l.t(AppsMsg::NameInvalid).into(),
            Self::NoOrigins => l.t(AppsMsg::OriginsEmpty).into(),
            Self::TooManyOrigins => l.t(AppsMsg::OriginsTooMany).into(),
            Self::Origin(line, o) => i18n::origin_invalid(l, *line, o),
        }
    }
}

/// The form's values as a request: the name trimmed, one origin per non-blank line.
fn registration(name: &str, origins: &str) -> Result<IsvAppCreate, FormError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(FormError::Name);
    }
    let mut list: Vec<String> = Vec::new();
    for (i, line) in origins.lines().enumerate() {
        let o = line.trim();
        if o.is_empty() {
            continue;
        }
        if !orderveil_api::valid_origin(o) {
            return Err(FormError::Origin(i + 1, o.to_string()));
        }
        if !list.iter().any(|x| x == o) {
            list.push(o.to_string());
        }
    }
    match list.len() {
        0 => Err(FormError::NoOrigins),
        n if n > MAX_ORIGINS => Err(FormError::TooManyOrigins),
        _ => Ok(IsvAppCreate { name: name.to_string(), origins: list }),
    }
}

fn scope_key(s: Scope) -> AppsMsg {
    match s {
        Scope::OrdersRead => AppsMsg::ScopeOrdersRead,
        Scope::Reveal => AppsMsg::ScopeReveal,
        Scope::Print => AppsMsg::ScopePrint,
        Scope::Ship => AppsMsg::ScopeShip,
    }
}

/// Scopes by name, in the fixed order, e.g. `查看订单、解密`.
fn scope_names(l: Lang, scopes: &[Scope]) -> String {
    let names: Vec<&str> = Scope::ALL.into_iter().filter(|s| scopes.contains(s)).map(|s| l.t(scope_key(s))).collect();
    names.join(if l == Lang::Zh { "、" } else { ", " })
}

fn scope_list(scopes: &[Scope]) -> String {
    Scope::ALL.into_iter().filter(|s| scopes.contains(s)).map(Scope::as_str).collect::<Vec<_>>().join(",")
}

/// Purposes by name, in the fixed order, e.g. `手工发货、售后处理`.
fn purpose_names(l: Lang, purposes: &[RevealPurpose]) -> String {
    let names: Vec<&str> = RevealPurpose::ALL.into_iter().filter(|p| purposes.contains(p)).map(|p| purpose::label(l, p)).collect();
    names.join(if l == Lang::Zh { "、" } else { ", " })
}

fn purpose_list(purposes: &[RevealPurpose]) -> String {
    RevealPurpose::ALL.into_iter().filter(|p| purposes.contains(p)).map(RevealPurpose::as_str).collect::<Vec<_>>().join(",")
}

/// `items` with `x` added, or without it if it was there.
fn toggled<T: Copy + PartialEq>(items: &[T], x: T) -> Vec<T> {
    let mut v = items.to_vec();
    match v.iter().position(|y| *y == x) {
        Some(i) => {
            v.remove(i);
        }
        None => v.push(x),
    }
    v
}


fn focus(r: &NodeRef) {
    if let Some(el) = r.cast::<HtmlElement>() {
        let _ = el.focus();
    }
}

/// Both lists, as the server answered them.
#[derive(PartialEq)]
struct Data {
    apps: Vec<Rc<IsvApp>>,
    /// Newest first.
    auths: Vec<Rc<IsvAuthorization>>,
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
        Load::Ok(d) if admin => html! { <>{ admin_apps(l, &d.apps, busy.as_deref(), &on_toggle) }{ authorizations(l, &d.auths, true) }</> },
        Load::Ok(d) => {
            html! { <>{ owner_apps(l, d, busy.as_deref(), &on_authorize, &on_revoke) }{ authorizations(l, &d.auths, false) }</> }
        }
    };
    html! {
        <section class="apps-page" id="apps-page" data-view={if admin { "admin" } else { "owner" }}>
            <div class="toolbar"><h2>{ l.t(AppsMsg::Title) }</h2></div>
            <p class="state">{ l.t(if admin { AppsMsg::IntroAdmin } else { AppsMsg::IntroOwner }) }</p>
            <div class="live" aria-live="polite">{ notice }</div>
            if admin { <RegisterForm {on_registered} /> }
            { body }
        </section>
    }
}

/// The owner's table: each enabled app with the shop's authorization of it.
fn owner_apps(
    l: Lang,
    d: &Data,
    busy: Option<&str>,
    on_authorize: &Callback<Grant>,
    on_revoke: &Callback<Rc<IsvAuthorization>>,
) -> Html {
    let rows = if d.apps.is_empty() {
        html! { <p class="state" id="apps-empty">{ l.t(AppsMsg::EmptyOwner) }</p> }
    } else {
        states::table("isv-apps", html! { <>
            <th>{ l.t(AppsMsg::Name) }</th><th>{ l.t(AppsMsg::Id) }</th><th>{ l.t(AppsMsg::Origins) }</th>
            <th>{ l.t(AppsMsg::State) }</th><th>{ l.t(AppsMsg::Scopes) }</th><th>{ l.t(CommonMsg::Actions) }</th>
        </> }, html! { <>
            { for d.apps.iter().map(|app| {
                // The live authorization if there is one, else the latest (the list is newest first).
                let mine = d.auths.iter().filter(|a| a.app_id == app.app_id);
                let auth = mine.clone().find(|a| a.revoked_at.is_none()).or_else(|| mine.clone().next()).cloned();
                html! {
                    <OwnerRow key={app.app_id.as_str()} app={app.clone()} {auth} busy={busy.is_some()}
                              working={busy == Some(app.app_id.as_str())} on_authorize={on_authorize.clone()} on_revoke={on_revoke.clone()} />
                }
            }) }
        </> })
    };
    html! { <div class="card"><h3>{ l.t(AppsMsg::ListOwner) }</h3>{ rows }</div> }
}

/// Props of [`OwnerRow`].
#[derive(Properties, PartialEq)]
struct RowProps {
    app: Rc<IsvApp>,
    /// The shop's live authorization of the app, else its latest, if any.
    auth: Option<Rc<IsvAuthorization>>,
    /// Some action is under way.
    busy: bool,
    /// An action for this app is under way.
    working: bool,
    on_authorize: Callback<Grant>,
    on_revoke: Callback<Rc<IsvAuthorization>>,
}

/// One app of the owner's table: state, scope checkboxes, authorize, revoke (confirmed).
#[function_component(OwnerRow)]
fn owner_row(p: &RowProps) -> Html {
    let l = use_lang();
    let app = &p.app;
    let live = p.auth.as_ref().filter(|a| a.revoked_at.is_none()).cloned();
    // A live authorization's scopes, else the defaults; kept across reloads (the row is keyed).
    let chosen = use_state(|| live.as_ref().map(|a| a.scopes.clone()).unwrap_or_else(|| DEFAULT_SCOPES.to_vec()));
    let purposes = use_state(|| live.as_ref().map(|a| a.purposes.clone()).filter(|p| !p.is_empty()).unwrap_or_else(|| DEFAULT_PURPOSES.to_vec()));
    let confirming = use_state(|| false);
    let confirm_ref = use_node_ref();
    let revoke_ref = use_node_ref();
    let authorize_ref = use_node_ref();
    // Where the keyboard focus goes once the row is idle again (the button pressed may have
    // been disabled or removed meanwhile).
    let refocus = use_mut_ref(|| None::<NodeRef>);
    {
        let (confirm_ref, refocus) = (confirm_ref.clone(), refocus.clone());
        use_effect_with((*confirming, p.busy, live.is_some()), move |(on, busy, _)| {
            if *on {
                focus(&confirm_ref);
            } else if !*busy && let Some(r) = refocus.borrow_mut().take() {
                focus(&r);
            }
        });
    }
    let (state, state_html) = match &p.auth {
        Some(a) if a.revoked_at.is_none() => (
            "live",
            html! { <>
                <span class="badge live">{ l.t(AppsMsg::AuthLive) }</span>
                <span class="scopes">{ scope_names(l, &a.scopes) }</span>
                if !a.purposes.is_empty() { <small class="since purposes">{ format!("{}{}{}", l.t(AppsMsg::Purposes), if l == Lang::Zh { "：" } else { ": " }, purpose_names(l, &a.purposes)) }</small> }
                <small class="since">{ format!("{} {}", l.t(AppsMsg::AuthAt), when(&a.created_at)) }</small>
            </> },
        ),
        Some(a) => (
            "revoked",
            html! { <>
                <span class="badge revoked">{ l.t(AppsMsg::AuthRevoked) }</span>
                <small class="since">{ format!("{} {}", l.t(AppsMsg::RevokedAt), when(a.revoked_at.as_deref().unwrap_or_default())) }</small>
            </> },
        ),
        None => ("none", html! { <span class="badge none">{ l.t(AppsMsg::AuthNone) }</span> }),
    };
    let checkboxes = Scope::ALL.into_iter().map(|s| {
        let checked = chosen.contains(&s);
        let onchange = {
            let chosen = chosen.clone();
            Callback::from(move |_: Event| chosen.set(toggled(&chosen, s)))
        };
        html! {
            <label class="scope">
                <input type="checkbox" class="scope" data-scope={s.as_str()} {checked} {onchange} disabled={p.busy}
                       aria-label={format!("{} · {}", l.t(scope_key(s)), app.name)} />
                { l.t(scope_key(s)) }<small class="mono">{ s.as_str() }</small>
            </label>
        }
    });
    // With `reveal`, the purposes the app may reveal for (at least one).
    let reveal = chosen.contains(&Scope::Reveal);
    let purpose_boxes = RevealPurpose::ALL.into_iter().map(|x| {
        let onchange = {
            let purposes = purposes.clone();
            Callback::from(move |_: Event| purposes.set(toggled(&purposes, x)))
        };
        html! {
            <label class="purpose">
                <input type="checkbox" class="purpose" data-purpose={x.as_str()} checked={purposes.contains(&x)} {onchange} disabled={p.busy}
                       aria-label={format!("{} · {} · {}", l.t(AppsMsg::Purposes), purpose::label(l, x), app.name)} />
                { purpose::label(l, x) }
            </label>
        }
    });
    let none_chosen = chosen.is_empty();
    let no_purpose = reveal && purposes.is_empty();
    let authorize = {
        let (cb, app, chosen, purposes, refocus, authorize_ref) =
            (p.on_authorize.clone(), app.clone(), chosen.clone(), purposes.clone(), refocus.clone(), authorize_ref.clone());
        Callback::from(move |_: MouseEvent| {
            let scopes: Vec<Scope> = Scope::ALL.into_iter().filter(|s| chosen.contains(s)).collect();
            let reveal = scopes.contains(&Scope::Reveal);
            let purposes: Vec<RevealPurpose> = if reveal { RevealPurpose::ALL.into_iter().filter(|x| purposes.contains(x)).collect() } else { Vec::new() };
            if !scopes.is_empty() && (!reveal || !purposes.is_empty()) {
                *refocus.borrow_mut() = Some(authorize_ref.clone());
                cb.emit((app.clone(), scopes, purposes));
            }
        })
    };
    let auth_label = if p.working && !*confirming {
        l.t(AppsMsg::Authorizing)
    } else if live.is_some() {
        l.t(AppsMsg::Reauthorize)
    } else {
        l.t(AppsMsg::Authorize)
    };
    let revoke = live.as_ref().map(|a| {
        if *confirming {
            let confirm = {
                let (cb, a, confirming, refocus, authorize_ref) = (p.on_revoke.clone(), a.clone(), confirming.clone(), refocus.clone(), authorize_ref.clone());
                Callback::from(move |_: MouseEvent| {
                    // Revoked, the row has no revoke button any more: authorize again is next.
                    *refocus.borrow_mut() = Some(authorize_ref.clone());
                    confirming.set(false);
                    cb.emit(a.clone());
                })
            };
            let cancel = {
                let (confirming, refocus, revoke_ref) = (confirming.clone(), refocus.clone(), revoke_ref.clone());
                Callback::from(move |_: MouseEvent| {
                    *refocus.borrow_mut() = Some(revoke_ref.clone());
                    confirming.set(false);
                })
            };
            let escape = {
                let (confirming, refocus, revoke_ref) = (confirming.clone(), refocus.clone(), revoke_ref.clone());
                Callback::from(move |e: KeyboardEvent| {
                    if e.key() == "Escape" {
                        *refocus.borrow_mut() = Some(revoke_ref.clone());
                        confirming.set(false);
                    }
                })
            };
            html! {
                <div class="confirm" role="group" aria-label={l.t(AppsMsg::Revoke)} onkeydown={escape}>
                    <span class="confirm-q">{ l.t(AppsMsg::RevokeQuestion) }</span>
                    <button type="button" ref={confirm_ref.clone()} class="revoke-confirm danger" onclick={confirm} disabled={p.busy}>{ l.t(AppsMsg::RevokeConfirm) }</button>
                    <button type="button" class="revoke-cancel" onclick={cancel}>{ l.t(CommonMsg::Cancel) }</button>
                </div>
            }
        } else {
            let open = {
                let confirming = confirming.clone();
                Callback::from(move |_: MouseEvent| confirming.set(true))
            };
            let label = if p.working { l.t(AppsMsg::Revoking) } else { l.t(AppsMsg::Revoke) };
            html! {
                <button type="button" ref={revoke_ref.clone()} class="revoke danger" onclick={open} disabled={p.busy}
                        aria-label={format!("{} · {}", l.t(AppsMsg::Revoke), app.name)}>{ label }</button>
            }
        }
    });
    html! {
        <tr data-app-id={app.app_id.clone()} data-state={state}>
            <td class="app-name">{ app.name.clone() }</td>
            <td class="mono app-id">{ app.app_id.clone() }</td>
            <td class="origins">{ for app.origins.iter().map(|o| html! { <div class="mono">{ o.clone() }</div> }) }</td>
            <td class="auth-state" data-state={state} data-scopes={p.auth.as_ref().filter(|_| state == "live").map(|a| scope_list(&a.scopes))}
                data-purposes={p.auth.as_ref().filter(|_| state == "live").map(|a| purpose_list(&a.purposes))}
                data-authorization-id={p.auth.as_ref().map(|a| a.id.to_string())}>{ state_html }</td>
            <td class="scope-choice">
                <div class="scope-boxes">{ for checkboxes }</div>
                if none_chosen { <small class="error scope-hint">{ l.t(AppsMsg::ScopeNone) }</small> }
                if reveal {
                    <fieldset class="purpose-boxes">
                        <legend>{ l.t(AppsMsg::Purposes) }</legend>
                        { for purpose_boxes }
                    </fieldset>
                }
                if no_purpose { <small class="error purpose-hint">{ l.t(OrdersMsg::PurposeNone) }</small> }
            </td>
            <td class="actions"><div class="row-actions">
                <button type="button" ref={authorize_ref} class="authorize primary" onclick={authorize} disabled={p.busy || none_chosen || no_purpose}
                        aria-label={format!("{} · {}", auth_label, app.name)}>{ auth_label }</button>
                { for revoke }
            </div></td>
        </tr>
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

/// Authorizations, newest first: the owner's shop's, or every shop's (with the shop) for an admin.
fn authorizations(l: Lang, auths: &[Rc<IsvAuthorization>], admin: bool) -> Html {
    let rows = if auths.is_empty() {
        html! { <p class="state" id="authorizations-empty">{ l.t(AppsMsg::AuthsEmpty) }</p> }
    } else {
        states::table("isv-authorizations", html! { <>
            <th>{ l.t(AppsMsg::Name) }</th>
            if admin { <th>{ l.t(CommonMsg::AdminShop) }</th> }
            <th>{ l.t(AppsMsg::Scopes) }</th><th>{ l.t(AppsMsg::Purposes) }</th><th>{ l.t(AppsMsg::GrantedBy) }</th><th>{ l.t(AppsMsg::AuthCreated) }</th><th>{ l.t(AppsMsg::State) }</th>
        </> }, html! { <>
            { for auths.iter().map(|a| {
                let state = if a.revoked_at.is_some() { "revoked" } else { "live" };
                html! {
                    <tr key={a.id.to_string()} data-authorization-id={a.id.to_string()} data-app-id={a.app_id.clone()} data-state={state}
                        data-scopes={scope_list(&a.scopes)} data-purposes={purpose_list(&a.purposes)}>
                        <td>{ a.app_name.clone() }<div class="mono muted">{ a.app_id.clone() }</div></td>
                        if admin { <td class="mono">{ a.shop_id.clone() }</td> }
                        <td>{ scope_names(l, &a.scopes) }</td>
                        <td class="purposes">{ purpose_names(l, &a.purposes) }</td>
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

/// Props of [`RegisterForm`].
#[derive(Properties, PartialEq)]
struct FormProps {
    /// Called with the new app's name.
    on_registered: Callback<String>,
}

/// A new app's id and secret, shown once (the secret is wiped when the card closes).
#[derive(PartialEq)]
struct Created {
    app_id: String,
    name: String,
    secret: Zeroizing<String>,
}

/// The admin's registration form; after a registration, the app id and secret, once.
#[function_component(RegisterForm)]
fn register_form(p: &FormProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let name = use_state(String::new);
    let origins = use_state(String::new);
    let error = use_state(|| None::<FormError>);
    let failure = use_state(|| None::<ApiFailure>);
    let busy = use_state(|| false);
    let created = use_state(|| None::<Rc<Created>>);
    let copied = use_state(|| None::<bool>);
    let copy_ref = use_node_ref();
    let name_ref = use_node_ref();
    let origins_ref = use_node_ref();
    {
        // The new secret takes the focus (its copy button), so it is the next thing read.
        let copy_ref = copy_ref.clone();
        use_effect_with(created.is_some(), move |shown| {
            if *shown {
                focus(&copy_ref);
            }
        });
    }
    let on_name = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| name.set(value_of(&e)))
    };
    let on_origins = {
        let origins = origins.clone();
        Callback::from(move |e: InputEvent| origins.set(value_of(&e)))
    };
    let submit = {
        let (name, origins, error, failure, busy, created, copied) =
            (name.clone(), origins.clone(), error.clone(), failure.clone(), busy.clone(), created.clone(), copied.clone());
        let (csrf, on_registered, name_ref, origins_ref) = (s.csrf_token.clone(), p.on_registered.clone(), name_ref.clone(), origins_ref.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            failure.set(None);
            let req = match registration(&name, &origins) {
                Ok(r) => r,
                Err(fe) => {
                    focus(if fe == FormError::Name { &name_ref } else { &origins_ref });
                    error.set(Some(fe));
                    return;
                }
            };
            error.set(None);
            busy.set(true);
            let (csrf, name, origins, failure, busy, created, copied, on_registered) =
                (csrf.clone(), name.clone(), origins.clone(), failure.clone(), busy.clone(), created.clone(), copied.clone(), on_registered.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::register_isv_app(&csrf, &req).await {
                    Ok(r) => {
                        let app_name = r.app.name.clone();
                        copied.set(None);
                        created.set(Some(Rc::new(Created { app_id: r.app.app_id, name: r.app.name, secret: Zeroizing::new(r.app_secret) })));
                        name.set(String::new());
                        origins.set(String::new());
                        on_registered.emit(app_name);
                    }
                    Err(e) => failure.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let card = (*created).clone().map(|c| {
        let copy = {
            let (c, copied) = (c.clone(), copied.clone());
            Callback::from(move |_: MouseEvent| {
                let Some(w) = web_sys::window() else { return };
                let promise = w.navigator().clipboard().write_text(c.secret.as_str());
                let copied = copied.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    copied.set(Some(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()));
                    let reset = copied.clone();
                    Timeout::new(1500, move || reset.set(None)).forget();
                });
            })
        };
        let close = {
            let (created, copied, name_ref) = (created.clone(), copied.clone(), name_ref.clone());
            Callback::from(move |_: MouseEvent| {
                copied.set(None);
                created.set(None);
                focus(&name_ref);
            })
        };
        let copy_text = match *copied {
            Some(true) => l.t(OrdersMsg::Copied),
            Some(false) => l.t(OrdersMsg::CopyFailed),
            None => l.t(OrdersMsg::Copy),
        };
        html! {
            <div class="card created" id="app-created" data-app-id={c.app_id.clone()}>
                <h3>{ format!("{} · {}", l.t(AppsMsg::CreatedTitle), c.name) }</h3>
                <p class="warning" id="secret-warning" role="alert">{ l.t(AppsMsg::SecretWarning) }</p>
                <dl>
                    <dt>{ l.t(AppsMsg::Id) }</dt><dd class="mono" id="created-app-id">{ c.app_id.clone() }</dd>
                    <dt>{ l.t(AppsMsg::Secret) }</dt>
                    <dd class="secret-line">
                        <code class="mono secret" id="created-app-secret">{ c.secret.as_str() }</code>
                        <button type="button" id="copy-secret" class="copy" ref={copy_ref.clone()} onclick={copy}>{ copy_text }</button>
                    </dd>
                </dl>
                <button type="button" id="created-close" onclick={close}>{ l.t(AppsMsg::SecretSaved) }</button>
            </div>
        }
    });
    let err = (*error).clone();
    let name_bad = err.as_ref().is_some_and(|e| *e == FormError::Name);
    let origins_bad = err.as_ref().is_some_and(|e| *e != FormError::Name);
    html! {
        <>
        { for card }
        <form class="card register" id="app-register" onsubmit={submit} novalidate=true>
            <h3>{ l.t(AppsMsg::RegisterTitle) }</h3>
            <label for="app-name">{ l.t(AppsMsg::Name) }</label>
            <input id="app-name" ref={name_ref} value={(*name).clone()} oninput={on_name} maxlength="64" autocomplete="off"
                   aria-invalid={name_bad.to_string()} aria-describedby={name_bad.then_some("app-form-error")} />
            <label for="app-origins">{ l.t(AppsMsg::Origins) }</label>
            <textarea id="app-origins" ref={origins_ref} rows="3" value={(*origins).clone()} oninput={on_origins} spellcheck="false"
                      placeholder="https://erp.example.com" aria-invalid={origins_bad.to_string()}
                      aria-describedby={if origins_bad { "app-form-error origins-hint" } else { "origins-hint" }} />
            <small class="state" id="origins-hint">{ l.t(AppsMsg::OriginsHint) }</small>
            if let Some(e) = &err { <p class="error" role="alert" id="app-form-error">{ e.text(l) }</p> }
            if let Some(f) = &*failure { <p class="error" role="alert" id="app-register-error" data-code={f.code()}>{ f.text(l) }</p> }
            <div><button type="submit" class="primary" id="app-register-submit" disabled={*busy}>{ l.t(if *busy { AppsMsg::Registering } else { AppsMsg::Register }) }</button></div>
        </form>
        </>
    }
}
