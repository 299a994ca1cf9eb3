//! The platform admin's factories (`/admin/factories`, 厂商管理): every dropshipping factory
//! with its state; suspend (with a reason, asked in the row) or resume, the row then showing
//! the server's answer; above, the form that creates a factory with its owner account (a
//! refusal, the password rules' too, shows next to the field it concerns).

use std::rc::Rc;

use orderveil_api::{Factory, FactorySuspension};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::notice::{Said, outcome_notice};
use crate::components::tenant_form::{Tenant, TenantForm};
use crate::components::states::{self, Load, value_of, when};
use crate::i18n::{self, AdminMsg, CommonMsg, StaffMsg};
use crate::session::{use_lang, use_session};

/// The last action's result, shown above the tables until closed or replaced.
#[derive(Clone, PartialEq)]
enum Outcome {
    /// `suspended` or `resumed`, and the factory.
    Done(&'static str, String),
    /// The factory and its owner's login.
    Created(String, String),
    Failed(ApiFailure),
}

/// The factories page.
#[function_component(AdminFactories)]
pub fn admin_factories() -> Html {
    let (l, s) = (use_lang(), use_session());
    let (load, reload) = states::use_load((), |_| api::factories());
    let outcome = use_state(|| None::<Outcome>);
    // The factory an action is under way for (every action button waits meanwhile).
    let busy = use_state(|| None::<String>);
    // `Some(reason)` suspends, `None` resumes; the row then shows the server's answer.
    let on_action = {
        let (csrf, load, outcome, busy) = (s.csrf_token.clone(), load.clone(), outcome.clone(), busy.clone());
        Callback::from(move |(factory, reason): (String, Option<String>)| {
            let (csrf, load, outcome, busy) = (csrf.clone(), load.clone(), outcome.clone(), busy.clone());
            busy.set(Some(factory.clone()));
            wasm_bindgen_futures::spawn_local(async move {
                let (what, suspend) = if reason.is_some() { ("suspended", true) } else { ("resumed", false) };
                let req = FactorySuspension { reason };
                outcome.set(Some(match api::admin_factory_suspension(&csrf, &factory, suspend, &req).await {
                    Ok(f) => {
                        if let Load::Ok(list) = &*load {
                            let list = list.iter().map(|x| if x.factory_id == f.factory_id { f.clone() } else { x.clone() }).collect();
                            load.set(Load::Ok(Rc::new(list)));
                        }
                        Outcome::Done(what, f.factory_id)
                    }
                    Err(e) => Outcome::Failed(e),
                }));
                busy.set(None);
            });
        })
    };
    let on_created = {
        let (reload, outcome) = (reload.clone(), outcome.clone());
        Callback::from(move |(factory, owner): (String, String)| {
            outcome.set(Some(Outcome::Created(factory, owner)));
            reload.set(*reload + 1);
        })
    };
    let notice = outcome_notice(l, &outcome, |o| match o {
        Outcome::Failed(e) => Said { ok: false, id: "factories-notice", code: e.code(), text: e.text(l) },
        Outcome::Done(what, f) => Said { ok: true, id: "factories-status", code: (*what).to_string(), text: i18n::factory_done(l, what, f, "") },
        Outcome::Created(f, o) => Said { ok: true, id: "factories-status", code: "created".into(), text: i18n::factory_done(l, "created", f, o) },
    });
    let body = match &*load {
        Load::Loading => states::loading(l, "factories-loading", true),
        Load::Failed(e) => states::failed_reload(l, "factories-error", e, &reload),
        Load::Ok(list) if list.is_empty() => html! { <p class="state" id="factories-empty">{ l.t(AdminMsg::FactoriesEmpty) }</p> },
        Load::Ok(list) => states::table(
            "factories-table",
            states::heads(&[l.t(AdminMsg::FactoryId), l.t(AdminMsg::FactoryName), l.t(CommonMsg::Status), l.t(StaffMsg::Created), l.t(CommonMsg::Actions)]),
            html! { <>
                { for list.iter().map(|f| html! {
                    <FactoryRow key={f.factory_id.as_str()} factory={Rc::new(f.clone())} busy={busy.is_some()}
                                working={busy.as_deref() == Some(f.factory_id.as_str())} on_action={on_action.clone()} />
                }) }
            </> },
        ),
    };
    html! {
        <section class="admin-factories" id="factories-page">
            <div class="toolbar"><h2>{ l.t(CommonMsg::NavFactories) }</h2></div>
            <p class="state">{ l.t(AdminMsg::FactoriesIntro) }</p>
            <div class="live" aria-live="polite">{ notice }</div>
            <TenantForm tenant={Tenant::Factory} {on_created} />
            <div class="card"><h3>{ l.t(AdminMsg::FactoriesList) }</h3>{ body }</div>
        </section>
    }
}

/// Props of [`FactoryRow`].
#[derive(Properties, PartialEq)]
struct RowProps {
    factory: Rc<Factory>,
    /// Some action is under way.
    busy: bool,
    /// An action for this factory is under way.
    working: bool,
    on_action: Callback<(String, Option<String>)>,
}

/// One factory: its state, suspend (reason asked in the row) or resume.
#[function_component(FactoryRow)]
fn factory_row(p: &RowProps) -> Html {
    let l = use_lang();
    let f = &p.factory;
    let asking = use_state(|| false);
    let reason = use_state(String::new);
    let set = |h: &UseStateHandle<bool>, v: bool| {
        let h = h.clone();
        Callback::from(move |_: MouseEvent| h.set(v))
    };
    let actions = if *asking {
        let confirm = {
            let (cb, id, reason, asking) = (p.on_action.clone(), f.factory_id.clone(), reason.clone(), asking.clone());
            Callback::from(move |_: MouseEvent| {
                asking.set(false);
                cb.emit((id.clone(), Some(reason.trim().to_string())));
                reason.set(String::new());
            })
        };
        let on_reason = {
            let reason = reason.clone();
            Callback::from(move |e: InputEvent| reason.set(value_of(&e)))
        };
        html! {
            <span class="confirm" role="group" aria-label={l.t(AdminMsg::ShopSuspend)}>
                <input class="suspend-reason" required=true maxlength="200" value={(*reason).clone()} oninput={on_reason}
                       placeholder={l.t(AdminMsg::SuspendReason)} aria-label={format!("{} · {}", l.t(AdminMsg::SuspendReason), f.factory_id)} />
                <button type="button" class="suspend-confirm danger" disabled={p.busy || reason.trim().is_empty()} onclick={confirm}>{ l.t(AdminMsg::SuspendConfirm) }</button>
                <button type="button" class="link cancel suspend-cancel" onclick={set(&asking, false)}>{ l.t(CommonMsg::Cancel) }</button>
            </span>
        }
    } else if f.suspended {
        let resume = {
            let (cb, id) = (p.on_action.clone(), f.factory_id.clone());
            Callback::from(move |_: MouseEvent| cb.emit((id.clone(), None)))
        };
        html! { <button type="button" class="factory-resume" disabled={p.busy} onclick={resume}>{ l.t(if p.working { AdminMsg::ReviewWorking } else { AdminMsg::ShopResume }) }</button> }
    } else {
        html! { <button type="button" class="factory-suspend danger" disabled={p.busy} onclick={set(&asking, true)}>{ l.t(if p.working { AdminMsg::ReviewWorking } else { AdminMsg::ShopSuspend }) }</button> }
    };
    let (state, badge, label) = if f.suspended { ("suspended", "revoked", l.t(AdminMsg::ShopStSuspended)) } else { ("active", "live", l.t(StaffMsg::Enabled)) };
    html! {
        <tr data-factory={f.factory_id.clone()} data-suspended={f.suspended.to_string()}>
            <td class="mono">{ &f.factory_id }</td>
            <td>{ &f.name }</td>
            <td><span class={classes!("badge", "factory-status", badge)} data-status={state}>{ label }</span></td>
            <td>{ when(&f.created_at) }</td>
            <td class="actions"><div class="row-actions">{ actions }</div></td>
        </tr>
    }
}
