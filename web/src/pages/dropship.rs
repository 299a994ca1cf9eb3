//! 厂商代发 (`/dropship`, owners and staff with `assign`): the shop's factories (the owner
//! invites by factory id and ends a binding; [`BindingsCard`]), the product rules (SKU →
//! an active factory: new orders with the SKU are assigned at ingest), and where assignment
//! happens: the order list (selected orders, or every order of its filter) and recall.

use orderveil_api::{AssignmentRule, AssignmentRuleSet, Binding};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::assigner::active_factories;
use crate::components::link::RouteLink;
use crate::components::notice::{Said, outcome_notice};
use crate::components::states::{self, Load, value_of, when};
use crate::i18n::{self, CommonMsg, DropshipMsg};
use crate::pages::factory_bindings::BindingsCard;
use crate::route::Route;
use crate::session::{use_lang, use_session};

/// The dropshipping page.
#[function_component(Dropship)]
pub fn dropship() -> Html {
    let l = use_lang();
    // Bumped after a binding changes: the rules' factory choice reads again.
    let generation = use_state(|| 0u32);
    let on_changed = {
        let generation = generation.clone();
        Callback::from(move |()| generation.set(*generation + 1))
    };
    html! {
        <section class="dropship" id="ds-page">
            <div class="toolbar"><h2>{ l.t(DropshipMsg::Title) }</h2></div>
            <p class="state">{ l.t(DropshipMsg::Intro) }</p>
            <BindingsCard {on_changed} />
            <div class="card">
                <p id="ds-how">{ l.t(DropshipMsg::HowToAssign) }{ " " }<RouteLink to={Route::Orders} id="ds-go-orders">{ l.t(DropshipMsg::GoOrders) }</RouteLink></p>
            </div>
            <Rules generation={*generation} />
        </section>
    }
}

/// The last rule action's result.
#[derive(Clone, PartialEq)]
enum Outcome {
    Done(bool, String),
    Failed(ApiFailure),
}

/// Props of [`Rules`].
#[derive(Properties, PartialEq)]
struct RulesProps {
    /// Changes when a binding changed.
    generation: u32,
}

/// The product rules: list, delete, set (SKU → an active factory).
#[function_component(Rules)]
fn rules(p: &RulesProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let (load, reload) = states::use_load((), |_| api::rules());
    let (factories, _) = states::use_load(p.generation, |_| active_factories(false));
    let outcome = use_state(|| None::<Outcome>);
    let busy = use_state(|| false);
    let sku = use_state(String::new);
    let factory = use_state(|| None::<String>);
    let chosen = match &*factories {
        Load::Ok(list) => (*factory).clone().filter(|f| list.iter().any(|b| &b.factory_id == f)).or_else(|| list.first().map(|b| b.factory_id.clone())),
        _ => None,
    };
    // Each action answers with the rules as they are now.
    let run = {
        let (load, outcome, busy, csrf) = (load.clone(), outcome.clone(), busy.clone(), s.csrf_token.clone());
        Callback::from(move |(sku, factory_id): (String, Option<String>)| {
            if *busy {
                return;
            }
            busy.set(true);
            let (load, outcome, busy, csrf) = (load.clone(), outcome.clone(), busy.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let deleted = factory_id.is_none();
                let r = match factory_id {
                    Some(factory_id) => api::rule_set(&csrf, &AssignmentRuleSet { sku: sku.clone(), factory_id }).await,
                    None => api::rule_delete(&csrf, &sku).await,
                };
                match r {
                    Ok(rules) => {
                        load.set(Load::Ok(rules.into()));
                        outcome.set(Some(Outcome::Done(deleted, sku)));
                    }
                    Err(e) => outcome.set(Some(Outcome::Failed(e))),
                }
                busy.set(false);
            });
        })
    };
    let onsubmit = {
        let (run, sku_state, chosen) = (run.clone(), sku.clone(), chosen.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let sku = sku_state.trim().to_string();
            if !sku.is_empty() && chosen.is_some() {
                sku_state.set(String::new());
                run.emit((sku, chosen.clone()));
            }
        })
    };
    let on_sku = {
        let sku = sku.clone();
        Callback::from(move |e: InputEvent| sku.set(value_of(&e)))
    };
    let on_factory = {
        let factory = factory.clone();
        Callback::from(move |e: Event| factory.set(Some(value_of(&e))))
    };
    let notice = outcome_notice(l, &outcome, |o| match o {
        Outcome::Failed(e) => Said { ok: false, id: "rule-notice", code: e.code(), text: e.text(l) },
        Outcome::Done(deleted, sku) => Said { ok: true, id: "rule-status", code: (if *deleted { "deleted" } else { "saved" }).into(), text: i18n::rule_done(l, *deleted, sku) },
    });
    let form = match &*factories {
        Load::Ok(list) if list.is_empty() => html! { <p class="state" id="rule-no-factory">{ l.t(DropshipMsg::NoActiveFactory) }</p> },
        Load::Ok(list) => html! {
            <form class="inline-form" id="rule-form" {onsubmit}>
                <label>{ l.t(DropshipMsg::Sku) }<input id="rule-sku" maxlength="64" value={(*sku).clone()} oninput={on_sku} placeholder={l.t(DropshipMsg::SkuHint)} /></label>
                <label>{ l.t(DropshipMsg::Factory) }
                    <select id="rule-factory" onchange={on_factory}>
                        { for list.iter().map(|b: &Binding| html! {
                            <option value={b.factory_id.clone()} selected={chosen.as_deref() == Some(b.factory_id.as_str())}>{ format!("{}（{}）", b.factory_name, b.factory_id) }</option>
                        }) }
                    </select>
                </label>
                <button type="submit" class="primary" id="rule-save" disabled={*busy || sku.trim().is_empty()}>{ l.t(DropshipMsg::RuleSave) }</button>
            </form>
        },
        Load::Failed(e) => html! { <p class="error" role="alert" id="rule-factories-error">{ e.text(l) }</p> },
        Load::Loading => html! {},
    };
    let body = match &*load {
        Load::Loading => states::loading(l, "rule-loading", true),
        Load::Failed(e) => states::failed_reload(l, "rule-error", e, &reload),
        Load::Ok(list) if list.is_empty() => html! { <p class="state" id="rule-empty">{ l.t(DropshipMsg::RulesEmpty) }</p> },
        Load::Ok(list) => {
            let row = |r: &AssignmentRule| {
                let delete = {
                    let (run, sku) = (run.clone(), r.sku.clone());
                    Callback::from(move |_: MouseEvent| run.emit((sku.clone(), None)))
                };
                html! {
                    <tr key={r.sku.clone()} data-sku={r.sku.clone()} data-factory-id={r.factory_id.clone()}>
                        <td class="mono sku">{ &r.sku }</td>
                        <td>{ &r.factory_name }<small class="since mono">{ &r.factory_id }</small></td>
                        <td>{ when(&r.created_at) }<small class="since">{ &r.created_by }</small></td>
                        <td class="actions"><button type="button" class="danger rule-delete" disabled={*busy} onclick={delete}>{ l.t(DropshipMsg::RuleDelete) }</button></td>
                    </tr>
                }
            };
            let heads = [l.t(DropshipMsg::Sku), l.t(DropshipMsg::Factory), l.t(DropshipMsg::SetBy), l.t(CommonMsg::Actions)];
            states::table("rule-table", states::heads(&heads), list.iter().map(row).collect())
        }
    };
    html! {
        <div class="card rules">
            <h3>{ l.t(DropshipMsg::RulesTitle) }</h3>
            <p class="state">{ l.t(DropshipMsg::RulesIntro) }</p>
            <div class="live" aria-live="polite">{ notice }</div>
            { form }
            { body }
        </div>
    }
}
