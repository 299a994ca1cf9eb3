//! The order list's waybill allocation (owners, staff with `print`; the factory console's
//! list for factory users with `print`): an approved e-waybill account, one waybill per order
//! or one merged shipment (only when every selected order has one receiver), then a link to
//! print them.

use std::future::Future;

use orderveil_api::{WaybillAccount, WaybillAllocate};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::link::RouteLink;
use crate::components::states::{self, Load};
use crate::i18n::{self, OrdersMsg};
use crate::route::Route;
use crate::session::{use_lang, use_session};

/// The accounts with `status` (all when `None`) for [`states::use_load`], or none while
/// `skip` (the order list's allocation panel when closed). One function for both pages, so
/// the hook is compiled once.
pub fn read_accounts(&(status, skip): &(Option<&'static str>, bool)) -> impl Future<Output = Result<Vec<WaybillAccount>, ApiFailure>> + use<> {
    async move { if skip { Ok(Vec::new()) } else { api::waybill_accounts(status).await } }
}

/// Why the chosen orders cannot share one waybill, if they cannot.
fn merge_blocked(orders: &[Chosen]) -> Option<OrdersMsg> {
    match orders {
        [] | [_] => Some(OrdersMsg::MergeNeedTwo),
        [first, rest @ ..] if rest.iter().any(|o| o.receiver != first.receiver) => Some(OrdersMsg::MergeReceiversDiffer),
        _ => None,
    }
}

/// A selected order: its id and whom it goes to (orders with one `receiver` can merge: the
/// receiver key, and for a factory also the shop, as keys are per shop).
#[derive(Clone, PartialEq)]
pub struct Chosen {
    /// The order.
    pub order_id: String,
    /// Its receiver key (with the shop, for a factory).
    pub receiver: String,
}

/// Props of [`Allocator`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The selected orders.
    pub orders: Vec<Chosen>,
    /// Called after an allocation (the list reads again).
    #[prop_or_default]
    pub on_done: Callback<()>,
}

/// The order list's "allocate waybills" button and its panel: an approved account, merge
/// (only when every selected order has one receiver), allocate; then a link to print them.
/// The accounts are read each time the panel opens.
#[function_component(Allocator)]
pub fn allocator(p: &Props) -> Html {
    let (l, s) = (use_lang(), use_session());
    let open = use_state(|| false);
    let done = use_state(|| None::<usize>);
    let (load, reload) = states::use_load((Some("approved"), !*open), read_accounts);
    let account = use_state(|| None::<i64>);
    let merge = use_state(|| false);
    let failure = use_state(|| None::<ApiFailure>);
    let sending = use_state(|| false);
    let n = p.orders.len();
    let toggle = {
        let (open, done, failure) = (open.clone(), done.clone(), failure.clone());
        Callback::from(move |_: MouseEvent| {
            done.set(None);
            failure.set(None);
            open.set(!*open);
        })
    };
    let blocked = merge_blocked(&p.orders);
    let chosen = match &*load {
        Load::Ok(list) => (*account).filter(|a| list.iter().any(|x| x.id == *a)).or_else(|| list.first().map(|a| a.id)),
        _ => None,
    };
    let onsubmit = {
        let (open, done, failure, sending, csrf, merge, on_done) = (open.clone(), done.clone(), failure.clone(), sending.clone(), s.csrf_token.clone(), *merge && blocked.is_none(), p.on_done.clone());
        let order_ids: Vec<String> = p.orders.iter().map(|o| o.order_id.clone()).collect();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(account_id) = chosen else { return };
            if *sending {
                return;
            }
            failure.set(None);
            sending.set(true);
            let req = WaybillAllocate { account_id, order_ids: order_ids.clone(), merge };
            let (open, done, failure, sending, csrf, on_done) = (open.clone(), done.clone(), failure.clone(), sending.clone(), csrf.clone(), on_done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::allocate_waybills(&csrf, &req).await;
                sending.set(false);
                match r {
                    Ok(w) => {
                        open.set(false);
                        done.set(Some(w.len()));
                        on_done.emit(());
                    }
                    Err(e) => failure.set(Some(e)),
                }
            });
        })
    };
    let on_account = {
        let account = account.clone();
        Callback::from(move |e: Event| account.set(e.target_dyn_into::<HtmlSelectElement>().and_then(|s| s.value().parse().ok())))
    };
    let on_merge = {
        let merge = merge.clone();
        Callback::from(move |e: Event| merge.set(e.target_dyn_into::<HtmlInputElement>().is_some_and(|i| i.checked())))
    };
    let accounts = match &*load {
        Load::Loading => states::loading(l, "allocate-loading", false),
        Load::Failed(e) => states::failed_reload(l, "allocate-error", e, &reload),
        Load::Ok(list) if list.is_empty() => html! { <p class="state" id="allocate-no-account">{ l.t(OrdersMsg::AllocateNoAccount) }</p> },
        Load::Ok(list) => html! {
            <label>{ l.t(OrdersMsg::AllocateAccount) }
                <select id="allocate-account" onchange={on_account}>
                    { for list.iter().map(|a| html! {
                        <option value={a.id.to_string()} selected={chosen == Some(a.id)}>{ i18n::account_choice(l, &a.carrier, &a.outlet, a.balance) }</option>
                    }) }
                </select>
            </label>
        },
    };
    html! { <>
        <button type="button" id="allocate-selected" aria-expanded={open.to_string()} disabled={n == 0} onclick={toggle}>
            { format!("{} ({n})", l.t(OrdersMsg::AllocateSelected)) }
        </button>
        if let Some(n) = *done {
            <div id="allocate-status" class="notice ok" role="status" data-code="allocated">
                <span>{ i18n::waybill_done(l, "allocated", n, "") }{ " " }<RouteLink to={Route::Waybills} class="go-waybills">{ l.t(OrdersMsg::GoWaybills) }</RouteLink></span>
            </div>
        }
        if *open && n > 0 {
            <form class="card allocate-panel" id="allocate-panel" {onsubmit}>
                <h3>{ l.t(OrdersMsg::AllocateTitle) }</h3>
                { accounts }
                <label class="scope">
                    <input type="checkbox" id="allocate-merge" checked={*merge && blocked.is_none()} disabled={blocked.is_some()} onchange={on_merge} />
                    { l.t(OrdersMsg::AllocateMerge) }
                </label>
                if let Some(why) = blocked { <small class="muted" id="allocate-merge-why">{ l.t(why) }</small> }
                if let Some(f) = &*failure {
                    <p class="error" role="alert" id="allocate-notice" data-code={f.code()}>{ f.text(l) }</p>
                }
                <button type="submit" class="primary" id="allocate-submit" disabled={chosen.is_none() || *sending}>
                    { l.t(if *sending { OrdersMsg::Allocating } else { OrdersMsg::AllocateSubmit }) }
                </button>
            </form>
        }
    </> }
}
