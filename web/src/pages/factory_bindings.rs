//! Bindings between shops and factories, as either side sees them ([`BindingsCard`]): the
//! shop's page lists its factories (the owner invites by factory id and ends a binding), the
//! factory console's `/factory/bindings` lists the shops that invited it (its owner accepts,
//! declines or ends). Ending recalls the binding's open assignments, after a confirmation.

use orderveil_api::{Binding, BindingStatus, Role};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::notice::{Said, outcome_notice};
use crate::components::states::{self, Load, value_of, when};
use crate::i18n::{self, CommonMsg, DropshipMsg, Lang};
use crate::session::{use_lang, use_session};

/// The last action's result.
#[derive(Clone, PartialEq)]
enum Outcome {
    /// What (`invited`, `accept`, `decline`, `end`), with whom, orders recalled.
    Done(&'static str, String, u64),
    Failed(ApiFailure),
}

/// Props of [`BindingsCard`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// Called after a change (the shop's rules read the active factories again).
    #[prop_or_default]
    pub on_changed: Callback<()>,
}

/// The bindings list (with the shop owner's invitation form), the actions, the outcome.
#[function_component(BindingsCard)]
pub fn bindings_card(p: &Props) -> Html {
    let (l, s) = (use_lang(), use_session());
    let factory = s.factory();
    let owner = matches!(s.user.role, Role::Owner | Role::Factory);
    let (load, reload) = states::use_load((), |_| api::bindings());
    let outcome = use_state(|| None::<Outcome>);
    let busy = use_state(|| false);
    let confirm_end = use_state(|| None::<i64>);
    let invite_id = use_state(String::new);
    let act = {
        let (outcome, busy, reload, confirm_end, csrf, changed) = (outcome.clone(), busy.clone(), reload.clone(), confirm_end.clone(), s.csrf_token.clone(), p.on_changed.clone());
        Callback::from(move |(b, what): (Binding, &'static str)| {
            if *busy {
                return;
            }
            busy.set(true);
            confirm_end.set(None);
            let (outcome, busy, reload, csrf, changed) = (outcome.clone(), busy.clone(), reload.clone(), csrf.clone(), changed.clone());
            let other = if factory { format!("{}（{}）", b.shop_name, b.shop_id) } else { format!("{}（{}）", b.factory_name, b.factory_id) };
            wasm_bindgen_futures::spawn_local(async move {
                let r = match what {
                    "invite" => api::binding_invite(&csrf, b.factory_id.clone()).await.map(|_| Outcome::Done("invited", b.factory_id.clone(), 0)),
                    _ => api::binding_act(&csrf, b.id, what).await.map(|v| Outcome::Done(what, other, v["recalled"].as_u64().unwrap_or(0))),
                };
                outcome.set(Some(r.unwrap_or_else(Outcome::Failed)));
                busy.set(false);
                reload.set(*reload + 1);
                changed.emit(());
            });
        })
    };
    let notice = outcome_notice(l, &outcome, |o| match o {
        Outcome::Failed(e) => Said { ok: false, id: "bind-notice", code: e.code(), text: e.text(l) },
        Outcome::Done(what, other, n) => Said { ok: true, id: "bind-status", code: (*what).to_string(), text: i18n::binding_done(l, what, other, *n) },
    });
    let invite = (owner && !factory).then(|| {
        let oninput = {
            let invite_id = invite_id.clone();
            Callback::from(move |e: InputEvent| invite_id.set(value_of(&e)))
        };
        let onsubmit = {
            let (act, invite_id) = (act.clone(), invite_id.clone());
            Callback::from(move |e: SubmitEvent| {
                e.prevent_default();
                let id = invite_id.trim().to_string();
                if !id.is_empty() {
                    invite_id.set(String::new());
                    act.emit((Binding { factory_id: id, ..blank() }, "invite"));
                }
            })
        };
        html! {
            <form class="inline-form" id="bind-invite-form" {onsubmit}>
                <label>{ l.t(DropshipMsg::FactoryId) }
                    <input id="bind-factory-id" autocomplete="off" value={(*invite_id).clone()} {oninput} placeholder={l.t(DropshipMsg::FactoryIdHint)} />
                </label>
                <button type="submit" class="primary" id="bind-invite" disabled={*busy || invite_id.trim().is_empty()}>{ l.t(if *busy { DropshipMsg::Inviting } else { DropshipMsg::Invite }) }</button>
            </form>
        }
    });
    let body = match &*load {
        Load::Loading => states::loading(l, "bind-loading", true),
        Load::Failed(e) => states::failed_reload(l, "bind-error", e, &reload),
        Load::Ok(list) if list.is_empty() => html! { <p class="state" id="bind-empty">{ l.t(if factory { DropshipMsg::FbEmpty } else { DropshipMsg::BindingsEmpty }) }</p> },
        Load::Ok(list) => {
            let other = if factory { DropshipMsg::Shop } else { DropshipMsg::Factory };
            let heads = [l.t(other), l.t(CommonMsg::Status), l.t(DropshipMsg::InvitedAt), l.t(DropshipMsg::OpenAssignments), l.t(CommonMsg::Actions)];
            let rows = list.iter().map(|b| row(l, (factory, owner), b, *busy, &confirm_end, &act));
            states::table("bind-table", states::heads(&heads), rows.collect())
        }
    };
    html! {
        <div class="card bindings">
            <h3>{ l.t(if factory { DropshipMsg::FbTitle } else { DropshipMsg::BindingsTitle }) }</h3>
            <div class="live" aria-live="polite">{ notice }</div>
            { invite }
            { body }
        </div>
    }
}

/// An empty binding (the invitation carries only the factory id).
fn blank() -> Binding {
    Binding {
        id: 0,
        shop_id: String::new(),
        shop_name: String::new(),
        factory_id: String::new(),
        factory_name: String::new(),
        status: BindingStatus::Invited,
        invited_by: String::new(),
        invited_at: String::new(),
        decided_at: None,
        ended_at: None,
        ended_by: None,
        open_assignments: 0,
    }
}

/// One binding: the other side, state (and when it changed), invitation, open assignments,
/// the owner's actions (accept / decline for the invited factory; end, confirmed, for both).
fn row(l: Lang, (factory, owner): (bool, bool), b: &Binding, busy: bool, confirm_end: &UseStateHandle<Option<i64>>, act: &Callback<(Binding, &'static str)>) -> Html {
    let on = |what: &'static str| {
        let (act, b) = (act.clone(), b.clone());
        Callback::from(move |_: MouseEvent| act.emit((b.clone(), what)))
    };
    let ask = |id: Option<i64>| {
        let confirm_end = confirm_end.clone();
        Callback::from(move |_: MouseEvent| confirm_end.set(id))
    };
    let live = matches!(b.status, BindingStatus::Invited | BindingStatus::Active);
    let actions = if !owner || !live {
        html! {}
    } else if **confirm_end == Some(b.id) {
        html! {
            <span class="confirm" role="group">{ l.t(DropshipMsg::EndQuestion) }
                <button type="button" class="danger bind-end-confirm" disabled={busy} onclick={on("end")}>{ l.t(DropshipMsg::EndConfirm) }</button>
                <button type="button" class="link cancel" onclick={ask(None)}>{ l.t(CommonMsg::Cancel) }</button>
            </span>
        }
    } else {
        html! {
            <div class="row-actions">
                if factory && b.status == BindingStatus::Invited {
                    <button type="button" class="primary bind-accept" disabled={busy} onclick={on("accept")}>{ l.t(DropshipMsg::Accept) }</button>
                    <button type="button" class="bind-decline" disabled={busy} onclick={on("decline")}>{ l.t(DropshipMsg::Decline) }</button>
                }
                <button type="button" class="danger bind-end" disabled={busy} onclick={ask(Some(b.id))}>{ l.t(DropshipMsg::End) }</button>
            </div>
        }
    };
    let (name, id) = if factory { (&b.shop_name, &b.shop_id) } else { (&b.factory_name, &b.factory_id) };
    let changed = b.ended_at.as_ref().or(b.decided_at.as_ref());
    html! {
        <tr key={b.id} data-binding-id={b.id.to_string()} data-status={b.status.as_str()} data-factory-id={b.factory_id.clone()} data-shop-id={b.shop_id.clone()}>
            <td class="party">{ name }<small class="since mono">{ id }</small></td>
            <td><span class={classes!("badge", "app-status", b.status.as_str())}>{ l.t(i18n::binding_status(b.status)) }</span>
                if let Some(t) = changed { <small class="since">{ when(t) }{ b.ended_by.as_deref().map(|u| format!(" · {u}")).unwrap_or_default() }</small> }
            </td>
            <td>{ when(&b.invited_at) }<small class="since">{ &b.invited_by }</small></td>
            <td class="open-assignments">{ b.open_assignments }</td>
            <td class="actions">{ actions }</td>
        </tr>
    }
}

/// The factory console's bindings page (its owner).
#[function_component(FactoryBindings)]
pub fn factory_bindings() -> Html {
    let l = use_lang();
    html! {
        <section class="factory-bindings" id="fb-page">
            <div class="toolbar"><h2>{ l.t(DropshipMsg::FbTitle) }</h2></div>
            <p class="state">{ l.t(DropshipMsg::FbIntro) }</p>
            <BindingsCard />
        </section>
    }
}
