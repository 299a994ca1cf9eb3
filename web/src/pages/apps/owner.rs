//! The owner's table: each enabled app with the shop's (or the factory's) authorization of it,
//! the scopes and purposes to grant, authorize, and revoke after a confirmation step. A
//! factory's owner grants its print software `orders.read`, `print` and `ship`; `reveal` is
//! not offered (the server refuses it too).

use std::rc::Rc;

use orderveil_api::{IsvApp, IsvAuthorization, RevealPurpose, Scope};
use yew::prelude::*;

use super::{Data, focus, purpose_list, purpose_names, scope_key, scope_list, scope_names};
use crate::components::purpose;
use crate::components::states::{self, when};
use crate::i18n::{AppsMsg, CommonMsg, Lang, OrdersMsg};
use crate::session::use_lang;

/// Scopes checked for an app the shop has not authorized yet.
const DEFAULT_SCOPES: [Scope; 2] = [Scope::OrdersRead, Scope::Reveal];
/// The scopes a factory grants (all checked for an app it has not authorized yet).
const FACTORY_SCOPES: [Scope; 3] = [Scope::OrdersRead, Scope::Print, Scope::Ship];
/// Reveal purposes checked for an app the shop has not authorized yet.
const DEFAULT_PURPOSES: [RevealPurpose; 1] = [RevealPurpose::ManualShipping];

/// What an authorization grants: its scopes, and with `reveal` the purposes it may reveal for.
pub(super) type Grant = (Rc<IsvApp>, Vec<Scope>, Vec<RevealPurpose>);

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

/// The owner's table: each enabled app with the shop's authorization of it.
pub(super) fn owner_apps(
    l: Lang,
    d: &Data,
    busy: Option<&str>,
    factory: bool,
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
                    <OwnerRow key={app.app_id.as_str()} app={app.clone()} {auth} busy={busy.is_some()} {factory}
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
    /// The owner is a factory's: no `reveal`.
    factory: bool,
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
    let offered: &[Scope] = if p.factory { &FACTORY_SCOPES } else { &Scope::ALL };
    let chosen = use_state(|| live.as_ref().map(|a| a.scopes.clone()).unwrap_or_else(|| if p.factory { FACTORY_SCOPES.to_vec() } else { DEFAULT_SCOPES.to_vec() }));
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
    let checkboxes = offered.iter().copied().map(|s| {
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
        let offered = offered.to_vec();
        Callback::from(move |_: MouseEvent| {
            let scopes: Vec<Scope> = offered.iter().copied().filter(|s| chosen.contains(s)).collect();
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
