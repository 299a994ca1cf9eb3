//! Waybills and printing (`/waybills`): the shop's waybills (number, carrier, orders, state,
//! prints n/3) with row selection; print the selected ones on a label template (one print
//! grant, decrypted in Wasm into the `#print-frame` preview only, see [`crate::print`]), ship
//! the printed ones (their number becomes the tracking number), cancel an unprinted one.
//! Also the allocation panel of the order list ([`Allocator`]).

use std::collections::BTreeSet;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use orderveil_api::{OrderView, Permission, SessionInfo, Waybill, WaybillAllocate, WaybillShip, WaybillStatus};
use web_sys::{HtmlIFrameElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::notice::{Said, outcome_notice};
use crate::components::states::{self, Load, when};
use crate::i18n::{self, CommonMsg, FulfilMsg, Lang, OrdersMsg};
use crate::pages::orders::route_link;
use crate::pages::waybill_accounts::read_accounts;
use crate::print::{self, TEMPLATES, template_name};
use crate::route::Route;

/// May this user allocate and print (owners, staff with `print`)? The server decides each
/// request; this only shows the controls.
pub fn can_print(session: &SessionInfo) -> bool {
    crate::pages::may(session, Permission::Print)
}

const STATUSES: [WaybillStatus; 4] = [WaybillStatus::Allocated, WaybillStatus::Printed, WaybillStatus::Shipped, WaybillStatus::Cancelled];

/// The wire name and the label of a waybill state.
fn status_keys(s: WaybillStatus) -> (&'static str, FulfilMsg) {
    match s {
        WaybillStatus::Allocated => ("allocated", FulfilMsg::WaybillStAllocated),
        WaybillStatus::Printed => ("printed", FulfilMsg::WaybillStPrinted),
        WaybillStatus::Shipped => ("shipped", FulfilMsg::WaybillStShipped),
        WaybillStatus::Cancelled => ("cancelled", FulfilMsg::WaybillStCancelled),
    }
}

/// Can it still be printed or shipped?
fn live(w: &Waybill) -> bool {
    matches!(w.status, WaybillStatus::Allocated | WaybillStatus::Printed)
}

/// Props.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// UI language.
    pub lang: Lang,
    /// Who is logged in (owner or staff with `print`).
    pub session: SessionInfo,
    /// Go to another page.
    pub on_nav: Callback<Route>,
}

/// The last action's result.
#[derive(Clone, PartialEq)]
enum Outcome {
    /// `shipped` (count) or `cancelled` (the number).
    Done(&'static str, usize, String),
    Failed(ApiFailure),
}

/// Where the print job is.
#[derive(Clone, Copy, PartialEq)]
enum Printing {
    Busy,
    /// Labels made and sent to the printer.
    Done(usize),
    Failed,
}

/// The open print job: its frame (holding the only copy of the plaintext) and the timer
/// that closes it.
struct Job {
    frame: HtmlIFrameElement,
    _closes: Timeout,
}

/// How long the preview stays unless closed.
const PREVIEW_MS: u32 = 60_000;

/// The waybills page.
#[function_component(Waybills)]
pub fn waybills(p: &Props) -> Html {
    let l = p.lang;
    let filter = use_state(|| None::<WaybillStatus>);
    let (load, reload) = states::use_load(*filter, |f| api::waybills(f.map(|s| status_keys(s).0)));
    let selected = use_state(BTreeSet::<String>::new);
    let template = use_state(|| TEMPLATES[0]);
    let outcome = use_state(|| None::<Outcome>);
    let printing = use_state(|| None::<Printing>);
    let busy = use_state(|| false);
    let holder = use_node_ref();
    let job = use_mut_ref(|| None::<Job>);
    let frame_open = use_state(|| false);
    let close = {
        let (job, frame_open) = (job.clone(), frame_open.clone());
        use_callback((), move |(), ()| {
            if let Some(j) = job.borrow_mut().take() {
                j.frame.remove();
            }
            frame_open.set(false);
        })
    };
    {
        // Leaving the page ends the job.
        let job = job.clone();
        use_effect_with((), move |_| {
            move || {
                if let Some(j) = job.borrow_mut().take() {
                    j.frame.remove();
                }
            }
        });
    }
    let rows: Rc<Vec<Waybill>> = match &*load {
        Load::Ok(v) => v.clone(),
        _ => Rc::default(),
    };
    let chosen: Vec<&Waybill> = rows.iter().filter(|w| live(w) && selected.contains(&w.waybill_no)).collect();
    let print_nos: Vec<String> = chosen.iter().map(|w| w.waybill_no.clone()).collect();
    let ship_nos: Vec<String> = chosen.iter().filter(|w| w.status == WaybillStatus::Printed).map(|w| w.waybill_no.clone()).collect();
    let can_ship = !chosen.is_empty() && ship_nos.len() == chosen.len();
    let csrf = p.session.csrf_token.clone();
    let on_print = {
        let (printing, outcome, reload, holder, job, frame_open, close) = (printing.clone(), outcome.clone(), reload.clone(), holder.clone(), job.clone(), frame_open.clone(), close.clone());
        let (csrf, shop, template, nos) = (csrf.clone(), p.session.user.shop_id.clone().unwrap_or_default(), *template, print_nos.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(holder) = holder.cast::<web_sys::Element>() else { return };
            if *printing == Some(Printing::Busy) || nos.is_empty() {
                return;
            }
            close.emit(());
            printing.set(Some(Printing::Busy));
            outcome.set(None);
            let (printing, outcome, reload, job, frame_open, close) = (printing.clone(), outcome.clone(), reload.clone(), job.clone(), frame_open.clone(), close.clone());
            let (csrf, shop, nos) = (csrf.clone(), shop.clone(), nos.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match print::print(l, &csrf, &shop, nos, template, &holder).await {
                    Ok(done) => {
                        let closes = Timeout::new(PREVIEW_MS, move || close.emit(()));
                        *job.borrow_mut() = Some(Job { frame: done.frame, _closes: closes });
                        frame_open.set(true);
                        printing.set(Some(Printing::Done(done.labels)));
                    }
                    Err(e) => {
                        printing.set(Some(Printing::Failed));
                        outcome.set(Some(Outcome::Failed(e)));
                    }
                }
                reload.set(*reload + 1);
            });
        })
    };
    let on_ship = {
        let (busy, outcome, reload, selected, csrf, nos) = (busy.clone(), outcome.clone(), reload.clone(), selected.clone(), csrf.clone(), ship_nos);
        Callback::from(move |_: MouseEvent| {
            if *busy || nos.is_empty() {
                return;
            }
            busy.set(true);
            let (busy, outcome, reload, selected, csrf, nos) = (busy.clone(), outcome.clone(), reload.clone(), selected.clone(), csrf.clone(), nos.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let n = nos.len();
                outcome.set(Some(match api::ship_waybills(&csrf, &WaybillShip { waybill_nos: nos }).await {
                    Ok(_) => {
                        selected.set(BTreeSet::new());
                        Outcome::Done("shipped", n, String::new())
                    }
                    Err(e) => Outcome::Failed(e),
                }));
                busy.set(false);
                reload.set(*reload + 1);
            });
        })
    };
    let on_cancel = {
        let (busy, outcome, reload, csrf) = (busy.clone(), outcome.clone(), reload.clone(), csrf.clone());
        Callback::from(move |no: String| {
            if *busy {
                return;
            }
            busy.set(true);
            let (busy, outcome, reload, csrf) = (busy.clone(), outcome.clone(), reload.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                outcome.set(Some(match api::cancel_waybill(&csrf, &no).await {
                    Ok(w) => Outcome::Done("cancelled", 1, w.waybill_no),
                    Err(e) => Outcome::Failed(e),
                }));
                busy.set(false);
                reload.set(*reload + 1);
            });
        })
    };
    let toggle = |no: Option<String>| {
        let (selected, rows) = (selected.clone(), rows.clone());
        Callback::from(move |_: Event| {
            let mut s = (*selected).clone();
            match &no {
                Some(no) if !s.remove(no) => {
                    s.insert(no.clone());
                }
                Some(_) => {}
                // The header box: every live waybill, or none.
                None if rows.iter().filter(|w| live(w)).all(|w| s.contains(&w.waybill_no)) => s.clear(),
                None => s.extend(rows.iter().filter(|w| live(w)).map(|w| w.waybill_no.clone())),
            }
            selected.set(s);
        })
    };
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: Event| {
            let v = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            filter.set(STATUSES.into_iter().find(|s| status_keys(*s).0 == v));
        })
    };
    let on_template = {
        let template = template.clone();
        Callback::from(move |e: Event| {
            let v = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            if let Some(t) = TEMPLATES.into_iter().find(|t| *t == v) {
                template.set(t);
            }
        })
    };
    let notice = outcome_notice(l, &outcome, |o| match o {
        Outcome::Failed(e) => Said { ok: false, id: "wb-notice", code: e.code(), text: e.text(l) },
        Outcome::Done(what, n, no) => Said { ok: true, id: "wb-status", code: (*what).to_string(), text: i18n::waybill_done(l, what, *n, no) },
    });
    let print_status = match *printing {
        None => html! {},
        Some(s) => {
            let (state, text) = match s {
                Printing::Busy => ("printing", l.t(FulfilMsg::WaybillPrinting).to_string()),
                Printing::Done(n) => ("done", i18n::waybill_done(l, "printed", n, "")),
                Printing::Failed => ("failed", l.t(FulfilMsg::WaybillPrintFailed).to_string()),
            };
            html! {
                <div class="print-bar">
                    <p id="print-status" class={classes!("state", state)} data-state={state} role="status" aria-live="polite">{ text }</p>
                    if *frame_open {
                        <span class="muted">{ l.t(FulfilMsg::PrintCloses) }</span>
                        <button type="button" id="print-done" class="primary" onclick={close.reform(|_: MouseEvent| ())}>{ l.t(FulfilMsg::PrintDone) }</button>
                    }
                </div>
            }
        }
    };
    let busy_now = *busy || *printing == Some(Printing::Busy);
    let body = match &*load {
        Load::Loading => states::loading(l, "wb-loading", true),
        Load::Failed(e) => states::failed_reload(l, "wb-error", e, &reload),
        Load::Ok(list) if list.is_empty() => html! { <p class="state" id="wb-empty">{ l.t(FulfilMsg::WaybillEmpty) }</p> },
        Load::Ok(list) => {
            let all = list.iter().any(live) && list.iter().filter(|w| live(w)).all(|w| selected.contains(&w.waybill_no));
            states::table(
                "wb-table",
                html! { <>
                    <th class="check"><input type="checkbox" id="wb-select-all" aria-label={l.t(FulfilMsg::WaybillSelectAll)} checked={all} onchange={toggle(None)} /></th>
                    { states::heads(&[l.t(FulfilMsg::WaybillNo), l.t(FulfilMsg::AccountCarrier), l.t(FulfilMsg::WaybillOrders), l.t(CommonMsg::Status), l.t(FulfilMsg::WaybillPrints), l.t(FulfilMsg::WaybillAllocated), l.t(CommonMsg::Actions)]) }
                </> },
                html! { <>
                    { for list.iter().map(|w| {
                        let no = w.waybill_no.clone();
                        let (status, key) = status_keys(w.status);
                        let cancel = {
                            let (cb, no) = (on_cancel.clone(), no.clone());
                            Callback::from(move |_: MouseEvent| cb.emit(no.clone()))
                        };
                        let is_selected = live(w) && selected.contains(&no);
                        html! {
                            <tr key={no.clone()} data-waybill-no={no.clone()} data-status={status} class={classes!(is_selected.then_some("selected"))}>
                                <td class="check">
                                    <input type="checkbox" class="wb-select" aria-label={format!("{} {no}", l.t(FulfilMsg::WaybillSelect))} checked={is_selected} disabled={!live(w)}
                                           onchange={toggle(Some(no.clone()))} />
                                </td>
                                <td class="mono no">{ &no }</td>
                                <td class="carrier">{ i18n::carrier_name(l, &w.carrier) }</td>
                                <td class="orders">{ for w.order_ids.iter().map(|id| route_link(Route::Order(id.clone()), &p.on_nav, "order-link mono", html! { { id.clone() } })) }</td>
                                <td><span class={classes!("badge", "wb-status", status)}>{ l.t(key) }</span></td>
                                <td class="prints">{ format!("{}/{}", w.print_count, w.print_limit) }</td>
                                <td>{ when(&w.allocated_at) }<small class="since">{ &w.allocated_by }</small></td>
                                <td class="actions">
                                    if w.status == WaybillStatus::Allocated && w.print_count == 0 {
                                        <button type="button" class="wb-cancel danger" disabled={busy_now} onclick={cancel}>{ l.t(FulfilMsg::WaybillCancel) }</button>
                                    }
                                </td>
                            </tr>
                        }
                    }) }
                </> },
            )
        }
    };
    html! {
        <section class="waybills" id="wb-page">
            <div class="toolbar">
                <h2>{ l.t(FulfilMsg::WaybillTitle) }</h2>
                <select id="wb-status-filter" onchange={on_filter} aria-label={l.t(CommonMsg::Status)}>
                    <option value="" selected={filter.is_none()}>{ l.t(FulfilMsg::WaybillAll) }</option>
                    { for STATUSES.iter().map(|s| html! { <option value={status_keys(*s).0} selected={*filter == Some(*s)}>{ l.t(status_keys(*s).1) }</option> }) }
                </select>
            </div>
            <p class="state">{ l.t(FulfilMsg::WaybillIntro) }</p>
            <div class="bulk">
                <label class="template">{ l.t(FulfilMsg::WaybillTemplate) }
                    <select id="wb-template" onchange={on_template}>
                        { for TEMPLATES.iter().map(|t| html! { <option value={*t} selected={*template == *t}>{ l.t(template_name(t)) }</option> }) }
                    </select>
                </label>
                <button type="button" id="wb-print" class="primary" disabled={print_nos.is_empty() || busy_now} onclick={on_print}>
                    { format!("{} ({})", l.t(FulfilMsg::WaybillPrint), print_nos.len()) }
                </button>
                <button type="button" id="wb-ship" disabled={!can_ship || busy_now} title={l.t(FulfilMsg::WaybillShipHint)} onclick={on_ship}>
                    { format!("{} ({})", l.t(FulfilMsg::WaybillShip), if can_ship { chosen.len() } else { 0 }) }
                </button>
            </div>
            <div class="live" aria-live="polite">{ notice }</div>
            { print_status }
            // The print job's frame goes in here (outside Yew's children, so renders leave it alone).
            <div class="print-area" id="print-area" ref={holder}></div>
            { body }
        </section>
    }
}

/// Why the chosen orders cannot share one waybill, if they cannot.
fn merge_blocked(orders: &[Rc<OrderView>]) -> Option<OrdersMsg> {
    match orders {
        [] | [_] => Some(OrdersMsg::MergeNeedTwo),
        [first, rest @ ..] if rest.iter().any(|o| o.receiver_key != first.receiver_key) => Some(OrdersMsg::MergeReceiversDiffer),
        _ => None,
    }
}

/// Props of [`Allocator`].
#[derive(Properties, PartialEq)]
pub struct AllocateProps {
    /// UI language.
    pub lang: Lang,
    /// The session's CSRF token.
    pub csrf: AttrValue,
    /// The selected orders.
    pub orders: Vec<Rc<OrderView>>,
    /// Go to another page (the waybills after an allocation).
    pub on_nav: Callback<Route>,
}

/// The order list's "allocate waybills" button and its panel: an approved account, merge
/// (only when every selected order has one receiver), allocate; then a link to print them.
/// The accounts are read each time the panel opens.
#[function_component(Allocator)]
pub fn allocator(p: &AllocateProps) -> Html {
    let l = p.lang;
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
        let (open, done, failure, sending, csrf, merge) = (open.clone(), done.clone(), failure.clone(), sending.clone(), p.csrf.clone(), *merge && blocked.is_none());
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
            let (open, done, failure, sending, csrf) = (open.clone(), done.clone(), failure.clone(), sending.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::allocate_waybills(&csrf, &req).await;
                sending.set(false);
                match r {
                    Ok(w) => {
                        open.set(false);
                        done.set(Some(w.len()));
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
                <span>{ i18n::waybill_done(l, "allocated", n, "") }{ " " }{ route_link(Route::Waybills, &p.on_nav, "go-waybills", html! { { l.t(OrdersMsg::GoWaybills) } }) }</span>
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
