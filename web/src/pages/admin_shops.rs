//! The platform admin's shops (`/admin/shops`): every shop with its owners and figures;
//! suspend (with a reason, confirmed in the row) or resume, the row then showing the server's
//! answer; each shop's users in a row that opens below it; above, the form that creates a
//! shop with its owner account (a refusal shows next to the field it names).

use std::rc::Rc;

use orderveil_api::{Role, ShopSummary, ShopUpdate, ShopUser};
use yew::prelude::*;
use zeroize::Zeroizing;

use crate::api::{self, ApiFailure};
use crate::components::notice::{Said, outcome_notice};
use crate::components::tenant_form::{Tenant, TenantForm};
use crate::components::states::{self, Load, value_of, when};
use crate::i18n::{self, AccountMsg, AdminMsg, CommonMsg, Lang, StaffMsg};
use crate::pages::staff::perm_key;
use crate::session::{use_lang, use_session};

/// The last action's result, shown above the tables until closed or replaced.
#[derive(Clone, PartialEq)]
enum Outcome {
    /// `suspended` or `resumed`, and the shop.
    Done(&'static str, String),
    /// The shop and its owner's login.
    Created(String, String),
    Failed(ApiFailure),
}

/// The shops page.
#[function_component(AdminShops)]
pub fn admin_shops() -> Html {
    let (l, s) = (use_lang(), use_session());
    let (load, reload) = states::use_load((), |_| api::admin_shops());
    let outcome = use_state(|| None::<Outcome>);
    // The shop an action is under way for (every action button waits meanwhile).
    let busy = use_state(|| None::<String>);
    let csrf = s.csrf_token.clone();
    // `Some(reason)` suspends, `None` resumes; the row then shows the server's answer.
    let on_action = {
        let (csrf, load, outcome, busy) = (csrf.clone(), load.clone(), outcome.clone(), busy.clone());
        Callback::from(move |(shop, reason): (String, Option<String>)| {
            let (csrf, load, outcome, busy) = (csrf.clone(), load.clone(), outcome.clone(), busy.clone());
            busy.set(Some(shop.clone()));
            wasm_bindgen_futures::spawn_local(async move {
                let what = if reason.is_some() { "suspended" } else { "resumed" };
                let req = ShopUpdate { name: None, suspended: Some(reason.is_some()), reason };
                outcome.set(Some(match api::admin_shop_update(&csrf, &shop, &req).await {
                    Ok(s) => {
                        if let Load::Ok(list) = &*load {
                            let list = list.iter().map(|x| if x.shop_id == s.shop_id { s.clone() } else { x.clone() }).collect();
                            load.set(Load::Ok(Rc::new(list)));
                        }
                        Outcome::Done(what, s.shop_id)
                    }
                    Err(e) => Outcome::Failed(e),
                }));
                busy.set(None);
            });
        })
    };
    let on_created = {
        let (reload, outcome) = (reload.clone(), outcome.clone());
        Callback::from(move |(shop, owner): (String, String)| {
            outcome.set(Some(Outcome::Created(shop, owner)));
            reload.set(*reload + 1);
        })
    };
    let notice = outcome_notice(l, &outcome, |o| match o {
        Outcome::Failed(e) => Said { ok: false, id: "shops-notice", code: e.code(), text: e.text(l) },
        Outcome::Done(what, s) => Said { ok: true, id: "shops-status", code: (*what).to_string(), text: i18n::shop_done(l, what, s, "") },
        Outcome::Created(s, o) => Said { ok: true, id: "shops-status", code: "created".into(), text: i18n::shop_done(l, "created", s, o) },
    });
    let body = match &*load {
        Load::Loading => states::loading(l, "shops-loading", true),
        Load::Failed(e) => states::failed_reload(l, "shops-error", e, &reload),
        Load::Ok(list) if list.is_empty() => html! { <p class="state" id="shops-empty">{ l.t(AdminMsg::ShopsEmpty) }</p> },
        Load::Ok(list) => states::table(
            "shops-table",
            states::heads(&[l.t(AdminMsg::ShopId), l.t(AdminMsg::ShopName), l.t(AdminMsg::ShopOwners), l.t(AdminMsg::ShopStaff), l.t(AdminMsg::ShopOrders), l.t(AdminMsg::ShopRevealsToday), l.t(CommonMsg::Status), l.t(CommonMsg::Actions)]),
            html! { <>
                { for list.iter().map(|s| html! {
                    <ShopRow key={s.shop_id.as_str()} shop={Rc::new(s.clone())} busy={busy.is_some()}
                             working={busy.as_deref() == Some(s.shop_id.as_str())} on_action={on_action.clone()} />
                }) }
            </> },
        ),
    };
    html! {
        <section class="admin-shops" id="shops-page">
            <div class="toolbar"><h2>{ l.t(CommonMsg::NavShops) }</h2></div>
            <p class="state">{ l.t(AdminMsg::ShopsIntro) }</p>
            <div class="live" aria-live="polite">{ notice }</div>
            <TenantForm tenant={Tenant::Shop} {on_created} />
            <div class="card"><h3>{ l.t(AdminMsg::ShopsList) }</h3>{ body }</div>
        </section>
    }
}

/// Props of [`ShopRow`].
#[derive(Properties, PartialEq)]
struct RowProps {
    shop: Rc<ShopSummary>,
    /// Some action is under way.
    busy: bool,
    /// An action for this shop is under way.
    working: bool,
    on_action: Callback<(String, Option<String>)>,
}

/// One shop: figures, state, suspend (reason asked in the row) or resume, its users below.
#[function_component(ShopRow)]
fn shop_row(p: &RowProps) -> Html {
    let l = use_lang();
    let s = &p.shop;
    let asking = use_state(|| false);
    let reason = use_state(String::new);
    let users_open = use_state(|| false);
    let set = |h: &UseStateHandle<bool>, v: bool| {
        let h = h.clone();
        Callback::from(move |_: MouseEvent| h.set(v))
    };
    let actions = if *asking {
        let confirm = {
            let (cb, id, reason, asking) = (p.on_action.clone(), s.shop_id.clone(), reason.clone(), asking.clone());
            Callback::from(move |_: MouseEvent| {
                asking.set(false);
                cb.emit((id.clone(), Some(reason.trim().to_string())));
                reason.set(String::new());
            })
        };
        let on_reason = {
            let reason = reason.clone();
            Callback::from(move |e: InputEvent| reason.set(value_of(&e)))
        };
        html! {
            <span class="confirm" role="group" aria-label={l.t(AdminMsg::ShopSuspend)}>
                <input class="suspend-reason" required=true maxlength="500" value={(*reason).clone()} oninput={on_reason}
                       placeholder={l.t(AdminMsg::SuspendReason)} aria-label={format!("{} · {}", l.t(AdminMsg::SuspendReason), s.shop_id)} />
                <button type="button" class="suspend-confirm danger" disabled={p.busy || reason.trim().is_empty()} onclick={confirm}>{ l.t(AdminMsg::SuspendConfirm) }</button>
                <button type="button" class="link cancel suspend-cancel" onclick={set(&asking, false)}>{ l.t(CommonMsg::Cancel) }</button>
            </span>
        }
    } else if s.suspended {
        let resume = {
            let (cb, id) = (p.on_action.clone(), s.shop_id.clone());
            Callback::from(move |_: MouseEvent| cb.emit((id.clone(), None)))
        };
        html! { <button type="button" class="shop-resume" disabled={p.busy} onclick={resume}>{ l.t(if p.working { AdminMsg::ReviewWorking } else { AdminMsg::ShopResume }) }</button> }
    } else {
        html! { <button type="button" class="shop-suspend danger" disabled={p.busy} onclick={set(&asking, true)}>{ l.t(if p.working { AdminMsg::ReviewWorking } else { AdminMsg::ShopSuspend }) }</button> }
    };
    let (state, badge, label) = if s.suspended { ("suspended", "revoked", l.t(AdminMsg::ShopStSuspended)) } else { ("active", "live", l.t(StaffMsg::Enabled)) };
    html! { <>
        <tr data-shop={s.shop_id.clone()} data-suspended={s.suspended.to_string()}>
            <td class="mono">{ &s.shop_id }</td>
            <td>{ &s.name }</td>
            <td class="owners">{ s.owners.join(", ") }</td>
            <td class="staff">{ s.staff }</td>
            <td class="orders">{ s.orders }</td>
            <td class="reveals-today">{ s.reveals_today }</td>
            <td><span class={classes!("badge", "shop-status", badge)} data-status={state}>{ label }</span></td>
            <td class="actions"><div class="row-actions">
                { actions }
                <button type="button" class="shop-users" aria-expanded={users_open.to_string()} onclick={set(&users_open, !*users_open)}>{ l.t(AdminMsg::ShopUsers) }</button>
            </div></td>
        </tr>
        if *users_open {
            <tr class="shop-users-row" data-users-of={s.shop_id.clone()}><td colspan="8"><ShopUsers shop={s.shop_id.clone()} /></td></tr>
        }
    </> }
}

/// Props of [`ShopUsers`].
#[derive(Properties, PartialEq)]
struct UsersProps {
    shop: AttrValue,
}

/// A shop's users, read when the row opens.
#[function_component(ShopUsers)]
fn shop_users(p: &UsersProps) -> Html {
    let l = use_lang();
    let (load, reload) = states::use_load(p.shop.clone(), |shop| {
        let shop = shop.clone();
        async move { api::admin_shop_users(&shop).await }
    });
    match &*load {
        Load::Loading => states::loading(l, "", false),
        Load::Failed(e) => states::failed_reload(l, "", e, &reload),
        Load::Ok(users) if users.is_empty() => html! { <p class="state">{ l.t(AdminMsg::ShopUsersEmpty) }</p> },
        Load::Ok(users) => states::table_of(
            "",
            "shop-users-table",
            states::heads(&[l.t(CommonMsg::Username), l.t(AdminMsg::UserRole), l.t(StaffMsg::Permissions), l.t(StaffMsg::State), l.t(StaffMsg::Created), l.t(CommonMsg::Actions)]),
            html! { <>
                { for users.iter().map(|u| user_row(l, &p.shop, u)) }
            </> },
        ),
    }
}

fn user_row(l: Lang, shop: &AttrValue, u: &ShopUser) -> Html {
    let perms: Vec<&str> = u.permissions.iter().map(|p| l.t(perm_key(*p))).collect();
    let perms = if perms.is_empty() { l.t(StaffMsg::PermNone).to_string() } else { perms.join(if l == Lang::Zh { "、" } else { ", " }) };
    html! {
        <tr key={u.id} data-user={u.username.clone()} data-role={u.role.as_str()} data-disabled={u.disabled.to_string()}>
            <td class="mono">{ &u.username }</td>
            <td>{ if u.role == Role::Owner { l.t(CommonMsg::RoleOwner) } else { l.t(AdminMsg::UserStaff) } }</td>
            <td class="perms">{ perms }</td>
            <td>{ l.t(if u.disabled { StaffMsg::Disabled } else { StaffMsg::Enabled }) }</td>
            <td>{ when(&u.created_at) }</td>
            <td class="actions">if u.role == Role::Owner { <OwnerReset shop={shop.clone()} id={u.id} username={u.username.clone()} /> }</td>
        </tr>
    }
}

/// Props of [`OwnerReset`].
#[derive(Properties, PartialEq)]
struct ResetProps {
    shop: AttrValue,
    id: i64,
    username: AttrValue,
}

/// The admin's reset of an owner's password: the button, then the new password and a
/// confirmation in the cell, then the server's answer there.
#[function_component(OwnerReset)]
fn owner_reset(p: &ResetProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let open = use_state(|| false);
    let password = use_state(|| Zeroizing::new(String::new()));
    let sending = use_state(|| false);
    let answer = use_state(|| None::<Result<u64, ApiFailure>>);
    let said = match &*answer {
        Some(Ok(n)) => html! { <span class="ok owner-reset-done" role="status">{ i18n::owner_reset_done(l, &p.username, *n) }</span> },
        Some(Err(e)) => html! { <span class="error owner-reset-refused" role="alert" data-code={e.error_code().map(|c| c.as_str())}>{ e.text(l) }</span> },
        None => html! {},
    };
    if !*open {
        let (open, answer) = (open.clone(), answer.clone());
        let ask = Callback::from(move |_: MouseEvent| {
            answer.set(None);
            open.set(true);
        });
        return html! { <>{ said }<button type="button" class="reset-owner" onclick={ask}>{ l.t(AccountMsg::OwnerReset) }</button></> };
    }
    let on_pass = {
        let password = password.clone();
        Callback::from(move |e: InputEvent| password.set(Zeroizing::new(value_of(&e))))
    };
    let confirm = {
        let (open, password, sending, answer, csrf, shop, id) = (open.clone(), password.clone(), sending.clone(), answer.clone(), s.csrf_token.clone(), p.shop.clone(), p.id);
        Callback::from(move |_: MouseEvent| {
            let req = orderveil_api::StaffPasswordReset { password: password.to_string() };
            password.set(Zeroizing::new(String::new()));
            let (open, sending, answer, csrf, shop) = (open.clone(), sending.clone(), answer.clone(), csrf.clone(), shop.clone());
            sending.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let out = api::admin_reset_owner(&csrf, &shop, id, &req).await;
                drop(Zeroizing::new(req.password));
                let ok = out.is_ok();
                answer.set(Some(out.map(|d| d.sessions_ended)));
                sending.set(false);
                if ok {
                    open.set(false);
                }
            });
        })
    };
    let cancel = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(false))
    };
    html! {
        <span class="confirm" role="group">
            <input type="password" class="owner-new-password" autocomplete="new-password" value={password.to_string()} oninput={on_pass}
                   aria-label={format!("{} · {}", l.t(AccountMsg::New), p.username)} placeholder={l.t(StaffMsg::PasswordHint)} />
            { l.t(AccountMsg::OwnerResetQuestion) }
            { said }
            <button type="button" class="danger confirm-owner-reset" disabled={*sending} onclick={confirm}>{ l.t(StaffMsg::ResetConfirm) }</button>
            <button type="button" class="link cancel" onclick={cancel}>{ l.t(CommonMsg::Cancel) }</button>
        </span>
    }
}
