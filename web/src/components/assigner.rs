//! 厂商代发 on the order list (owners, staff with `assign`): assign the selected orders, or
//! every order of the list's current filter, to an active factory; recall the selected
//! assigned orders. All or nothing: a refusal lists each refused order with its reason.

use orderveil_api::{AssignRequest, Binding, BindingStatus, ErrorCode, OrderQuery};
use serde_json::Value;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::notice::{Said, outcome_notice};
use crate::components::states::{self, Load};
use crate::i18n::{self, DropshipMsg, Lang, OrdersMsg};
use crate::session::{use_lang, use_session};

/// The active bindings' factories, or none while `skip` (the panel is closed).
pub async fn active_factories(skip: bool) -> Result<Vec<Binding>, ApiFailure> {
    if skip {
        return Ok(Vec::new());
    }
    api::bindings().await.map(|all| all.into_iter().filter(|b| b.status == BindingStatus::Active).collect())
}

/// A refused assignment or recall: the code's message, and the orders the details name (each
/// refused order with its reason, or the orders without an open assignment).
pub fn refusal(l: Lang, id: &'static str, e: &ApiFailure) -> Html {
    let details = e.details.as_ref();
    let list = |key: &str| details.and_then(|d| d.get(key)).and_then(Value::as_array).cloned().unwrap_or_default();
    let refused_orders = list("refused");
    let orders = if e.is(ErrorCode::OrderNotAssignable) || (e.is(ErrorCode::FactorySuspended) && !refused_orders.is_empty()) {
        let rows = refused_orders.into_iter().map(|r| {
            let (order, reason) = (r["order_id"].as_str().unwrap_or_default().to_string(), r["reason"].as_str().unwrap_or_default().to_string());
            let text = i18n::refusal_reason(&reason).map_or_else(|| reason.clone(), |k| l.t(k).to_string());
            html! { <tr data-order-id={order.clone()} data-reason={reason}><td class="mono">{ order }</td><td class="reason">{ text }</td></tr> }
        });
        html! { <>
            <p>{ l.t(DropshipMsg::RefusedTitle) }</p>
            { states::table("assign-refused", states::heads(&[l.t(OrdersMsg::OrderId), l.t(DropshipMsg::Reason)]), rows.collect()) }
        </> }
    } else if e.is(ErrorCode::AssignmentStateConflict) {
        let ids: Vec<String> = list("order_ids").iter().filter_map(|v| v.as_str().map(String::from)).collect();
        html! { <p id="recall-conflict">{ l.t(DropshipMsg::RecallConflictTitle) }{ " " }<span class="mono">{ ids.join("，") }</span></p> }
    } else {
        html! {}
    };
    html! {
        <div {id} class="notice error refusal" role="alert" data-code={e.code()}>
            <div><span>{ e.text(l) }</span>{ orders }</div>
        </div>
    }
}

/// What the panel assigns.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Selected,
    Filter,
}

/// The last action's result.
#[derive(Clone, PartialEq)]
enum Outcome {
    Done(bool, u64, String),
    Failed(ApiFailure),
}

/// Props of [`Assigner`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The selected orders.
    pub selected: Vec<String>,
    /// The selected orders with an open assignment (they can be recalled).
    pub assigned: Vec<String>,
    /// The list's filter (its page is ignored) and how many orders it matches.
    pub filter: OrderQuery,
    /// Orders the filter matches.
    pub total: u64,
    /// Called after an assignment or a recall (the list reads again).
    pub on_done: Callback<()>,
}

/// 分配给厂商 (n), 按当前筛选分配 (total), 撤回分配 (n); the panel with the factory; the outcome.
#[function_component(Assigner)]
pub fn assigner(p: &Props) -> Html {
    let (l, s) = (use_lang(), use_session());
    let mode = use_state(|| None::<Mode>);
    let (load, reload) = states::use_load(mode.is_none(), |skip| active_factories(*skip));
    let factory = use_state(|| None::<String>);
    let outcome = use_state(|| None::<Outcome>);
    let sending = use_state(|| false);
    let open = |m: Mode| {
        let (mode, outcome) = (mode.clone(), outcome.clone());
        Callback::from(move |_: MouseEvent| {
            outcome.set(None);
            mode.set(if *mode == Some(m) { None } else { Some(m) });
        })
    };
    let chosen = match &*load {
        Load::Ok(list) => (*factory).clone().filter(|f| list.iter().any(|b| &b.factory_id == f)).or_else(|| list.first().map(|b| b.factory_id.clone())),
        _ => None,
    };
    let name_of = |id: &str| match &*load {
        Load::Ok(list) => list.iter().find(|b| b.factory_id == id).map_or_else(|| id.to_string(), |b| format!("{}（{id}）", b.factory_name)),
        _ => id.to_string(),
    };
    let onsubmit = {
        let (mode, outcome, sending, csrf, on_done) = (mode.clone(), outcome.clone(), sending.clone(), s.csrf_token.clone(), p.on_done.clone());
        let (ids, filter, chosen) = (p.selected.clone(), p.filter.clone(), chosen.clone());
        let name = chosen.as_deref().map(name_of).unwrap_or_default();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Some(m), Some(factory_id)) = (*mode, chosen.clone()) else { return };
            if *sending {
                return;
            }
            let req = match m {
                Mode::Selected => AssignRequest { factory_id, order_ids: ids.clone(), filter: None },
                Mode::Filter => AssignRequest { factory_id, order_ids: Vec::new(), filter: Some(OrderQuery { page: None, per_page: None, shop_id: None, ..filter.clone() }) },
            };
            sending.set(true);
            let (mode, outcome, sending, csrf, on_done, name) = (mode.clone(), outcome.clone(), sending.clone(), csrf.clone(), on_done.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::assign(&csrf, &req).await;
                sending.set(false);
                outcome.set(Some(match r {
                    Ok(done) => {
                        mode.set(None);
                        on_done.emit(());
                        Outcome::Done(false, done.assigned, name)
                    }
                    Err(e) => Outcome::Failed(e),
                }));
            });
        })
    };
    let on_recall = {
        let (outcome, sending, csrf, on_done, ids) = (outcome.clone(), sending.clone(), s.csrf_token.clone(), p.on_done.clone(), p.assigned.clone());
        Callback::from(move |_: MouseEvent| {
            if *sending || ids.is_empty() {
                return;
            }
            sending.set(true);
            let (outcome, sending, csrf, on_done, ids) = (outcome.clone(), sending.clone(), csrf.clone(), on_done.clone(), ids.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::recall(&csrf, ids).await;
                sending.set(false);
                outcome.set(Some(match r {
                    Ok(done) => {
                        on_done.emit(());
                        Outcome::Done(true, done.recalled, String::new())
                    }
                    Err(e) => Outcome::Failed(e),
                }));
            });
        })
    };
    let on_factory = {
        let factory = factory.clone();
        Callback::from(move |e: Event| factory.set(e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value())))
    };
    let factories = match &*load {
        Load::Loading => states::loading(l, "assign-loading", false),
        Load::Failed(e) => states::failed_reload(l, "assign-error", e, &reload),
        Load::Ok(list) if list.is_empty() => html! { <p class="state" id="assign-no-factory">{ l.t(DropshipMsg::NoActiveFactory) }</p> },
        Load::Ok(list) => html! {
            <label>{ l.t(DropshipMsg::Factory) }
                <select id="assign-factory" onchange={on_factory}>
                    { for list.iter().map(|b| html! {
                        <option value={b.factory_id.clone()} selected={chosen.as_deref() == Some(b.factory_id.as_str())}>{ format!("{}（{}）", b.factory_name, b.factory_id) }</option>
                    }) }
                </select>
            </label>
        },
    };
    let n = p.selected.len();
    let result = match &*outcome {
        Some(Outcome::Failed(e)) => refusal(l, "assign-notice", e),
        _ => outcome_notice(l, &outcome, |o| match o {
            Outcome::Done(recalled, n, name) => {
                Said { ok: true, id: "assign-status", code: (if *recalled { "recalled" } else { "assigned" }).into(), text: i18n::assign_done(l, *recalled, *n, name) }
            }
            Outcome::Failed(e) => Said { ok: false, id: "assign-notice", code: e.code(), text: e.text(l) },
        }),
    };
    html! { <>
        <button type="button" id="assign-selected" aria-expanded={(*mode == Some(Mode::Selected)).to_string()} disabled={n == 0} onclick={open(Mode::Selected)}>
            { format!("{} ({n})", l.t(DropshipMsg::AssignSelected)) }
        </button>
        <button type="button" id="assign-filter" aria-expanded={(*mode == Some(Mode::Filter)).to_string()} disabled={p.total == 0} onclick={open(Mode::Filter)}>
            { format!("{} ({})", l.t(DropshipMsg::AssignFilter), p.total) }
        </button>
        <button type="button" id="recall-selected" disabled={p.assigned.is_empty() || *sending} onclick={on_recall}>
            { format!("{} ({})", l.t(DropshipMsg::Recall), p.assigned.len()) }
        </button>
        if let Some(m) = *mode {
            <form class="card assign-panel" id="assign-panel" data-mode={if m == Mode::Filter { "filter" } else { "selected" }} {onsubmit}>
                <h3>{ l.t(DropshipMsg::AssignTitle) }</h3>
                { factories }
                if m == Mode::Filter { <small class="muted" id="assign-filter-note">{ l.t(DropshipMsg::AssignFilterNote) }</small> }
                <button type="submit" class="primary" id="assign-submit" disabled={chosen.is_none() || *sending}>
                    { format!("{} ({})", l.t(if *sending { DropshipMsg::Assigning } else { DropshipMsg::AssignSubmit }), if m == Mode::Filter { p.total } else { n as u64 }) }
                </button>
            </form>
        }
        <div class="live assign-result" aria-live="polite">{ result }</div>
    </> }
}
