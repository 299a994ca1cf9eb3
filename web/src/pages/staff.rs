//! Staff accounts of the owner's shop: the list with each account's permissions (edited in
//! place), disable (after a confirmation step) or enable, and a password reset (confirmed);
//! above, the form that creates an account. After each action the list is read again.
//! A factory's owner manages the factory's staff here the same way, with `print` and `ship`
//! only.

use std::rc::Rc;

use orderveil_api::{Permission, StaffCreate, StaffMember, StaffPasswordReset, StaffUpdate};
use yew::prelude::*;
use zeroize::Zeroizing;

use crate::api::{self, ApiFailure};
use crate::components::notice::{Said, outcome_notice};
use crate::components::states::{self, Load, value_of, when};
use crate::i18n::{self, CommonMsg, Lang, StaffMsg};
use crate::session::{Session, use_lang, use_session};

/// What a factory's staff may be given.
const FACTORY_PERMISSIONS: [Permission; 2] = [Permission::Print, Permission::Ship];

/// The permissions the owner may grant: every shop permission, or a factory's two.
fn grantable(s: &Session) -> &'static [Permission] {
    if s.factory() { &FACTORY_PERMISSIONS } else { &Permission::ALL }
}

/// The label key of a permission.
pub fn perm_key(p: Permission) -> StaffMsg {
    match p {
        Permission::View => StaffMsg::PermView,
        Permission::Reveal => StaffMsg::PermReveal,
        Permission::Print => StaffMsg::PermPrint,
        Permission::Ship => StaffMsg::PermShip,
        Permission::Export => StaffMsg::PermExport,
        Permission::Assign => StaffMsg::PermAssign,
        Permission::Sms => StaffMsg::PermSms,
        Permission::Quota => StaffMsg::PermQuota,
    }
}

/// The server's user-name rule, `[a-z0-9_-]{3,32}`.
pub fn valid_username(s: &str) -> bool {
    (3..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The server's password rule: at least 8 characters.
pub fn valid_password(s: &str) -> bool {
    s.chars().count() >= 8
}

/// Permission checkboxes bound to `chosen`.
fn perm_boxes(l: Lang, all: &'static [Permission], chosen: &UseStateHandle<Vec<Permission>>, disabled: bool, who: &str) -> Html {
    html! {
        <span class="perms">
        { for all.iter().copied().map(|p| {
            let checked = chosen.contains(&p);
            let onchange = {
                let chosen = chosen.clone();
                Callback::from(move |_: Event| {
                    let mut v: Vec<Permission> = (*chosen).clone();
                    if let Some(i) = v.iter().position(|x| *x == p) { v.remove(i); } else { v.push(p); }
                    chosen.set(all.iter().copied().filter(|x| v.contains(x)).collect());
                })
            };
            html! {
                <label class="scope">
                    <input type="checkbox" class="perm" data-perm={p.as_str()} {checked} {onchange} {disabled}
                           aria-label={format!("{} · {who}", l.t(perm_key(p)))} />
                    { l.t(perm_key(p)) }
                </label>
            }
        }) }
        </span>
    }
}

#[derive(Clone, PartialEq)]
enum Outcome {
    Done(&'static str, String),
    Failed(ApiFailure),
}

/// An action on one account.
#[derive(Clone, PartialEq)]
enum Action {
    Perms(Vec<Permission>),
    Disabled(bool),
    Password(Zeroizing<String>),
}

/// The staff page.
#[function_component(Staff)]
pub fn staff() -> Html {
    let (l, s) = (use_lang(), use_session());
    // After each action the list is read again; the table stays on screen meanwhile.
    let factory = s.factory();
    let (load, reload) = states::use_load(factory, |f| api::staff_list(*f));
    let outcome = use_state(|| None::<Outcome>);
    let busy = use_state(|| false);
    let csrf = s.csrf_token.clone();
    let on_action = {
        let (csrf, reload, outcome, busy) = (csrf.clone(), reload.clone(), outcome.clone(), busy.clone());
        Callback::from(move |(m, action): (Rc<StaffMember>, Action)| {
            let (csrf, reload, outcome, busy) = (csrf.clone(), reload.clone(), outcome.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let (what, r) = match action {
                    Action::Perms(p) => ("saved", api::staff_update(&csrf, factory, m.id, &StaffUpdate { permissions: Some(p), disabled: None }).await),
                    Action::Disabled(d) => {
                        (if d { "disabled" } else { "enabled" }, api::staff_update(&csrf, factory, m.id, &StaffUpdate { permissions: None, disabled: Some(d) }).await)
                    }
                    Action::Password(p) => ("reset", api::staff_reset_password(&csrf, factory, m.id, &StaffPasswordReset { password: p.to_string() }).await),
                };
                outcome.set(Some(match r {
                    Ok(_) => Outcome::Done(what, m.username.clone()),
                    Err(e) => Outcome::Failed(e),
                }));
                reload.set(*reload + 1);
                busy.set(false);
            });
        })
    };
    let on_created = {
        let (reload, outcome) = (reload.clone(), outcome.clone());
        Callback::from(move |r: Result<String, ApiFailure>| {
            outcome.set(Some(match r {
                Ok(name) => Outcome::Done("created", name),
                Err(e) => Outcome::Failed(e),
            }));
            reload.set(*reload + 1);
        })
    };
    let notice = outcome_notice(l, &outcome, |o| match o {
        Outcome::Failed(e) => Said { ok: false, id: "staff-notice", code: e.code(), text: e.text(l) },
        Outcome::Done(what, n) => Said { ok: true, id: "staff-status", code: (*what).to_string(), text: i18n::staff_done(l, what, n) },
    });
    let body = match &*load {
        Load::Loading => states::loading(l, "staff-loading", true),
        Load::Failed(e) => states::failed_retry(l, "staff-error", e, states::retry_afresh(&load, &reload), true),
        Load::Ok(list) if list.is_empty() => html! { <p class="state" id="staff-empty">{ l.t(StaffMsg::Empty) }</p> },
        Load::Ok(list) => states::table("staff-table", html! { <>
            <th>{ l.t(CommonMsg::Username) }</th><th>{ l.t(StaffMsg::State) }</th><th>{ l.t(StaffMsg::Permissions) }</th>
            <th>{ l.t(StaffMsg::Created) }</th><th>{ l.t(CommonMsg::Actions) }</th>
        </> }, html! { <>
            { for list.iter().map(|m| html! {
                <StaffRow key={m.id} member={Rc::new(m.clone())} busy={*busy} on_action={on_action.clone()} />
            }) }
        </> }),
    };
    html! {
        <section class="staff-page" id="staff-page">
            <div class="toolbar"><h2>{ l.t(StaffMsg::Title) }</h2></div>
            <p class="state">{ l.t(if factory { StaffMsg::IntroFactory } else { StaffMsg::Intro }) }</p>
            <div class="live" aria-live="polite">{ notice }</div>
            <CreateForm {on_created} />
            <div class="card"><h3>{ l.t(StaffMsg::List) }</h3>{ body }</div>
        </section>
    }
}

/// Props of [`CreateForm`].
#[derive(Properties, PartialEq)]
struct FormProps {
    on_created: Callback<Result<String, ApiFailure>>,
}

/// The form that creates a staff account (`view` preselected; a factory's: `print`).
#[function_component(CreateForm)]
fn create_form(p: &FormProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let username = use_state(String::new);
    let password = use_state(|| Zeroizing::new(String::new()));
    let all = grantable(&s);
    let chosen = use_state(|| vec![all[0]]);
    let error = use_state(|| None::<StaffMsg>);
    let sending = use_state(|| false);
    let onsubmit = {
        let (username, password, chosen, error, sending, csrf, cb) = (username.clone(), password.clone(), chosen.clone(), error.clone(), sending.clone(), s.csrf_token.clone(), p.on_created.clone());
        let factory = s.factory();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let name = username.trim().to_string();
            if !valid_username(&name) {
                error.set(Some(StaffMsg::UsernameInvalid));
                return;
            }
            if !valid_password(&password) {
                error.set(Some(StaffMsg::PasswordInvalid));
                return;
            }
            error.set(None);
            sending.set(true);
            let req = StaffCreate { username: name.clone(), password: password.to_string(), permissions: (*chosen).clone() };
            let (username, password, sending, csrf, cb) = (username.clone(), password.clone(), sending.clone(), csrf.clone(), cb.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::staff_create(&csrf, factory, &req).await;
                drop(Zeroizing::new(req.password));
                if r.is_ok() {
                    username.set(String::new());
                    password.set(Zeroizing::new(String::new()));
                }
                sending.set(false);
                cb.emit(r.map(|m| m.username));
            });
        })
    };
    let on_user = {
        let username = username.clone();
        Callback::from(move |e: InputEvent| username.set(value_of(&e)))
    };
    let on_pass = {
        let password = password.clone();
        Callback::from(move |e: InputEvent| password.set(Zeroizing::new(value_of(&e))))
    };
    html! {
        <form class="card" id="staff-create-form" {onsubmit} novalidate=true>
            <h3>{ l.t(StaffMsg::CreateTitle) }</h3>
            <label>{ l.t(CommonMsg::Username) }
                <input id="staff-username" autocomplete="off" value={(*username).clone()} oninput={on_user} placeholder={l.t(StaffMsg::UsernameHint)} />
            </label>
            <label>{ l.t(CommonMsg::Password) }
                <input id="staff-password" type="password" autocomplete="new-password" value={password.to_string()} oninput={on_pass} placeholder={l.t(StaffMsg::PasswordHint)} />
            </label>
            <fieldset class="perms"><legend>{ l.t(StaffMsg::Permissions) }</legend>{ perm_boxes(l, all, &chosen, *sending, l.t(StaffMsg::CreateTitle)) }</fieldset>
            if let Some(k) = *error { <p class="error" role="alert" id="staff-form-error">{ l.t(k) }</p> }
            <button type="submit" id="staff-create" disabled={*sending}>{ l.t(if *sending { StaffMsg::Creating } else { StaffMsg::Create }) }</button>
        </form>
    }
}

/// Props of [`StaffRow`].
#[derive(Properties, PartialEq)]
struct RowProps {
    member: Rc<StaffMember>,
    busy: bool,
    on_action: Callback<(Rc<StaffMember>, Action)>,
}

/// What the row is asking to confirm.
#[derive(Clone, Copy, PartialEq)]
enum Confirm {
    None,
    Disable,
    Reset,
}

/// One account: permissions (editable), state, disable/enable, password reset.
#[function_component(StaffRow)]
fn staff_row(p: &RowProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let m = &p.member;
    let chosen = use_state(|| m.permissions.clone());
    let confirm = use_state(|| Confirm::None);
    let new_password = use_state(|| Zeroizing::new(String::new()));
    let bad_password = use_state(|| false);
    {
        // The server's answer replaces the checkboxes' state after each reload.
        let chosen = chosen.clone();
        use_effect_with(m.permissions.clone(), move |perms| chosen.set(perms.clone()));
    }
    let act = |a: Action| {
        let (cb, m, confirm) = (p.on_action.clone(), m.clone(), confirm.clone());
        move || {
            confirm.set(Confirm::None);
            cb.emit((m.clone(), a.clone()));
        }
    };
    let changed = *chosen != m.permissions;
    let save = {
        let (cb, m, chosen) = (p.on_action.clone(), m.clone(), chosen.clone());
        Callback::from(move |_: MouseEvent| cb.emit((m.clone(), Action::Perms((*chosen).clone()))))
    };
    let ask = |c: Confirm| {
        let confirm = confirm.clone();
        Callback::from(move |_: MouseEvent| confirm.set(c))
    };
    let state = if m.disabled {
        html! { <span class="badge revoked">{ l.t(StaffMsg::Disabled) }</span> }
    } else {
        html! { <span class="badge live">{ l.t(StaffMsg::Enabled) }</span> }
    };
    let actions = match *confirm {
        Confirm::Disable => {
            let yes = act(Action::Disabled(true));
            html! {
                <span class="confirm" role="group">
                    { l.t(StaffMsg::DisableQuestion) }
                    <button type="button" class="danger confirm-disable" disabled={p.busy} onclick={Callback::from(move |_: MouseEvent| yes())}>{ l.t(StaffMsg::DisableConfirm) }</button>
                    <button type="button" class="link cancel" onclick={ask(Confirm::None)}>{ l.t(CommonMsg::Cancel) }</button>
                </span>
            }
        }
        Confirm::Reset => {
            let on_pass = {
                let new_password = new_password.clone();
                Callback::from(move |e: InputEvent| new_password.set(Zeroizing::new(value_of(&e))))
            };
            let reset = {
                let (cb, m, confirm, new_password, bad) = (p.on_action.clone(), m.clone(), confirm.clone(), new_password.clone(), bad_password.clone());
                Callback::from(move |_: MouseEvent| {
                    if !valid_password(&new_password) {
                        bad.set(true);
                        return;
                    }
                    bad.set(false);
                    let pw = Zeroizing::new(new_password.to_string());
                    new_password.set(Zeroizing::new(String::new()));
                    confirm.set(Confirm::None);
                    cb.emit((m.clone(), Action::Password(pw)));
                })
            };
            html! {
                <span class="confirm" role="group">
                    <input type="password" class="new-password" autocomplete="new-password" value={new_password.to_string()} oninput={on_pass}
                           placeholder={l.t(StaffMsg::PasswordHint)} aria-label={format!("{} · {}", l.t(StaffMsg::NewPassword), m.username)} />
                    { l.t(StaffMsg::ResetQuestion) }
                    if *bad_password { <span class="error" role="alert">{ l.t(StaffMsg::PasswordInvalid) }</span> }
                    <button type="button" class="danger confirm-reset" disabled={p.busy} onclick={reset}>{ l.t(StaffMsg::ResetConfirm) }</button>
                    <button type="button" class="link cancel" onclick={ask(Confirm::None)}>{ l.t(CommonMsg::Cancel) }</button>
                </span>
            }
        }
        Confirm::None => {
            let toggle = if m.disabled {
                let enable = act(Action::Disabled(false));
                html! { <button type="button" class="enable" disabled={p.busy} onclick={Callback::from(move |_: MouseEvent| enable())}>{ l.t(StaffMsg::Enable) }</button> }
            } else {
                html! { <button type="button" class="disable" disabled={p.busy} onclick={ask(Confirm::Disable)}>{ l.t(StaffMsg::Disable) }</button> }
            };
            html! { <>
                <button type="button" class="save-perms" disabled={p.busy || !changed} onclick={save}>{ l.t(if p.busy { StaffMsg::Saving } else { StaffMsg::SavePerms }) }</button>
                { toggle }
                <button type="button" class="reset-password" disabled={p.busy} onclick={ask(Confirm::Reset)}>{ l.t(StaffMsg::Reset) }</button>
            </> }
        }
    };
    html! {
        <tr data-username={m.username.clone()} data-disabled={m.disabled.to_string()}
            data-perms={m.permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")}>
            <td class="mono">{ &m.username }</td>
            <td>{ state }</td>
            <td>{ perm_boxes(l, grantable(&s), &chosen, p.busy, &m.username) }</td>
            <td>{ when(&m.created_at) }</td>
            <td class="actions">{ actions }</td>
        </tr>
    }
}
