//! 平台短信 (`/sms`, console): send an approved template to the orders selected in the order
//! list or opened on the order page (`?orders=a,b`), with each order's filled text and masked
//! number previewed first; the shop's templates (submit a new one or a new version, withdraw a
//! pending one) with their states; and the outbox, refreshed every 2 s while messages are on
//! their way. The number is never in the page.

use std::rc::Rc;

use gloo_timers::callback::Interval;
use orderveil_api::{ErrorCode, SmsKind, SmsSend, SmsStatus, SmsTemplate, SmsTemplateCreate, SmsTemplateStatus};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::states::{self, Load, when};
use crate::i18n::{Lang, SmsMsg, sms_kind, sms_refusal, sms_status, sms_template_status};
use crate::session::{use_lang, use_session};

/// The orders of `?orders=a,b` (at most 500).
fn asked_orders() -> Vec<String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok();
    let raw = params.and_then(|p| p.get("orders")).unwrap_or_default();
    raw.split(',').map(str::trim).filter(|s| !s.is_empty()).take(500).map(str::to_string).collect()
}

/// The SMS page.
#[function_component(Sms)]
pub fn sms() -> Html {
    let l = use_lang();
    let orders = use_memo((), |_| asked_orders());
    let (templates, reload_templates) = states::use_load((), |_| api::sms_templates(None));
    let (outbox, reload_outbox) = states::use_load((), |_| api::sms_outbox());
    // While a message is on its way, read the outbox again every 2 s.
    let pending = matches!(&*outbox, Load::Ok(p) if p.messages.iter().any(|m| matches!(m.status, SmsStatus::Queued | SmsStatus::Sending | SmsStatus::Failed)));
    {
        let reload = reload_outbox.clone();
        use_effect_with(pending, move |on| {
            let timer = on.then(|| Interval::new(2000, move || reload.set(*reload + 1)));
            move || drop(timer)
        });
    }
    let on_sent = {
        let reload = reload_outbox.clone();
        Callback::from(move |()| reload.set(*reload + 1))
    };
    let on_submitted = {
        let reload = reload_templates.clone();
        Callback::from(move |()| reload.set(*reload + 1))
    };
    let approved: Vec<Rc<SmsTemplate>> = match &*templates {
        Load::Ok(t) => t.iter().filter(|t| t.status == SmsTemplateStatus::Approved).cloned().map(Rc::new).collect(),
        _ => Vec::new(),
    };
    html! {
        <section class="sms-page" id="sms-page">
            <div class="toolbar"><h2>{ l.t(SmsMsg::Title) }</h2></div>
            <p class="state">{ l.t(SmsMsg::Intro) }</p>
            if !orders.is_empty() {
                <SendCard orders={orders.clone()} templates={approved} {on_sent} />
            }
            <div class="card" id="sms-templates">
                <h3>{ l.t(SmsMsg::TemplatesTitle) }</h3>
                { match &*templates {
                    Load::Loading => states::loading(l, "templates-loading", true),
                    Load::Failed(e) => states::failed_retry(l, "templates-error", e, states::retry_afresh(&templates, &reload_templates), true),
                    Load::Ok(t) => template_table(l, t, &reload_templates),
                } }
                <TemplateForm on_submitted={on_submitted} />
            </div>
            <div class="card" id="sms-outbox">
                <h3>{ l.t(SmsMsg::OutboxTitle) }</h3>
                { match &*outbox {
                    Load::Loading => states::loading(l, "outbox-loading", true),
                    Load::Failed(e) => states::failed_retry(l, "outbox-error", e, states::retry_afresh(&outbox, &reload_outbox), true),
                    Load::Ok(p) if p.messages.is_empty() => html! { <p class="state" id="outbox-empty">{ l.t(SmsMsg::OutboxEmpty) }</p> },
                    Load::Ok(p) => states::table("outbox", html! { <>
                        <th>{ l.t(SmsMsg::Order) }</th><th>{ l.t(SmsMsg::Phone) }</th><th>{ l.t(SmsMsg::Text) }</th><th>{ l.t(SmsMsg::Status) }</th><th>{ l.t(SmsMsg::Attempts) }</th>
                    </> }, html! { <>
                        { for p.messages.iter().map(|m| html! {
                            <tr key={m.id.to_string()} data-message-id={m.id.to_string()} data-order-id={m.order_id.clone()} data-status={m.status.as_str()}>
                                <td class="mono">{ &m.order_id }<small class="since">{ when(&m.created_at) }</small></td>
                                <td class="mono">{ &m.phone_masked }</td>
                                <td class="sms-text">{ &m.text }</td>
                                <td><span class={classes!("badge", m.status.as_str())}>{ sms_status(l, m.status) }</span>
                                    if let Some(e) = &m.last_error { <small class="since">{ e }</small> }</td>
                                <td>{ m.attempts }</td>
                            </tr>
                        }) }
                    </> }),
                } }
            </div>
        </section>
    }
}

fn template_table(l: Lang, t: &[SmsTemplate], reload: &UseStateHandle<u32>) -> Html {
    if t.is_empty() {
        return html! { <p class="state" id="templates-empty">{ l.t(SmsMsg::TemplatesEmpty) }</p> };
    }
    states::table("templates", html! { <>
        <th>{ l.t(SmsMsg::Name) }</th><th>{ l.t(SmsMsg::Kind) }</th><th>{ l.t(SmsMsg::Body) }</th><th>{ l.t(SmsMsg::Status) }</th><th></th>
    </> }, html! { <>
        { for t.iter().map(|x| html! {
            <tr key={x.id.to_string()} data-template-id={x.id.to_string()} data-status={x.status.as_str()}>
                <td>{ &x.name }<small class="since">{ format!("v{}", x.version) }</small></td>
                <td>{ sms_kind(l, x.kind) }</td>
                <td class="sms-text">{ &x.body }</td>
                <td><span class={classes!("badge", x.status.as_str())}>{ sms_template_status(l, x.status) }</span>
                    if let Some(c) = &x.comment { <small class="since">{ c }</small> }</td>
                <td>if x.status == SmsTemplateStatus::Pending { <Withdraw id={x.id} reload={reload.clone()} /> }</td>
            </tr>
        }) }
    </> })
}

/// Props of [`Withdraw`].
#[derive(Properties, PartialEq)]
struct WithdrawProps {
    id: i64,
    reload: UseStateHandle<u32>,
}

#[function_component(Withdraw)]
fn withdraw(p: &WithdrawProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let onclick = {
        let (csrf, id, reload) = (s.csrf_token.clone(), p.id, p.reload.clone());
        Callback::from(move |_: MouseEvent| {
            let (csrf, reload) = (csrf.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let _ = api::sms_template_action(&csrf, id, "withdraw", String::new()).await;
                reload.set(*reload + 1);
            });
        })
    };
    html! { <button type="button" class="withdraw" {onclick}>{ l.t(SmsMsg::Withdraw) }</button> }
}

/// Props of [`TemplateForm`].
#[derive(Properties, PartialEq)]
struct FormProps {
    on_submitted: Callback<()>,
}

/// Submit a template: name, kind, text with variables.
#[function_component(TemplateForm)]
fn template_form(p: &FormProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let (name, kind, body) = (use_node_ref(), use_node_ref(), use_node_ref());
    let said = use_state(|| None::<Result<(), ApiFailure>>);
    let sending = use_state(|| false);
    let onsubmit = {
        let (name, kind, body, said, sending, csrf, done) = (name.clone(), kind.clone(), body.clone(), said.clone(), sending.clone(), s.csrf_token.clone(), p.on_submitted.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *sending {
                return;
            }
            let n = name.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let k = kind.cast::<HtmlSelectElement>().and_then(|i| SmsKind::parse(&i.value())).unwrap_or(SmsKind::Logistics);
            let b = body.cast::<HtmlTextAreaElement>().map(|i| i.value()).unwrap_or_default();
            sending.set(true);
            let (said, sending, csrf, done, body) = (said.clone(), sending.clone(), csrf.clone(), done.clone(), body.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::submit_sms_template(&csrf, &SmsTemplateCreate { name: n, kind: k, body: b }).await;
                sending.set(false);
                match r {
                    Ok(_) => {
                        if let Some(a) = body.cast::<HtmlTextAreaElement>() {
                            a.set_value("");
                        }
                        said.set(Some(Ok(())));
                        done.emit(());
                    }
                    Err(e) => said.set(Some(Err(e))),
                }
            });
        })
    };
    let problems = |e: &ApiFailure| {
        let list: Vec<String> = e.details.as_ref().and_then(|d| d.get("problems")).and_then(|p| p.as_array()).map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default();
        if list.is_empty() { String::new() } else { format!("（{}）", list.join("，")) }
    };
    html! {
        <form class="template-form" id="template-form" {onsubmit}>
            <label>{ l.t(SmsMsg::Name) }<input ref={name} id="template-name" maxlength="40" /></label>
            <label>{ l.t(SmsMsg::Kind) }
                <select ref={kind} id="template-kind">
                    { for SmsKind::ALL.iter().map(|k| html! { <option value={k.as_str()}>{ sms_kind(l, *k) }</option> }) }
                </select>
            </label>
            <label class="wide">{ l.t(SmsMsg::Body) }<textarea ref={body} id="template-body" rows="3" maxlength="300" /></label>
            <small class="muted">{ l.t(SmsMsg::BodyHint) }</small>
            <button type="submit" class="primary" id="template-submit" disabled={*sending}>{ l.t(if *sending { SmsMsg::Submitting } else { SmsMsg::Submit }) }</button>
            { match &*said {
                Some(Ok(())) => html! { <p class="ok" id="template-status">{ l.t(SmsMsg::Submitted) }</p> },
                Some(Err(e)) => html! { <p class="error" role="alert" id="template-error" data-code={e.code()}>{ e.text(l) }{ problems(e) }</p> },
                None => html! {},
            } }
        </form>
    }
}

/// Props of [`SendCard`].
#[derive(Properties, PartialEq)]
struct SendProps {
    orders: Rc<Vec<String>>,
    /// The approved templates.
    templates: Vec<Rc<SmsTemplate>>,
    on_sent: Callback<()>,
}

/// Choose an approved template, see each order's filled text and masked number, send.
#[function_component(SendCard)]
fn send_card(p: &SendProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let chosen = use_state(|| None::<i64>);
    let template = chosen.or_else(|| p.templates.first().map(|t| t.id));
    let csrf = s.csrf_token.clone();
    let (preview, _) = states::use_load((template, p.orders.clone()), move |(t, orders)| {
        let (t, orders, csrf) = (*t, orders.to_vec(), csrf.clone());
        async move {
            match t {
                Some(template_id) => api::sms_preview(&csrf, &SmsSend { template_id, order_ids: orders }).await,
                None => Ok(Vec::new()),
            }
        }
    });
    let said = use_state(|| None::<Result<u32, ApiFailure>>);
    let sending = use_state(|| false);
    let on_choose = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| chosen.set(e.target_dyn_into::<HtmlSelectElement>().and_then(|s| s.value().parse().ok())))
    };
    let send = {
        let (said, sending, csrf, orders, done) = (said.clone(), sending.clone(), s.csrf_token.clone(), p.orders.clone(), p.on_sent.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(template_id) = template else { return };
            if *sending {
                return;
            }
            sending.set(true);
            let (said, sending, csrf, orders, done) = (said.clone(), sending.clone(), csrf.clone(), orders.to_vec(), done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::sms_send(&csrf, &SmsSend { template_id, order_ids: orders }).await;
                sending.set(false);
                if r.is_ok() {
                    done.emit(());
                }
                said.set(Some(r.map(|q| q.queued)));
            });
        })
    };
    let refused = |e: &ApiFailure| {
        let list = e.details.as_ref().and_then(|d| d.get("refused")).and_then(|r| r.as_array()).cloned().unwrap_or_default();
        html! {
            if e.is(ErrorCode::SmsNotSendable) {
                <ul class="refused" id="sms-refused">
                    { for list.iter().map(|x| {
                        let (id, reason) = (x["order_id"].as_str().unwrap_or_default().to_string(), x["reason"].as_str().unwrap_or_default());
                        html! { <li data-order-id={id.clone()} data-reason={reason.to_string()}><span class="mono">{ id }</span>{ "：" }{ sms_refusal(l, reason) }</li> }
                    }) }
                </ul>
            }
        }
    };
    html! {
        <div class="card" id="sms-send" data-orders={p.orders.len().to_string()}>
            <h3>{ l.t(SmsMsg::SendTitle) }</h3>
            <p class="muted">{ format!("{}（{}）", l.t(SmsMsg::SendFor), p.orders.len()) }</p>
            if p.templates.is_empty() {
                <p class="state" id="sms-no-template">{ l.t(SmsMsg::NoApproved) }</p>
            } else {
                <label>{ l.t(SmsMsg::Template) }
                    <select id="sms-template" onchange={on_choose}>
                        { for p.templates.iter().map(|t| html! { <option value={t.id.to_string()} selected={Some(t.id) == template}>{ format!("{} v{} · {}", t.name, t.version, sms_kind(l, t.kind)) }</option> }) }
                    </select>
                </label>
                <h4>{ l.t(SmsMsg::Preview) }</h4>
                { match &*preview {
                    Load::Loading => states::loading(l, "sms-preview-loading", true),
                    Load::Failed(e) => html! { <div class="error" role="alert" id="sms-preview-error" data-code={e.code()}>{ e.text(l) }{ refused(e) }</div> },
                    Load::Ok(list) => html! {
                        <ul class="sms-preview" id="sms-preview">
                            { for list.iter().map(|x| html! { <li data-order-id={x.order_id.clone()}><span class="mono">{ &x.phone_masked }</span>{ " " }{ &x.text }</li> }) }
                        </ul>
                    },
                } }
                <button type="button" class="primary" id="sms-send-button" disabled={*sending || !matches!(&*preview, Load::Ok(_))} onclick={send}>
                    { l.t(if *sending { SmsMsg::Sending } else { SmsMsg::Send }) }
                </button>
            }
            { match &*said {
                Some(Ok(n)) => html! { <p class="ok" id="sms-status" data-queued={n.to_string()}>{ format!("{}：{n}", l.t(SmsMsg::Sent)) }</p> },
                Some(Err(e)) => html! { <div class="error" role="alert" id="sms-error" data-code={e.code()}>{ e.text(l) }{ refused(e) }</div> },
                None => html! {},
            } }
        </div>
    }
}
