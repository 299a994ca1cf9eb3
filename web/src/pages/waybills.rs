//! Waybills and printing (`/waybills`): the shop's waybills (number, carrier, orders, state,
//! prints n/3) with row selection; print the selected ones on a label template (one print
//! grant, decrypted in Wasm into the `#print-frame` preview only, see [`crate::print`]), ship
//! the printed ones (their number becomes the tracking number), cancel an unprinted one.

use std::collections::BTreeSet;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use orderveil_api::{Waybill, WaybillShip, WaybillStatus};
use web_sys::{HtmlIFrameElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::notice::{Said, outcome_notice};
use crate::components::states::{self, Load, when};
use crate::components::link::RouteLink;
use crate::i18n::{self, CommonMsg, FulfilMsg};
use crate::print::{self, TEMPLATES, template_name};
use crate::route::Route;
use crate::session::{use_lang, use_session};

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
pub fn waybills() -> Html {
    let (l, s) = (use_lang(), use_session());
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
    let csrf = s.csrf_token.clone();
    let on_print = {
        let (printing, outcome, reload, holder, job, frame_open, close) = (printing.clone(), outcome.clone(), reload.clone(), holder.clone(), job.clone(), frame_open.clone(), close.clone());
        let (csrf, shop, template, nos) = (csrf.clone(), s.user.shop_id.clone(), *template, print_nos.clone());
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
                match print::print(l, &csrf, shop.as_deref(), nos, template, &holder).await {
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
    // A factory's staff prints and ships as granted; its users never open a shop's order page.
    let (may_print, may_ship, factory) = (s.can_print(), s.shop_user() || s.factory_may(orderveil_api::Permission::Ship), s.factory());
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
                                <td class="orders">{ for w.order_ids.iter().map(|id| if factory {
                                    html! { <span class="order-id mono">{ id.clone() }</span> }
                                } else {
                                    html! { <RouteLink to={Route::Order(id.clone())} class="order-link mono">{ id.clone() }</RouteLink> }
                                }) }</td>
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
                <button type="button" id="wb-print" class="primary" hidden={!may_print} disabled={print_nos.is_empty() || busy_now} onclick={on_print}>
                    { format!("{} ({})", l.t(FulfilMsg::WaybillPrint), print_nos.len()) }
                </button>
                <button type="button" id="wb-ship" hidden={!may_ship} disabled={!can_ship || busy_now} title={l.t(FulfilMsg::WaybillShipHint)} onclick={on_ship}>
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
