//! E-waybill accounts (`/waybill-accounts`): a shop owner applies per carrier and outlet with
//! the sender details its labels show, sees each account's state (with the platform's
//! comment) and balance, and asks for a top-up of an approved one (申请充值: units and an
//! optional note); staff with `print` see the list; a platform admin sees every shop's
//! accounts, pending first, and approves or rejects them (a rejection needs a comment).
//!
//! Waybill balance is bought: a top-up request raises nothing until the platform admin,
//! standing in for the carrier's outlet, confirms the payment (确认到账: the amount received in
//! yuan and the payment's reference) or rejects it (驳回, with a comment). The owner sees the
//! shop's requests with their state, amount, reference and comment; the admin sees every
//! shop's, pending first, with the two decisions. Both lists are read again after each
//! action, so a confirmed top-up's balance shows in the account's row.

use std::collections::HashMap;

use orderveil_api::carriers::{self, CARRIERS};
use orderveil_api::{
    ErrorCode, Role, WaybillAccount, WaybillAccountCreate, WaybillAccountStatus, WaybillTopup, WaybillTopupConfirm, WaybillTopupCreate, WaybillTopupStatus,
};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::allocator::read_accounts;
use crate::components::notice::{Said, outcome_notice};
use crate::components::states::{self, Load, value_of, when};
use crate::i18n::{self, AdminMsg, CommonMsg, FulfilMsg, Lang, QuotaMsg};
use crate::pages::admin_settings::parse_scaled;
use crate::session::{use_lang, use_session};

/// The last action's result.
#[derive(Clone, PartialEq)]
enum Outcome {
    /// What was done to which account (`applied`, `approved`, `rejected`).
    Done(&'static str, i64),
    /// A top-up was asked for: its id and units.
    Requested(i64, u32),
    Failed(ApiFailure),
}

/// An action on one account: ask for a top-up with the units and note typed, approve or
/// reject with the comment.
#[derive(Clone, Copy, PartialEq)]
enum Action {
    Topup,
    Decide(bool),
}

/// What is typed per row: (row id, which input) → text.
type Texts = HashMap<(i64, &'static str), String>;

/// The wire name and the label of an account state.
fn status_keys(s: WaybillAccountStatus) -> (&'static str, FulfilMsg) {
    match s {
        WaybillAccountStatus::Pending => ("pending", FulfilMsg::AccountStPending),
        WaybillAccountStatus::Approved => ("approved", FulfilMsg::AccountStApproved),
        WaybillAccountStatus::Rejected => ("rejected", FulfilMsg::AccountStRejected),
    }
}

/// The label of a top-up state.
fn topup_key(s: WaybillTopupStatus) -> FulfilMsg {
    match s {
        WaybillTopupStatus::Pending => FulfilMsg::TopupStPending,
        WaybillTopupStatus::Confirmed => FulfilMsg::TopupStConfirmed,
        WaybillTopupStatus::Rejected => FulfilMsg::TopupStRejected,
    }
}

/// Units of a top-up: a whole number 1–100000.
fn units(s: &str) -> Option<u32> {
    s.trim().parse::<u32>().ok().filter(|n| (1..=100_000).contains(n))
}

/// An amount in yuan (`12`, `12.5`, `¥12.50`; at most two decimals) in fen, 1 to 100,000,000.
pub fn yuan_to_cents(s: &str) -> Option<i64> {
    let s = s.trim().trim_start_matches(['¥', '￥']).trim();
    if s.split_once('.').is_some_and(|(_, f)| f.len() > 2) {
        return None;
    }
    parse_scaled(s, 100).map(i64::from).filter(|c| (1..=100_000_000).contains(c))
}

/// The text typed into `(id, which)`.
fn typed(texts: &Texts, id: i64, which: &'static str) -> String {
    texts.get(&(id, which)).map(|t| t.trim().to_string()).unwrap_or_default()
}

/// An input of row `id` that keeps what is typed in `texts` under `which`.
fn row_input(texts: &UseStateHandle<Texts>, id: i64, which: &'static str) -> (String, Callback<InputEvent>) {
    let value = texts.get(&(id, which)).cloned().unwrap_or_default();
    let texts = texts.clone();
    let oninput = Callback::from(move |e: InputEvent| {
        let mut t = (*texts).clone();
        t.insert((id, which), value_of(&e));
        texts.set(t);
    });
    (value, oninput)
}

/// Forget what was typed into row `id`.
fn forget(texts: &UseStateHandle<Texts>, id: i64) {
    let mut t = (**texts).clone();
    t.retain(|(row, _), _| *row != id);
    texts.set(t);
}

/// The accounts page.
#[function_component(WaybillAccounts)]
pub fn waybill_accounts() -> Html {
    let (l, s) = (use_lang(), use_session());
    // A factory's owner applies and asks for top-ups for its own accounts, as a shop owner does.
    let role = if s.user.role == Role::Factory { Role::Owner } else { s.user.role };
    let (load, reload) = states::use_load((None, false), read_accounts);
    // Bumped when a top-up is asked for, so the top-up list reads again.
    let topups_gen = use_state(|| 0u32);
    let outcome = use_state(|| None::<Outcome>);
    // The account an action is under way for; what is typed per account.
    let busy = use_state(|| None::<i64>);
    let texts = use_state(Texts::new);
    let csrf = s.csrf_token.clone();
    let on_action = {
        let (csrf, reload, outcome, busy, texts, topups_gen) = (csrf.clone(), reload.clone(), outcome.clone(), busy.clone(), texts.clone(), topups_gen.clone());
        Callback::from(move |(id, action): (i64, Action)| {
            if busy.is_some() {
                return;
            }
            let (n, note, comment) = (typed(&texts, id, "units"), typed(&texts, id, "note"), typed(&texts, id, "comment"));
            let refused = match action {
                Action::Topup if units(&n).is_none() => Some(ApiFailure::from_text("VALIDATION_FAILED", FulfilMsg::AccountUnitsInvalid)),
                Action::Topup if note.chars().count() > 200 => Some(ApiFailure::from_text("VALIDATION_FAILED", FulfilMsg::AccountNoteInvalid)),
                Action::Decide(false) if comment.is_empty() => Some(ApiFailure::from_text("VALIDATION_FAILED", AdminMsg::ReviewCommentRequired)),
                _ => None,
            };
            if let Some(f) = refused {
                outcome.set(Some(Outcome::Failed(f)));
                return;
            }
            busy.set(Some(id));
            let (csrf, reload, outcome, busy, texts, topups_gen) = (csrf.clone(), reload.clone(), outcome.clone(), busy.clone(), texts.clone(), topups_gen.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let done = match action {
                    Action::Topup => {
                        let req = WaybillTopupCreate { units: units(&n).unwrap_or(0), note: (!note.is_empty()).then_some(note) };
                        api::waybill_topup_request(&csrf, id, &req).await.map(|t| Outcome::Requested(t.id, t.units))
                    }
                    Action::Decide(approve) => {
                        api::waybill_account_decide(&csrf, id, approve, comment).await.map(|a| Outcome::Done(if approve { "approved" } else { "rejected" }, a.id))
                    }
                };
                if done.is_ok() {
                    forget(&texts, id);
                }
                if matches!(done, Ok(Outcome::Requested(..))) {
                    topups_gen.set(*topups_gen + 1);
                }
                outcome.set(Some(done.unwrap_or_else(Outcome::Failed)));
                busy.set(None);
                reload.set(*reload + 1);
            });
        })
    };
    let on_created = {
        let (reload, outcome) = (reload.clone(), outcome.clone());
        Callback::from(move |a: WaybillAccount| {
            outcome.set(Some(Outcome::Done("applied", a.id)));
            reload.set(*reload + 1);
        })
    };
    // A confirmed top-up changes a balance: read the accounts again.
    let on_decided = {
        let reload = reload.clone();
        Callback::from(move |()| reload.set(*reload + 1))
    };
    let notice = outcome_notice(l, &outcome, |o| match o {
        Outcome::Failed(e) => Said { ok: false, id: "wa-notice", code: e.code(), text: e.text(l) },
        Outcome::Done(what, id) => Said { ok: true, id: "wa-status", code: (*what).to_string(), text: i18n::account_done(l, what, *id) },
        Outcome::Requested(id, n) => Said { ok: true, id: "wa-status", code: "topup_requested".into(), text: i18n::topup_done(l, "requested", *id, *n, None) },
    });
    let admin = role == Role::Admin;
    let body = match &*load {
        Load::Loading => states::loading(l, "wa-loading", true),
        Load::Failed(e) => states::failed_reload(l, "wa-error", e, &reload),
        Load::Ok(list) if list.is_empty() => html! { <p class="state" id="wa-empty">{ l.t(FulfilMsg::AccountEmpty) }</p> },
        Load::Ok(list) => {
            let mut heads = vec![FulfilMsg::AccountCarrier, FulfilMsg::AccountOutlet, FulfilMsg::AccountSender].into_iter().map(|k| l.t(k)).collect::<Vec<_>>();
            heads.extend([l.t(CommonMsg::Status), l.t(FulfilMsg::AccountBalance), l.t(FulfilMsg::AccountApplied), l.t(CommonMsg::Actions)]);
            if admin {
                heads.insert(0, l.t(AdminMsg::ReviewShop));
            }
            states::table(
                "wa-table",
                html! { <><th>{ "#" }</th>{ states::heads(&heads) }</> },
                html! { <>{ for list.iter().map(|a| account_row(l, role, a, &busy, &texts, &on_action)) }</> },
            )
        }
    };
    let (title, intro) = match role {
        Role::Admin => (FulfilMsg::AccountTitleAdmin, FulfilMsg::AccountIntroAdmin),
        Role::Owner => (FulfilMsg::AccountTitle, FulfilMsg::AccountIntroOwner),
        _ => (FulfilMsg::AccountTitle, FulfilMsg::AccountIntroStaff),
    };
    html! {
        <section class="waybill-accounts" id="wa-page">
            <div class="toolbar"><h2>{ l.t(title) }</h2></div>
            <p class="state">{ l.t(intro) }</p>
            <div class="live" aria-live="polite">{ notice }</div>
            if role == Role::Owner { <CreateForm {on_created} /> }
            <div class="card"><h3>{ l.t(FulfilMsg::AccountList) }</h3>{ body }</div>
            // Owners see their shop's top-ups, the admin every shop's (staff: neither).
            if matches!(role, Role::Owner | Role::Admin) { <Topups {admin} generation={*topups_gen} {on_decided} /> }
        </section>
    }
}

/// One account: carrier, outlet, sender, state (and comment), balance; a top-up request
/// (owner, approved) or the review (admin, pending).
fn account_row(l: Lang, role: Role, a: &WaybillAccount, busy: &UseStateHandle<Option<i64>>, texts: &UseStateHandle<Texts>, on_action: &Callback<(i64, Action)>) -> Html {
    let id = a.id;
    let act = |action: Action| on_action.reform(move |_: MouseEvent| (id, action));
    let working = |label: &'static str| if **busy == Some(id) { l.t(AdminMsg::ReviewWorking) } else { label };
    let disabled = busy.is_some();
    let actions = match (role, a.status) {
        (Role::Owner, WaybillAccountStatus::Approved) => {
            let (n, on_n) = row_input(texts, id, "units");
            let (note, on_note) = row_input(texts, id, "note");
            html! {
                <div class="row-actions topup-request">
                    <input class="wa-topup-units" type="number" min="1" max="100000" step="1" inputmode="numeric" value={n} oninput={on_n}
                           placeholder={l.t(FulfilMsg::AccountUnits)} aria-label={format!("{} #{id}", l.t(FulfilMsg::AccountUnits))} />
                    <input class="wa-topup-note" maxlength="200" value={note} oninput={on_note}
                           placeholder={l.t(FulfilMsg::AccountTopupNote)} aria-label={format!("{} #{id}", l.t(FulfilMsg::AccountTopupNote))} />
                    <button type="button" class="wa-topup primary" {disabled} onclick={act(Action::Topup)}>{ working(l.t(FulfilMsg::AccountTopup)) }</button>
                </div>
            }
        }
        (Role::Admin, WaybillAccountStatus::Pending) => {
            let (comment, on_comment) = row_input(texts, id, "comment");
            html! {
                <div class="review">
                    <input class="wa-comment" maxlength="500" value={comment} oninput={on_comment} placeholder={l.t(AdminMsg::ReviewCommentPh)} aria-label={format!("{} #{id}", l.t(QuotaMsg::RaiseComment))} />
                    <div class="row-actions">
                        <button type="button" class="wa-approve primary" {disabled} onclick={act(Action::Decide(true))}>{ working(l.t(AdminMsg::ReviewApprove)) }</button>
                        <button type="button" class="wa-reject danger" {disabled} onclick={act(Action::Decide(false))}>{ l.t(AdminMsg::ReviewReject) }</button>
                    </div>
                </div>
            }
        }
        _ => html! {},
    };
    let (status, key) = status_keys(a.status);
    html! {
        <tr key={id} data-account-id={id.to_string()} data-status={status} data-carrier={a.carrier.clone()} data-balance={a.balance.to_string()}>
            <td class="mono">{ id }</td>
            if role == Role::Admin { <td class="mono shop">{ a.factory_id.as_deref().unwrap_or(&a.shop_id) }</td> }
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

/// Props of [`Topups`].
#[derive(Properties, PartialEq)]
struct TopupsProps {
    /// A platform admin (every shop's requests, with the decisions) or the owner.
    admin: bool,
    /// Read again when this changes (a top-up was asked for).
    generation: u32,
    /// A top-up was decided (a balance may have changed).
    on_decided: Callback<()>,
}

/// The last decision on a top-up.
#[derive(Clone, PartialEq)]
enum Decided {
    /// `confirmed` or `rejected`, with the request.
    Done(&'static str, Box<WaybillTopup>),
    Failed(ApiFailure),
}

/// The top-up requests: the shop's (owner) or every shop's, pending first, with 确认到账 and
/// 驳回 (admin).
#[function_component(Topups)]
fn topups(p: &TopupsProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let (load, reload) = states::use_load(p.generation, |_| api::waybill_topups());
    let busy = use_state(|| None::<i64>);
    let texts = use_state(Texts::new);
    let outcome = use_state(|| None::<Decided>);
    let on_decide = {
        let (csrf, reload, busy, texts, outcome, on_decided) = (s.csrf_token.clone(), reload.clone(), busy.clone(), texts.clone(), outcome.clone(), p.on_decided.clone());
        Callback::from(move |(id, confirm): (i64, bool)| {
            if busy.is_some() {
                return;
            }
            let (amount, reference, comment) = (typed(&texts, id, "amount"), typed(&texts, id, "ref"), typed(&texts, id, "comment"));
            let refused = match confirm {
                true if yuan_to_cents(&amount).is_none() => Some(ApiFailure::from_text("VALIDATION_FAILED", FulfilMsg::TopupAmountInvalid)),
                true if reference.is_empty() || reference.chars().count() > 64 => Some(ApiFailure::from_text("VALIDATION_FAILED", FulfilMsg::TopupRefInvalid)),
                false if comment.is_empty() => Some(ApiFailure::from_text("VALIDATION_FAILED", AdminMsg::ReviewCommentRequired)),
                _ => None,
            };
            if let Some(f) = refused {
                outcome.set(Some(Decided::Failed(f)));
                return;
            }
            busy.set(Some(id));
            let (csrf, reload, busy, texts, outcome, on_decided) = (csrf.clone(), reload.clone(), busy.clone(), texts.clone(), outcome.clone(), on_decided.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = if confirm {
                    let req = WaybillTopupConfirm { amount_cents: yuan_to_cents(&amount).unwrap_or(0), payment_ref: reference, comment: (!comment.is_empty()).then_some(comment) };
                    api::waybill_topup_confirm(&csrf, id, &req).await.map(|t| Decided::Done("confirmed", Box::new(t)))
                } else {
                    api::waybill_topup_reject(&csrf, id, comment).await.map(|t| Decided::Done("rejected", Box::new(t)))
                };
                if r.is_ok() {
                    forget(&texts, id);
                }
                outcome.set(Some(r.unwrap_or_else(Decided::Failed)));
                busy.set(None);
                reload.set(*reload + 1);
                on_decided.emit(());
            });
        })
    };
    let notice = outcome_notice(l, &outcome, |o| match o {
        Decided::Failed(e) => Said { ok: false, id: "tu-notice", code: e.code(), text: e.text(l) },
        Decided::Done(what, t) => {
            Said { ok: true, id: "tu-status", code: (*what).to_string(), text: i18n::topup_done(l, what, t.id, t.units, t.balance_after) }
        }
    });
    let body = match &*load {
        Load::Loading => states::loading(l, "tu-loading", true),
        Load::Failed(e) => states::failed_reload(l, "tu-error", e, &reload),
        Load::Ok(list) if list.is_empty() => html! { <p class="state" id="tu-empty">{ l.t(FulfilMsg::TopupEmpty) }</p> },
        Load::Ok(list) => {
            let mut heads = vec![
                l.t(FulfilMsg::TopupAccount),
                l.t(FulfilMsg::TopupUnits),
                l.t(FulfilMsg::TopupNote),
                l.t(CommonMsg::Status),
                l.t(FulfilMsg::TopupAmount),
                l.t(FulfilMsg::TopupRef),
                l.t(QuotaMsg::RaiseComment),
                l.t(FulfilMsg::TopupRequested),
                l.t(FulfilMsg::TopupDecided),
            ];
            if p.admin {
                heads.insert(0, l.t(AdminMsg::ReviewShop));
                heads.push(l.t(CommonMsg::Actions));
            }
            states::table(
                "topup-table",
                html! { <><th>{ "#" }</th>{ states::heads(&heads) }</> },
                html! { <>{ for list.iter().map(|t| topup_row(l, p.admin, t, &busy, &texts, &on_decide)) }</> },
            )
        }
    };
    html! {
        <div class="card" id="topups">
            <h3>{ l.t(if p.admin { FulfilMsg::TopupTitleAdmin } else { FulfilMsg::TopupTitle }) }</h3>
            <div class="live" aria-live="polite">{ notice }</div>
            { body }
        </div>
    }
}

/// One top-up request; a pending one has the admin's decision inputs.
fn topup_row(l: Lang, admin: bool, t: &WaybillTopup, busy: &UseStateHandle<Option<i64>>, texts: &UseStateHandle<Texts>, on_decide: &Callback<(i64, bool)>) -> Html {
    let id = t.id;
    let status = t.status.as_str();
    let decide = |confirm: bool| on_decide.reform(move |_: MouseEvent| (id, confirm));
    let disabled = busy.is_some();
    let actions = (admin && t.status == WaybillTopupStatus::Pending).then(|| {
        let (amount, on_amount) = row_input(texts, id, "amount");
        let (reference, on_reference) = row_input(texts, id, "ref");
        let (comment, on_comment) = row_input(texts, id, "comment");
        let label = |text: &str| format!("{} #{id}", text);
        html! {
            <td class="actions">
                <div class="review topup-review">
                    <input class="topup-amount" inputmode="decimal" autocomplete="off" value={amount} oninput={on_amount} placeholder={l.t(FulfilMsg::TopupAmountPh)} aria-label={label(l.t(FulfilMsg::TopupAmount))} />
                    <input class="topup-ref" maxlength="64" autocomplete="off" value={reference} oninput={on_reference} placeholder={l.t(FulfilMsg::TopupRefPh)} aria-label={label(l.t(FulfilMsg::TopupRef))} />
                    <input class="topup-comment" maxlength="500" value={comment} oninput={on_comment} placeholder={l.t(FulfilMsg::TopupCommentPh)} aria-label={label(l.t(QuotaMsg::RaiseComment))} />
                    <div class="row-actions">
                        <button type="button" class="topup-confirm primary" {disabled} onclick={decide(true)}>{ if **busy == Some(id) { l.t(AdminMsg::ReviewWorking) } else { l.t(FulfilMsg::TopupConfirm) } }</button>
                        <button type="button" class="topup-reject danger" {disabled} onclick={decide(false)}>{ l.t(AdminMsg::ReviewReject) }</button>
                    </div>
                </div>
            </td>
        }
    });
    html! {
        <tr key={id} data-topup-id={id.to_string()} data-account-id={t.account_id.to_string()} data-status={status}>
            <td class="mono">{ id }</td>
            if admin { <td class="mono shop">{ &t.shop_id }</td> }
            <td class="account">{ format!("{} · {}", i18n::carrier_name(l, &t.carrier), t.outlet) }<small class="since mono">{ format!("#{}", t.account_id) }</small></td>
            <td class="units">{ t.units }</td>
            <td class="note">{ t.note.clone().unwrap_or_default() }</td>
            <td><span class={classes!("badge", "app-status", status)}>{ l.t(topup_key(t.status)) }</span></td>
            <td class="amount">{ t.amount_cents.map(i18n::yuan).unwrap_or_default() }</td>
            <td class="payment-ref mono">{ t.payment_ref.clone().unwrap_or_default() }</td>
            <td class="comment">{ t.comment.clone().unwrap_or_default() }</td>
            <td>{ &t.requested_by }<small class="since">{ when(&t.requested_at) }</small></td>
            <td class="decided">
                { t.decided_by.clone().unwrap_or_default() }
                if let Some(at) = &t.decided_at { <small class="since">{ when(at) }</small> }
                if let Some(b) = t.balance_after { <small class="since balance-after" data-balance={b.to_string()}>{ format!("{} {b}", l.t(FulfilMsg::TopupBalanceAfter)) }</small> }
            </td>
            { for actions }
        </tr>
    }
}

/// The form's text fields: input id, wire name (a refusal's `details.field`), label, hint.
const FIELDS: [(&str, &str, FulfilMsg, FulfilMsg); 4] = [
    ("wa-outlet", "outlet", FulfilMsg::AccountOutlet, FulfilMsg::AccountOutletHint),
    ("wa-sender-name", "sender_name", FulfilMsg::AccountSenderName, FulfilMsg::AccountSenderNameHint),
    ("wa-sender-phone", "sender_phone", FulfilMsg::AccountSenderPhone, FulfilMsg::AccountSenderPhoneHint),
    ("wa-sender-address", "sender_address", FulfilMsg::AccountSenderAddress, FulfilMsg::AccountSenderAddressHint),
];

/// The form field a refusal concerns (`""`: none of them).
fn refused_field(e: &ApiFailure) -> &'static str {
    let named = match (e.detail_field(), e.error_code()) {
        ("", Some(ErrorCode::ApplicationStateConflict)) => "outlet",
        ("", Some(ErrorCode::CarrierUnknown)) => "carrier",
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
    on_created: Callback<WaybillAccount>,
}

/// The owner's application for an account.
#[function_component(CreateForm)]
fn create_form(p: &FormProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let carrier = use_state(|| CARRIERS[0].code);
    let values = use_state(<[String; 4]>::default);
    let failure = use_state(|| None::<(&'static str, ApiFailure)>);
    let sending = use_state(|| false);
    let onsubmit = {
        let (carrier, values, failure, sending, csrf, cb) = (carrier.clone(), values.clone(), failure.clone(), sending.clone(), s.csrf_token.clone(), p.on_created.clone());
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
            <label>{ l.t(*label) }
                <input id={*id} autocomplete="off" value={values[i].clone()} {oninput} placeholder={l.t(*hint)} aria-invalid={bad.to_string()}
                       inputmode={(i == 2).then_some("tel")} />
                { states::field_error(l, "wa-create-error", &failure, wire) }
            </label>
        }
    });
    let format = carriers::carrier(&carrier).map(|c| i18n::carrier_format(l, c)).unwrap_or_default();
    html! {
        <form class="card" id="wa-create" {onsubmit} novalidate=true>
            <h3>{ l.t(FulfilMsg::AccountApplyTitle) }</h3>
            <label>{ l.t(FulfilMsg::AccountCarrier) }
                <select id="wa-carrier" onchange={on_carrier}>
                    { for CARRIERS.iter().map(|c| html! {
                        <option value={c.code} selected={*carrier == c.code}>{ format!("{} ({})", if l == Lang::Zh { c.name_zh } else { c.name_en }, c.code) }</option>
                    }) }
                </select>
                <small class="hint-line" id="wa-carrier-format">{ format!("{}{}{format}", l.t(FulfilMsg::AccountFormat), if l == Lang::Zh { "：" } else { ": " }) }</small>
                { states::field_error(l, "wa-create-error", &failure, "carrier") }
            </label>
            { for inputs }
            { states::field_error(l, "wa-create-error", &failure, "") }
            <button type="submit" class="primary" id="wa-submit" disabled={*sending}>{ l.t(if *sending { FulfilMsg::AccountSubmitting } else { FulfilMsg::AccountSubmit }) }</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_in_the_form_is_fen_on_the_wire() {
        assert_eq!(yuan_to_cents("12"), Some(1200));
        assert_eq!(yuan_to_cents("12.5"), Some(1250));
        assert_eq!(yuan_to_cents(" ¥12.50 "), Some(1250));
        assert_eq!(yuan_to_cents("0.01"), Some(1));
        assert_eq!(yuan_to_cents("1000000"), Some(100_000_000));
        for bad in ["", "0", "0.00", "0.001", "12.345", "abc", "-5", "1000000.01", "1,5"] {
            assert_eq!(yuan_to_cents(bad), None, "{bad}");
        }
    }
}
