//! The platform admin's review of SMS templates (`/admin/sms-templates`): the pending
//! versions of every shop, oldest first, each with its text; approve (comment optional) or
//! reject (comment required). The list is read again after each decision.

use std::collections::HashMap;

use yew::prelude::*;

use crate::api;
use crate::components::states::{self, Load, when};
use crate::i18n::{SmsMsg, sms_kind};
use crate::session::{use_lang, use_session};

/// The review page.
#[function_component(AdminSms)]
pub fn admin_sms() -> Html {
    let (l, s) = (use_lang(), use_session());
    let (load, reload) = states::use_load((), |_| api::sms_templates(Some("pending")));
    let comments = use_state(HashMap::<i64, String>::new);
    let said = use_state(|| None::<Result<String, String>>);
    let decide = {
        let (comments, said, reload, csrf) = (comments.clone(), said.clone(), reload.clone(), s.csrf_token.clone());
        Callback::from(move |(id, approve): (i64, bool)| {
            let comment = comments.get(&id).map(|c| c.trim().to_string()).unwrap_or_default();
            if !approve && comment.is_empty() {
                said.set(Some(Err(format!("#{id}: {}", l.t(SmsMsg::CommentRequired)))));
                return;
            }
            let (said, reload, csrf) = (said.clone(), reload.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::sms_template_action(&csrf, id, if approve { "approve" } else { "reject" }, comment).await;
                said.set(Some(match r {
                    Ok(t) => Ok(format!("#{id} {}：{}", t.name, l.t(SmsMsg::Decided))),
                    Err(e) => Err(format!("#{id}: {}", e.text(l))),
                }));
                reload.set(*reload + 1);
            });
        })
    };
    let body = match &*load {
        Load::Loading => states::loading(l, "sms-review-loading", true),
        Load::Failed(e) => states::failed_retry(l, "sms-review-error", e, states::retry_afresh(&load, &reload), true),
        Load::Ok(t) if t.is_empty() => html! { <p class="state" id="sms-review-empty">{ l.t(SmsMsg::AdminEmpty) }</p> },
        Load::Ok(t) => states::table("sms-review", html! { <>
            <th>{ l.t(SmsMsg::Shop) }</th><th>{ l.t(SmsMsg::Name) }</th><th>{ l.t(SmsMsg::Kind) }</th><th>{ l.t(SmsMsg::Body) }</th><th>{ l.t(SmsMsg::Comment) }</th><th></th>
        </> }, html! { <>
            { for t.iter().rev().map(|x| {
                let id = x.id;
                let on_input = {
                    let comments = comments.clone();
                    Callback::from(move |e: InputEvent| {
                        let v = e.target_dyn_into::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
                        let mut c = (*comments).clone();
                        c.insert(id, v);
                        comments.set(c);
                    })
                };
                let (ok, no) = (decide.clone(), decide.clone());
                html! {
                    <tr key={id.to_string()} data-template-id={id.to_string()}>
                        <td class="mono">{ &x.shop_id }</td>
                        <td>{ &x.name }<small class="since">{ format!("v{} · {}", x.version, when(&x.submitted_at)) }</small></td>
                        <td>{ sms_kind(l, x.kind) }</td>
                        <td class="sms-text">{ &x.body }</td>
                        <td><input class="comment" value={comments.get(&id).cloned().unwrap_or_default()} oninput={on_input} aria-label={l.t(SmsMsg::Comment)} /></td>
                        <td class="actions">
                            <button type="button" class="approve primary" onclick={Callback::from(move |_: MouseEvent| ok.emit((id, true)))}>{ l.t(SmsMsg::Approve) }</button>
                            <button type="button" class="reject danger" onclick={Callback::from(move |_: MouseEvent| no.emit((id, false)))}>{ l.t(SmsMsg::Reject) }</button>
                        </td>
                    </tr>
                }
            }) }
        </> }),
    };
    html! {
        <section id="admin-sms">
            <div class="toolbar"><h2>{ l.t(SmsMsg::AdminTitle) }</h2></div>
            <p class="state">{ l.t(SmsMsg::AdminIntro) }</p>
            { match &*said {
                Some(Ok(t)) => html! { <p class="ok" id="sms-review-status">{ t }</p> },
                Some(Err(t)) => html! { <p class="error" role="alert" id="sms-review-notice">{ t }</p> },
                None => html! {},
            } }
            { body }
        </section>
    }
}
