//! The platform admin's review of quota raise applications (`/admin/applications`): the
//! pending queue, oldest first, each with the shop's 30-day orders, 30-day reveals and
//! earlier applications beside it; long-term applications are highlighted for a stricter
//! review. Approve (comment optional) or reject (comment required); the list is read again
//! after each decision. "All" shows every shop's applications with their states.

use orderveil_api::ApplicationStatus;
use yew::prelude::*;

use crate::api;
use crate::components::states::{self, Load, value_of, when};
use crate::components::quota_watch::{reason_key, status_badge};
use crate::i18n::{self, AdminMsg, CommonMsg, QuotaMsg};
use crate::session::{use_lang, use_session};

/// The review page.
#[function_component(AdminApplications)]
pub fn admin_applications() -> Html {
    let (l, s) = (use_lang(), use_session());
    let pending_only = use_state(|| true);
    let (load, reload) = states::use_load(*pending_only, |pending| api::quota_applications(pending.then_some("pending")));
    // Comments typed per application id.
    let comments = use_state(std::collections::HashMap::<i64, String>::new);
    let busy = use_state(|| None::<i64>);
    let said = use_state(|| None::<Result<String, String>>);
    let decide = {
        let (comments, busy, said, reload, csrf) = (comments.clone(), busy.clone(), said.clone(), reload.clone(), s.csrf_token.clone());
        Callback::from(move |(id, approve): (i64, bool)| {
            if busy.is_some() {
                return;
            }
            let comment = comments.get(&id).map(|c| c.trim().to_string()).unwrap_or_default();
            if !approve && comment.is_empty() {
                said.set(Some(Err(format!("#{id}: {}", l.t(AdminMsg::ReviewCommentRequired)))));
                return;
            }
            busy.set(Some(id));
            let (comments, busy, said, reload, csrf) = (comments.clone(), busy.clone(), said.clone(), reload.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::decide_application(&csrf, id, approve, comment).await {
                    Ok(_) => {
                        let mut c = (*comments).clone();
                        c.remove(&id);
                        comments.set(c);
                        said.set(Some(Ok(i18n::application_reviewed(l, id, approve))));
                    }
                    Err(e) => said.set(Some(Err(format!("#{id}: {}", e.text(l))))),
                }
                busy.set(None);
                reload.set(*reload + 1);
            });
        })
    };
    let filter = {
        let handle = pending_only.clone();
        let choose = move |v: bool| {
            let handle = handle.clone();
            Callback::from(move |_: MouseEvent| handle.set(v))
        };
        html! {
            <div class="row-actions" role="group" aria-label={l.t(CommonMsg::Status)}>
                <button type="button" id="aa-filter-pending" class={classes!((*pending_only).then_some("primary"))} aria-pressed={(*pending_only).to_string()} onclick={choose(true)}>{ l.t(AdminMsg::ReviewFilterPending) }</button>
                <button type="button" id="aa-filter-all" class={classes!((!*pending_only).then_some("primary"))} aria-pressed={(!*pending_only).to_string()} onclick={choose(false)}>{ l.t(AdminMsg::ReviewFilterAll) }</button>
            </div>
        }
    };
    let message = match &*said {
        None => html! {},
        Some(Ok(m)) => html! { <p class="notice ok" role="status" id="aa-message">{ m.clone() }</p> },
        Some(Err(m)) => html! { <p class="error" role="alert" id="aa-error">{ m.clone() }</p> },
    };
    let body = match &*load {
        Load::Loading => states::loading(l, "aa-loading", false),
        Load::Failed(e) => states::failed_reload(l, "aa-load-error", e, &reload),
        Load::Ok(v) if v.is_empty() => html! { <p class="state" id="aa-empty">{ l.t(if *pending_only { AdminMsg::ReviewEmpty } else { AdminMsg::ReviewEmptyAll }) }</p> },
        Load::Ok(v) => states::table("aa-list", html! { <>
            <th>{ "#" }</th><th>{ l.t(AdminMsg::ReviewShop) }</th><th>{ l.t(QuotaMsg::RaisePerDay) }</th><th>{ l.t(QuotaMsg::RaiseReason) }</th><th>{ l.t(QuotaMsg::RaiseDates) }</th>
            <th>{ l.t(AdminMsg::ReviewContext) }</th><th>{ l.t(CommonMsg::Status) }</th><th>{ l.t(CommonMsg::Actions) }</th>
        </> }, html! { <>
            { for v.iter().map(|a| {
                let id = a.id;
                let working = *busy == Some(id);
                let on_comment = {
                    let comments = comments.clone();
                    Callback::from(move |e: InputEvent| {
                        let mut c = (*comments).clone();
                        c.insert(id, value_of(&e));
                        comments.set(c);
                    })
                };
                let (approve, reject) = {
                    let (d1, d2) = (decide.clone(), decide.clone());
                    (Callback::from(move |_: MouseEvent| d1.emit((id, true))), Callback::from(move |_: MouseEvent| d2.emit((id, false))))
                };
                let dates = match &a.end_day {
                    Some(e) => format!("{} – {e}", a.start_day),
                    None => format!("{} – {}", a.start_day, l.t(QuotaMsg::RaiseLongTerm)),
                };
                let ctx = a.context.clone();
                html! {
                    <tr key={id.to_string()} data-application-id={id.to_string()} data-status={a.status.as_str()} data-shop-id={a.shop_id.clone()}
                        class={classes!(a.long_term.then_some("long-term-row"))}>
                        <td class="mono">{ id }<small class="since">{ when(&a.created_at) }</small></td>
                        <td>{ a.shop_name.clone() }<div class="mono muted">{ a.shop_id.clone() }</div><small class="since">{ a.applied_by.clone() }</small></td>
                        <td class="per-day">{ format!("+{} {}", a.per_day, l.t(QuotaMsg::RaisePerDayUnit)) }</td>
                        <td class="reason">{ l.t(reason_key(a.reason)) }<small class="since description">{ a.description.clone() }</small></td>
                        <td>{ dates }
                            if a.long_term { <div><span class="badge long-term" title={l.t(AdminMsg::ReviewLongTermWarn)}>{ format!("⚠ {}", l.t(AdminMsg::ReviewLongTermWarn)) }</span></div> }
                        </td>
                        <td class="context">{
                            match ctx {
                                Some(c) => html! { <dl class="context">
                                    <dt>{ l.t(AdminMsg::ReviewOrders30) }</dt><dd data-key="orders30">{ c.orders_last_30_days }</dd>
                                    <dt>{ l.t(AdminMsg::ReviewReveals30) }</dt><dd data-key="reveals30">{ c.reveals_last_30_days }</dd>
                                    <dt>{ l.t(AdminMsg::ReviewPrevious) }</dt><dd data-key="previous">{ c.previous_applications }</dd>
                                </dl> },
                                None => html! {},
                            }
                        }</td>
                        <td>{ status_badge(l, a.status) }
                            if let Some(c) = a.comment.clone() { <small class="since">{ c }</small> }
                        </td>
                        <td class="actions">
                            if a.status == ApplicationStatus::Pending {
                                <div class="review">
                                    <input class="aa-comment" aria-label={format!("{} #{id}", l.t(QuotaMsg::RaiseComment))} placeholder={l.t(AdminMsg::ReviewCommentPh)} maxlength="500"
                                           value={comments.get(&id).cloned().unwrap_or_default()} oninput={on_comment} />
                                    <div class="row-actions">
                                        <button type="button" class="aa-approve primary" onclick={approve} disabled={busy.is_some()}>{ if working { l.t(AdminMsg::ReviewWorking) } else { l.t(AdminMsg::ReviewApprove) } }</button>
                                        <button type="button" class="aa-reject danger" onclick={reject} disabled={busy.is_some()}>{ l.t(AdminMsg::ReviewReject) }</button>
                                    </div>
                                </div>
                            }
                        </td>
                    </tr>
                }
            }) }
        </> }),
    };
    html! {
        <section class="admin-applications">
            <div class="toolbar"><h2>{ l.t(AdminMsg::ReviewTitle) }</h2>{ filter }</div>
            { message }
            <div class="card">{ body }</div>
        </section>
    }
}
