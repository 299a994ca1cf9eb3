//! E-waybill accounts (`/waybill-accounts`): a shop owner applies per carrier and outlet with
//! the sender details its labels show, sees each account's state (with the platform's
//! comment) and balance, and recharges an approved one; staff with `print` see the list; a
//! platform admin sees every shop's accounts, pending first, and approves or rejects them (a
//! rejection needs a comment). The list is read again after each action.

use orderveil_api::carriers::{self, CARRIERS};
use orderveil_api::{Role, SessionInfo, WaybillAccount, WaybillAccountCreate, WaybillAccountStatus};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::notice::{Said, outcome_notice};
use crate::components::states::{self, Load, value_of, when};
use crate::i18n::{self, Lang};

/// Props.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// UI language.
    pub lang: Lang,
    /// Who is logged in (owner, staff with `print`, or admin).
    pub session: SessionInfo,
}

/// The last action's result.
#[derive(Clone, PartialEq)]
enum Outcome {
    /// What was done, the account and its balance after it.
    Done(&'static str, i64, u64),
    Failed(ApiFailure),
}

/// An action on one account: recharge with the units typed, approve or reject with the comment.
#[derive(Clone, Copy, PartialEq)]
enum Action {
    Recharge,
    Decide(bool),
}

/// The wire name and the label key of an account state.
fn status_keys(s: WaybillAccountStatus) -> (&'static str, &'static str) {
    match s {
        WaybillAccountStatus::Pending => ("pending", "wa_st_pending"),
        WaybillAccountStatus::Approved => ("approved", "wa_st_approved"),
        WaybillAccountStatus::Rejected => ("rejected", "wa_st_rejected"),
    }
}

/// A refusal made in the page, with its message in both languages.
pub fn local_failure(code: &str, key: &str) -> ApiFailure {
    ApiFailure::local(code, Lang::En.t(key).into(), Lang::Zh.t(key).into())
}

/// The accounts with `status` (all when `None`) for [`states::use_load`], or none while
/// `skip` (the order list's allocation panel when closed). One function for both pages, so
/// the hook is compiled once.
pub fn read_accounts(&(status, skip): &(Option<&'static str>, bool)) -> impl Future<Output = Result<Vec<WaybillAccount>, ApiFailure>> + use<> {
    async move { if skip { Ok(Vec::new()) } else { api::waybill_accounts(status).await } }
}

/// Units to recharge: a whole number 1–100000.
fn units(s: &str) -> Option<u32> {
    s.trim().parse::<u32>().ok().filter(|n| (1..=100_000).contains(n))
}

/// The accounts page.
#[function_component(WaybillAccounts)]
pub fn waybill_accounts(p: &Props) -> Html {
    let l = p.lang;
    let role = p.session.user.role;
    let (load, reload) = states::use_load((None, false), read_accounts);
    let outcome = use_state(|| None::<Outcome>);
    // The account an action is under way for; what is typed per account (units or comment).
    let busy = use_state(|| None::<i64>);
    let texts = use_state(std::collections::HashMap::<i64, String>::new);
    let csrf = p.session.csrf_token.clone();
    let on_action = {
        let (csrf, reload, outcome, busy, texts) = (csrf.clone(), reload.clone(), outcome.clone(), busy.clone(), texts.clone());
        Callback::from(move |(id, action): (i64, Action)| {
            if busy.is_some() {
                return;
            }
            let text = texts.get(&id).map(|t| t.trim().to_string()).unwrap_or_default();
            let refused = match action {
                Action::Recharge if units(&text).is_none() => Some(local_failure("VALIDATION_FAILED", "wa_units_invalid")),
                Action::Decide(false) if text.is_empty() => Some(local_failure("VALIDATION_FAILED", "aa_comment_required")),
                _ => None,
            };
            if let Some(f) = refused {
                outcome.set(Some(Outcome::Failed(f)));
                return;
            }
            busy.set(Some(id));
            let (csrf, reload, outcome, busy, texts) = (csrf.clone(), reload.clone(), outcome.clone(), busy.clone(), texts.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let (what, r) = match action {
                    Action::Recharge => ("recharged", api::waybill_account_recharge(&csrf, id, units(&text).unwrap_or(0)).await),
                    Action::Decide(approve) => (if approve { "approved" } else { "rejected" }, api::waybill_account_decide(&csrf, id, approve, text).await),
                };
                outcome.set(Some(match r {
                    Ok(a) => {
                        let mut t = (*texts).clone();
                        t.remove(&id);
                        texts.set(t);
                        Outcome::Done(what, a.id, a.balance)
                    }
                    Err(e) => Outcome::Failed(e),
                }));
                busy.set(None);
                reload.set(*reload + 1);
            });
        })
    };
    let on_created = {
        let (reload, outcome) = (reload.clone(), outcome.clone());
        Callback::from(move |a: WaybillAccount| {
            outcome.set(Some(Outcome::Done("applied", a.id, a.balance)));
            reload.set(*reload + 1);
        })
    };
    let notice = outcome_notice(l, &outcome, |o| match o {
        Outcome::Failed(e) => Said { ok: false, id: "wa-notice", code: e.code.clone(), text: e.text(l) },
        Outcome::Done(what, id, balance) => Said { ok: true, id: "wa-status", code: (*what).to_string(), text: i18n::account_done(l, what, *id, *balance) },
    });
    let admin = role == Role::Admin;
    let body = match &*load {
        Load::Loading => states::loading(l, "wa-loading", true),
        Load::Failed(e) => states::failed_reload(l, "wa-error", e, &reload),
        Load::Ok(list) if list.is_empty() => html! { <p class="state" id="wa-empty">{ l.t("wa_empty") }</p> },
        Load::Ok(list) => {
            let mut keys = vec!["wa_carrier", "wa_outlet", "wa_sender", "status", "wa_balance", "wa_applied", "actions"];
            if admin {
                keys.insert(0, "aa_shop");
            }
            states::table(
                "wa-table",
                html! { <><th>{ "#" }</th>{ states::heads(l, &keys) }</> },
                html! { <>{ for list.iter().map(|a| account_row(l, role, a, &busy, &texts, &on_action)) }</> },
            )
        }
    };
    let (title, intro) = match role {
        Role::Admin => ("wa_title_admin", "wa_intro_admin"),
        Role::Owner => ("wa_title", "wa_intro_owner"),
        _ => ("wa_title", "wa_intro_staff"),
    };
    html! {
        <section class="waybill-accounts" id="wa-page">
            <div class="toolbar"><h2>{ l.t(title) }</h2></div>
            <p class="state">{ l.t(intro) }</p>
            <div class="live" aria-live="polite">{ notice }</div>
            if role == Role::Owner { <CreateForm lang={l} csrf={csrf} {on_created} /> }
            <div class="card"><h3>{ l.t("wa_list") }</h3>{ body }</div>
        </section>
    }
}

/// One account: carrier, outlet, sender, state (and comment), balance; recharge (owner,
/// approved) or the review (admin, pending).
fn account_row(
    l: Lang,
    role: Role,
    a: &WaybillAccount,
    busy: &UseStateHandle<Option<i64>>,
    texts: &UseStateHandle<std::collections::HashMap<i64, String>>,
    on_action: &Callback<(i64, Action)>,
) -> Html {
    let id = a.id;
    let text = texts.get(&id).cloned().unwrap_or_default();
    let on_text = {
        let texts = texts.clone();
        Callback::from(move |e: InputEvent| {
            let mut t = (*texts).clone();
            t.insert(id, value_of(&e));
            texts.set(t);
        })
    };
    let act = |action: Action| on_action.reform(move |_: MouseEvent| (id, action));
    let working = |key: &'static str| l.t(if **busy == Some(id) { "aa_working" } else { key });
    let disabled = busy.is_some();
    let actions = match (role, a.status) {
        (Role::Owner, WaybillAccountStatus::Approved) => html! {
            <div class="row-actions">
                <input class="wa-recharge-units" type="number" min="1" max="100000" step="1" inputmode="numeric" value={text} oninput={on_text}
                       placeholder={l.t("wa_units")} aria-label={format!("{} #{id}", l.t("wa_units"))} />
                <button type="button" class="wa-recharge primary" {disabled} onclick={act(Action::Recharge)}>{ working("wa_recharge") }</button>
            </div>
        },
        (Role::Admin, WaybillAccountStatus::Pending) => html! {
            <div class="review">
                <input class="wa-comment" maxlength="500" value={text} oninput={on_text} placeholder={l.t("aa_comment_ph")} aria-label={format!("{} #{id}", l.t("qa_comment"))} />
                <div class="row-actions">
                    <button type="button" class="wa-approve primary" {disabled} onclick={act(Action::Decide(true))}>{ working("aa_approve") }</button>
                    <button type="button" class="wa-reject danger" {disabled} onclick={act(Action::Decide(false))}>{ l.t("aa_reject") }</button>
                </div>
            </div>
        },
        _ => html! {},
    };
    let (status, key) = status_keys(a.status);
    html! {
        <tr key={id} data-account-id={id.to_string()} data-status={status} data-carrier={a.carrier.clone()}>
            <td class="mono">{ id }</td>
            if role == Role::Admin { <td class="mono shop">{ &a.shop_id }</td> }
            <td class="carrier">{ i18n::carrier_name(l, &a.carrier) }</td>
            <td class="outlet">{ &a.outlet }</td>
            <td class="sender">{ format!("{} · {}", a.sender_name, a.sender_phone) }<small class="since">{ &a.sender_address }</small></td>
            <td><span class={classes!("badge", "app-status", status)}>{ l.t(key) }</span>
                if let Some(c) = &a.comment { <small class="since comment">{ c }</small> }
            </td>
            <td class="balance">{ a.balance }</td>
            <td>{ &a.applied_by }<small class="since">{ when(&a.created_at) }</small></td>
            <td class="actions">{ actions }</td>
        </tr>
    }
}

/// The form's text fields: input id, wire name (a refusal's `details.field`), label and hint keys.
const FIELDS: [(&str, &str, &str, &str); 4] = [
    ("wa-outlet", "outlet", "wa_outlet", "wa_outlet_hint"),
    ("wa-sender-name", "sender_name", "wa_sender_name", "wa_sender_name_hint"),
    ("wa-sender-phone", "sender_phone", "wa_sender_phone", "wa_sender_phone_hint"),
    ("wa-sender-address", "sender_address", "wa_sender_address", "wa_sender_address_hint"),
];

/// The form field a refusal concerns (`""`: none of them).
fn refused_field(e: &ApiFailure) -> &'static str {
    let named = match (states::detail_field(e), e.code.as_str()) {
        ("", "APPLICATION_STATE_CONFLICT") => "outlet",
        ("", "CARRIER_UNKNOWN") => "carrier",
        (f, _) => f,
    };
    if named == "carrier" {
        return "carrier";
    }
    FIELDS.iter().find(|f| f.1 == named).map_or("", |f| f.1)
}

/// Props of [`CreateForm`].
#[derive(Properties, PartialEq)]
struct FormProps {
    lang: Lang,
    csrf: AttrValue,
    on_created: Callback<WaybillAccount>,
}

/// The owner's application for an account.
#[function_component(CreateForm)]
fn create_form(p: &FormProps) -> Html {
    let l = p.lang;
    let carrier = use_state(|| CARRIERS[0].code);
    let values = use_state(<[String; 4]>::default);
    let failure = use_state(|| None::<(&'static str, ApiFailure)>);
    let sending = use_state(|| false);
    let onsubmit = {
        let (carrier, values, failure, sending, csrf, cb) = (carrier.clone(), values.clone(), failure.clone(), sending.clone(), p.csrf.clone(), p.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *sending {
                return;
            }
            let [outlet, sender_name, sender_phone, sender_address] = (*values).clone().map(|v| v.trim().to_string());
            let req = WaybillAccountCreate { carrier: (*carrier).to_string(), outlet, sender_name, sender_phone, sender_address };
            failure.set(None);
            sending.set(true);
            let (values, failure, sending, csrf, cb) = (values.clone(), failure.clone(), sending.clone(), csrf.clone(), cb.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::waybill_account_create(&csrf, &req).await;
                sending.set(false);
                match r {
                    Ok(a) => {
                        values.set(Default::default());
                        cb.emit(a);
                    }
                    Err(e) => failure.set(Some((refused_field(&e), e))),
                }
            });
        })
    };
    let on_carrier = {
        let carrier = carrier.clone();
        Callback::from(move |e: Event| {
            let v = e.target_dyn_into::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            if let Some(c) = carriers::carrier(&v) {
                carrier.set(c.code);
            }
        })
    };
    let inputs = FIELDS.iter().enumerate().map(|(i, (id, wire, label, hint))| {
        let oninput = {
            let values = values.clone();
            Callback::from(move |e: InputEvent| {
                let mut v = (*values).clone();
                v[i] = value_of(&e);
                values.set(v);
            })
        };
        let bad = failure.as_ref().is_some_and(|(f, _)| f == wire);
        html! {
            <label>{ l.t(label) }
                <input id={*id} autocomplete="off" value={values[i].clone()} {oninput} placeholder={l.t(hint)} aria-invalid={bad.to_string()}
                       inputmode={(i == 2).then_some("tel")} />
                { states::field_error(l, "wa-create-error", &failure, wire) }
            </label>
        }
    });
    let format = carriers::carrier(&carrier).map(|c| i18n::carrier_format(l, c)).unwrap_or_default();
    html! {
        <form class="card" id="wa-create" {onsubmit} novalidate=true>
            <h3>{ l.t("wa_apply_title") }</h3>
            <label>{ l.t("wa_carrier") }
                <select id="wa-carrier" onchange={on_carrier}>
                    { for CARRIERS.iter().map(|c| html! {
                        <option value={c.code} selected={*carrier == c.code}>{ format!("{} ({})", if l == Lang::Zh { c.name_zh } else { c.name_en }, c.code) }</option>
                    }) }
                </select>
                <small class="hint-line" id="wa-carrier-format">{ format!("{}{}{format}", l.t("wa_format"), if l == Lang::Zh { "：" } else { ": " }) }</small>
                { states::field_error(l, "wa-create-error", &failure, "carrier") }
            </label>
            { for inputs }
            { states::field_error(l, "wa-create-error", &failure, "") }
            <button type="submit" class="primary" id="wa-submit" disabled={*sending}>{ l.t(if *sending { "wa_submitting" } else { "wa_submit" }) }</button>
        </form>
    }
}
