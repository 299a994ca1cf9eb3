//! Reaching the buyer from the order page without the number: the order's virtual number
//! (隐私号, asked for with a button by users who may reveal) and the message thread with the
//! buyer (read by users with `view`, answered by owners and staff with `sms`). Opening the
//! thread marks the buyer's messages read.

use orderveil_api::{ErrorCode, MessageSender, OrderThread, Permission, VirtualNumber};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::states::{self, Load, when};
use crate::i18n::SmsMsg;
use crate::session::{use_lang, use_session};

/// Props of both components.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The order.
    pub order_id: AttrValue,
}

/// The order's virtual number, or a button to get one (owners and staff with `reveal`).
#[function_component(VirtualNumberCell)]
pub fn virtual_number_cell(p: &Props) -> Html {
    let (l, s) = (use_lang(), use_session());
    let (load, _) = states::use_load(p.order_id.clone(), |id| {
        let id = id.to_string();
        async move {
            match api::virtual_number(&id).await {
                Ok(v) => Ok(Some(v)),
                Err(e) if e.is(ErrorCode::NotFound) => Ok(None),
                Err(e) => Err(e),
            }
        }
    });
    let failure = use_state(|| None::<ApiFailure>);
    let asking = use_state(|| false);
    let ask = {
        let (load, failure, asking, csrf, id) = (load.clone(), failure.clone(), asking.clone(), s.csrf_token.clone(), p.order_id.to_string());
        Callback::from(move |_: MouseEvent| {
            if *asking {
                return;
            }
            asking.set(true);
            let (load, failure, asking, csrf, id) = (load.clone(), failure.clone(), asking.clone(), csrf.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::request_virtual_number(&csrf, &id).await {
                    Ok(v) => {
                        failure.set(None);
                        load.set(Load::Ok(std::rc::Rc::new(Some(v))));
                    }
                    Err(e) => failure.set(Some(e)),
                }
                asking.set(false);
            });
        })
    };
    let number = |v: &VirtualNumber| {
        html! { <>
            <span class="mono" id="virtual-number" data-number={v.number.clone()} data-extension={v.extension.clone()}>{ &v.display }</span>
            <small class="since">{ match &v.valid_to { Some(t) => format!("{} {}", l.t(SmsMsg::VirtualUntil), when(t)), None => l.t(SmsMsg::VirtualOpen).to_string() } }</small>
        </> }
    };
    html! {
        <span id="virtual-number-cell">
            { match &*load {
                Load::Loading => html! { <span class="muted">{ "…" }</span> },
                Load::Failed(e) => html! { <span class="error">{ e.text(l) }</span> },
                Load::Ok(v) => match v.as_ref() {
                    Some(v) => number(v),
                    None if s.may(Permission::Reveal) => html! {
                        <button type="button" id="virtual-number-ask" disabled={*asking} onclick={ask}>{ l.t(if *asking { SmsMsg::VirtualAsking } else { SmsMsg::VirtualAsk }) }</button>
                    },
                    None => html! { <span class="muted">{ l.t(SmsMsg::VirtualNone) }</span> },
                },
            } }
            if let Some(f) = &*failure { <span class="error" role="alert" id="virtual-number-notice" data-code={f.code()}>{ f.text(l) }</span> }
        </span>
    }
}

/// The order's thread with the buyer, and a reply box for users who may write.
#[function_component(MessageThread)]
pub fn message_thread(p: &Props) -> Html {
    let (l, s) = (use_lang(), use_session());
    let csrf = s.csrf_token.clone();
    // Reading it marks the buyer's messages read (the list's count clears).
    let (load, reload) = states::use_load(p.order_id.clone(), move |id| {
        let (id, csrf) = (id.to_string(), csrf.clone());
        async move { api::order_thread_read(&csrf, &id).await }
    });
    let body = use_node_ref();
    let failure = use_state(|| None::<ApiFailure>);
    let sending = use_state(|| false);
    let write = s.may(Permission::Sms) || s.factory();
    let onsubmit = {
        let (body, failure, sending, reload, csrf, id) = (body.clone(), failure.clone(), sending.clone(), reload.clone(), s.csrf_token.clone(), p.order_id.to_string());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(area) = body.cast::<HtmlTextAreaElement>() else { return };
            let text = area.value();
            if *sending || text.trim().is_empty() {
                return;
            }
            sending.set(true);
            let (failure, sending, reload, csrf, id) = (failure.clone(), sending.clone(), reload.clone(), csrf.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::order_message(&csrf, &id, text).await {
                    Ok(_) => {
                        area.set_value("");
                        failure.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => failure.set(Some(e)),
                }
                sending.set(false);
            });
        })
    };
    let thread = |t: &OrderThread| {
        if t.messages.is_empty() {
            return html! { <p class="state" id="thread-empty">{ l.t(SmsMsg::ThreadEmpty) }</p> };
        }
        html! {
            <ol class="thread" id="thread" data-count={t.messages.len().to_string()}>
                { for t.messages.iter().map(|m| {
                    let who = match m.sender { MessageSender::Buyer => l.t(SmsMsg::Buyer).to_string(), _ => m.author.clone() };
                    html! {
                        <li class={classes!("message", m.sender.as_str())} data-sender={m.sender.as_str()} data-message-id={m.id.to_string()}>
                            <div class="message-head"><strong>{ who }</strong><small class="since">{ when(&m.created_at) }</small></div>
                            <div class="message-body">{ &m.body }</div>
                        </li>
                    }
                }) }
            </ol>
        }
    };
    html! {
        <div class="card" id="order-thread">
            <h3>{ l.t(SmsMsg::Thread) }</h3>
            { match &*load {
                Load::Loading => states::loading(l, "thread-loading", false),
                Load::Failed(e) => html! { <p class="error" role="alert" id="thread-error">{ e.text(l) }</p> },
                Load::Ok(t) => thread(t),
            } }
            if write {
                <form class="reply" id="thread-reply" {onsubmit}>
                    <textarea ref={body} id="thread-body" rows="2" maxlength="1000" placeholder={l.t(SmsMsg::ReplyHint)} aria-label={l.t(SmsMsg::ReplyHint)} />
                    <button type="submit" class="primary" id="thread-send" disabled={*sending}>{ l.t(if *sending { SmsMsg::Replying } else { SmsMsg::Reply }) }</button>
                    if let Some(f) = &*failure { <p class="error" role="alert" id="thread-notice" data-code={f.code()}>{ f.text(l) }</p> }
                </form>
            }
        </div>
    }
}
