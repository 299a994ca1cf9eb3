//! One order at `/orders/{id}`: the same masked fields and eyes as the list. Another shop's
//! order is "not found", exactly like a missing one. 厂商代发: the factory it is assigned to
//! or shipped by, and the recall (users with `assign`) until it ships. Reaching the buyer
//! without the number: the virtual number, the message thread, and a link to send a
//! platform SMS (users with `sms`).

use std::rc::Rc;

use orderveil_api::{AssignmentStatus, CARRIERS, ErrorCode, OrderStatus, OrderView, Permission, ShipRequest};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::assigner::refusal;
use crate::components::buyer_contact::{MessageThread, VirtualNumberCell};
use crate::components::link::RouteLink;
use crate::components::reveal::{FieldCell, RevealNotice, can_reveal, eye_icon, use_revealer};
use crate::components::states::{self, Load, when};
use crate::i18n::{self, CommonMsg, DropshipMsg, Lang, OrdersMsg, SmsMsg};
use crate::reveal::{FIELDS, masked};
use crate::route::Route;
use crate::session::{use_lang, use_session};

/// Props.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The order id from the path.
    pub order_id: AttrValue,
}

/// The order page.
#[function_component(OrderPage)]
pub fn order_page(props: &Props) -> Html {
    let (l, s) = (use_lang(), use_session());
    let (load, reload) = states::use_load_afresh(props.order_id.clone(), |id| {
        let id = id.to_string();
        async move { api::order(&id).await }
    });
    let revealer = use_revealer(&s, s.reveal_secs, s.set_quota.clone());
    let eye = can_reveal(&s);
    let ship = s.may(Permission::Ship);
    let assign = s.may(Permission::Assign);
    let back = html! { <RouteLink to={Route::Orders} class="back">{ format!("← {}", l.t(OrdersMsg::Back)) }</RouteLink> };
    let body = match &*load {
        Load::Loading => html! { <p class="state">{ l.t(CommonMsg::Loading) }</p> },
        Load::Failed(e) if e.is(ErrorCode::OrderNotFound) => html! { <p class="error" role="alert" id="order-not-found">{ e.text(l) }</p> },
        Load::Failed(e) => html! { <p class="error" role="alert" id="order-error">{ e.text(l) }</p> },
        Load::Ok(o) => {
            let busy = revealer.busy();
            let shown = revealer.shown(&o.order_id);
            let on_field = {
                let (reveal, o) = (revealer.reveal.clone(), o.clone());
                Callback::from(move |k| reveal.emit((vec![o.clone()], vec![k])))
            };
            let reveal_all = {
                let (reveal, o) = (revealer.reveal.clone(), o.clone());
                Callback::from(move |_: MouseEvent| reveal.emit((vec![o.clone()], FIELDS.to_vec())))
            };
            let on_shipped = {
                let load = load.clone();
                Callback::from(move |o: OrderView| load.set(Load::Ok(Rc::new(o))))
            };
            // An order its factory ships is not shipped by hand (recall it first).
            let open_assignment = o.assignment.as_ref().is_some_and(|a| a.status == AssignmentStatus::Assigned);
            let on_recalled = {
                let reload = reload.clone();
                Callback::from(move |()| reload.set(*reload + 1))
            };
            html! {
                <>
                <div class="card" id="order-detail" data-order-id={o.order_id.clone()}>
                    <dl>
                        <dt>{ l.t(OrdersMsg::OrderId) }</dt><dd class="mono">{ &o.order_id }</dd>
                        <dt>{ l.t(OrdersMsg::Time) }</dt><dd>{ o.created_at.get(..16).unwrap_or(&o.created_at).replace('T', " ") }</dd>
                        <dt>{ l.t(CommonMsg::Status) }</dt><dd id="order-status" data-status={o.status.as_str()}>{ i18n::status_name(l, o.status) }</dd>
                        if let Some(sh) = &o.shipment {
                            <dt>{ l.t(OrdersMsg::Shipment) }</dt>
                            <dd id="order-shipment" data-carrier={sh.carrier.clone()} data-tracking-no={sh.tracking_no.clone()}>
                                { if l == Lang::Zh { &sh.carrier_name } else { &sh.carrier_name_en } }{ " " }<span class="mono">{ &sh.tracking_no }</span>
                                <small class="since">{ when(&sh.shipped_at) }</small>
                            </dd>
                        }
                        if let Some(a) = &o.assignment {
                            <dt>{ l.t(DropshipMsg::OrderFactory) }</dt>
                            <dd id="order-assignment" data-factory-id={a.factory_id.clone()} data-status={a.status.as_str()}>
                                { i18n::assigned_to(l, a.status, &a.factory_name, &a.factory_id) }<small class="since">{ when(&a.assigned_at) }</small>
                                if assign && open_assignment { <Recall order_id={o.order_id.clone()} on_done={on_recalled} /> }
                            </dd>
                        }
                        <dt>{ l.t(OrdersMsg::Items) }</dt><dd>{ o.items.iter().map(|i| format!("{} ×{}", i.title, i.quantity)).collect::<Vec<_>>().join("，") }</dd>
                        { for FIELDS.iter().map(|k| html! {
                            <>
                            <dt>{ i18n::field_name(l, *k) }</dt>
                            <dd class="pii">
                                <FieldCell lang={l} order_id={o.order_id.clone()} kind={*k} masked={masked(o, *k).to_string()}
                                           shown={shown.as_ref().and_then(|s| s.field(*k))} eye={eye} shredded={o.shredded} on_reveal={on_field.clone()} />
                            </dd>
                            </>
                        }) }
                        <dt>{ l.t(SmsMsg::VirtualNumber) }</dt><dd><VirtualNumberCell order_id={o.order_id.clone()} /></dd>
                    </dl>
                    if eye && shown.is_none() && !o.shredded {
                        <button type="button" class="reveal-row primary" disabled={busy} onclick={reveal_all}>{ eye_icon() }{ format!(" {}", l.t(OrdersMsg::RevealRow)) }</button>
                    }
                    if s.may(Permission::Sms) && !o.shredded {
                        <a class="button" id="order-send-sms" href={format!("/sms?orders={}", String::from(js_sys::encode_uri_component(&o.order_id)))}>{ l.t(SmsMsg::SendSms) }</a>
                    }
                </div>
                <MessageThread order_id={o.order_id.clone()} />
                if ship && o.status == OrderStatus::AwaitingShipment && !open_assignment {
                    <ShipForm order_id={o.order_id.clone()} {on_shipped} />
                }
                </>
            }
        }
    };
    html! {
        <section>
            <div class="toolbar"><h2>{ l.t(OrdersMsg::OrderDetail) }</h2>{ back }</div>
            <RevealNotice lang={l} notice={revealer.notice()} on_close={revealer.close_notice.clone()} />
            { body }
        </section>
    }
}

/// Props of [`ShipForm`].
#[derive(Properties, PartialEq)]
struct ShipProps {
    order_id: AttrValue,
    /// Called with the shipped order.
    on_shipped: Callback<OrderView>,
}

/// Ship an order awaiting shipment by hand: carrier (with its number format) and tracking number.
#[function_component(ShipForm)]
fn ship_form(p: &ShipProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let carrier = use_state(|| CARRIERS[0].code);
    let tracking = use_node_ref();
    let failure = use_state(|| None::<ApiFailure>);
    let sending = use_state(|| false);
    let chosen = CARRIERS.iter().find(|c| c.code == *carrier).unwrap_or(&CARRIERS[0]);
    let on_carrier = {
        let carrier = carrier.clone();
        Callback::from(move |e: Event| {
            let v = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            if let Some(c) = CARRIERS.iter().find(|c| c.code == v) {
                carrier.set(c.code);
            }
        })
    };
    let onsubmit = {
        let (failure, sending, tracking, csrf, id, on_shipped, code) = (failure.clone(), sending.clone(), tracking.clone(), s.csrf_token.clone(), p.order_id.clone(), p.on_shipped.clone(), *carrier);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *sending {
                return;
            }
            let tracking_no = tracking.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let req = ShipRequest { carrier: code.to_string(), tracking_no };
            sending.set(true);
            let (failure, sending, csrf, id, on_shipped) = (failure.clone(), sending.clone(), csrf.clone(), id.clone(), on_shipped.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::ship_order(&csrf, &id, &req).await;
                sending.set(false);
                match r {
                    Ok(o) => {
                        failure.set(None);
                        on_shipped.emit(o);
                    }
                    Err(e) => failure.set(Some(e)),
                }
            });
        })
    };
    // A number that does not fit: the carrier's formats, as the server gives them.
    let expected = |f: &ApiFailure| {
        let format = f.details.as_ref().and_then(|d| d.get(if l == Lang::Zh { "format_zh" } else { "format" })).and_then(|v| v.as_str());
        format.filter(|_| f.is(ErrorCode::TrackingNumberInvalid)).map(|x| format!(" {}{x}", l.t(OrdersMsg::ShipExpected))).unwrap_or_default()
    };
    html! {
        <form class="card ship-form" id="ship-form" {onsubmit}>
            <h3>{ l.t(OrdersMsg::ShipTitle) }</h3>
            <label>{ l.t(OrdersMsg::ShipCarrier) }
                <select id="ship-carrier" onchange={on_carrier}>
                    { for CARRIERS.iter().map(|c| html! { <option value={c.code} selected={c.code == *carrier}>{ i18n::carrier_label(l, c) }</option> }) }
                </select>
            </label>
            <small class="muted" id="ship-format">{ l.t(OrdersMsg::ShipFormat) }{ i18n::carrier_format(l, chosen) }</small>
            <label>{ l.t(OrdersMsg::ShipTracking) }
                <input ref={tracking} id="ship-tracking" autocomplete="off" spellcheck="false" aria-invalid={failure.is_some().to_string()} />
            </label>
            if let Some(f) = &*failure {
                <p class="error" role="alert" id="ship-notice" data-code={f.code()}>{ f.text(l) }{ expected(f) }</p>
            }
            <button type="submit" class="primary" id="ship-submit" disabled={*sending}>{ l.t(if *sending { OrdersMsg::Shipping } else { OrdersMsg::ShipSubmit }) }</button>
        </form>
    }
}

/// Props of [`Recall`].
#[derive(Properties, PartialEq)]
struct RecallProps {
    order_id: AttrValue,
    /// Called once recalled (the order reads again).
    on_done: Callback<()>,
}

/// 撤回分配: take the order back from its factory (refused once it shipped).
#[function_component(Recall)]
fn recall(p: &RecallProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let failure = use_state(|| None::<ApiFailure>);
    let sending = use_state(|| false);
    let onclick = {
        let (failure, sending, csrf, id, on_done) = (failure.clone(), sending.clone(), s.csrf_token.clone(), p.order_id.to_string(), p.on_done.clone());
        Callback::from(move |_: MouseEvent| {
            if *sending {
                return;
            }
            sending.set(true);
            let (failure, sending, csrf, id, on_done) = (failure.clone(), sending.clone(), csrf.clone(), id.clone(), on_done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::recall(&csrf, vec![id]).await;
                sending.set(false);
                match r {
                    Ok(_) => on_done.emit(()),
                    Err(e) => failure.set(Some(e)),
                }
            });
        })
    };
    html! { <>
        <button type="button" id="recall" class="danger" disabled={*sending} {onclick}>{ l.t(if *sending { DropshipMsg::Recalling } else { DropshipMsg::Recall }) }</button>
        if let Some(e) = &*failure { { refusal(l, "recall-notice", e) } }
    </> }
}
