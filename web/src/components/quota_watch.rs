//! Keeps a shop user's header meter current without reloading the app, and tells the
//! merchant when a quota raise application was decided.
//!
//! Every 30 s while the page is visible, and when the window regains the focus (at most
//! once a second), it reads `GET /api/v1/quota` (one small request) and hands today's figures to
//! the header meter, so an approval shows there within half a minute. Users who may apply
//! (owners, staff with `quota`) also read their shop's applications: each one the page last
//! saw as pending (or never saw) that is now decided gives a dismissible banner. What the
//! page has seen lives in `localStorage` per user, so a decision made while the merchant was
//! away is announced on the next load, once, until dismissed. While the platform has the
//! shop suspended (the polled figures say so), a banner says that nothing can be revealed.

use std::collections::HashMap;

use gloo_events::EventListener;
use gloo_storage::{LocalStorage, Storage};
use gloo_timers::callback::Interval;
use orderveil_api::{ApplicationStatus, Permission, QuotaApplication, QuotaReason, Role, SessionInfo};
use yew::prelude::*;

use crate::api;
use crate::i18n::{self, CommonMsg, Lang, QuotaMsg};
use crate::session::{use_lang, use_quota, use_session};

/// Poll period.
pub const POLL_MS: u32 = 30_000;
/// Least time between two refreshes on focus.
const FOCUS_MIN_MS: f64 = 1_000.0;

/// May this user apply for (and see) the shop's quota raise applications?
pub fn can_apply(s: &SessionInfo) -> bool {
    match s.user.role {
        Role::Owner => true,
        Role::Staff => s.user.permissions.contains(&Permission::Quota),
        Role::Admin | Role::Factory | Role::FactoryStaff => false,
    }
}

/// The i18n key of a state's badge.
pub fn status_key(s: ApplicationStatus) -> QuotaMsg {
    match s {
        ApplicationStatus::Pending => QuotaMsg::StatusPending,
        ApplicationStatus::Approved => QuotaMsg::StatusApproved,
        ApplicationStatus::Active => QuotaMsg::StatusActive,
        ApplicationStatus::Expired => QuotaMsg::StatusExpired,
        ApplicationStatus::Rejected => QuotaMsg::StatusRejected,
        ApplicationStatus::Withdrawn => QuotaMsg::StatusWithdrawn,
    }
}

/// The i18n key of a reason.
pub fn reason_key(r: QuotaReason) -> QuotaMsg {
    match r {
        QuotaReason::VirtualGoods => QuotaMsg::ReasonVirtualGoods,
        QuotaReason::InstallationDelivery => QuotaMsg::ReasonInstallationDelivery,
        QuotaReason::AfterSales => QuotaMsg::ReasonAfterSales,
        QuotaReason::Other => QuotaMsg::ReasonOther,
    }
}

/// The badge of a state.
pub fn status_badge(l: Lang, s: ApplicationStatus) -> Html {
    html! { <span class={classes!("badge", "app-status", s.as_str())} data-status={s.as_str()}>{ l.t(status_key(s)) }</span> }
}

fn seen_key(user: &str) -> String {
    format!("orderveil.applications_seen.{user}")
}

/// What the page last saw (application id → state), `None` before the first look.
fn load_seen(user: &str) -> Option<HashMap<String, String>> {
    LocalStorage::get::<HashMap<String, String>>(seen_key(user)).ok()
}

fn save_seen(user: &str, seen: &HashMap<String, String>) {
    let _ = LocalStorage::set(seen_key(user), seen);
}

/// Remember that the page showed `app` in its current state (e.g. right after applying).
pub fn mark_seen(user: &str, app: &QuotaApplication) {
    let mut seen = load_seen(user).unwrap_or_default();
    seen.insert(app.id.to_string(), app.status.as_str().to_string());
    save_seen(user, &seen);
}

/// Applications decided since the page last saw them; records the ones that need no banner
/// (new pending ones, withdrawals). The first look ever records everything silently.
fn decided_since_seen(user: &str, apps: &[QuotaApplication]) -> Vec<QuotaApplication> {
    let Some(mut seen) = load_seen(user) else {
        let all = apps.iter().map(|a| (a.id.to_string(), a.status.as_str().to_string())).collect();
        save_seen(user, &all);
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut changed = false;
    for a in apps {
        let before = seen.get(&a.id.to_string()).map(String::as_str);
        let acknowledged = matches!(before, Some("approved" | "active" | "expired" | "rejected"));
        match a.status {
            ApplicationStatus::Approved | ApplicationStatus::Active | ApplicationStatus::Expired | ApplicationStatus::Rejected if !acknowledged => out.push(a.clone()),
            ApplicationStatus::Pending | ApplicationStatus::Withdrawn if before != Some(a.status.as_str()) => {
                seen.insert(a.id.to_string(), a.status.as_str().to_string());
                changed = true;
            }
            _ => {}
        }
    }
    if changed {
        save_seen(user, &seen);
    }
    out
}

/// The poller and the decision banners; while the platform has the shop suspended (the
/// latest `QuotaToday.shop_suspended`), a banner until the poll finds it resumed.
#[function_component(QuotaWatch)]
pub fn quota_watch() -> Html {
    let (l, session) = (use_lang(), use_session());
    let suspended = use_quota().is_some_and(|q| q.shop_suspended);
    // A new value starts a refresh.
    let tick = use_state(|| 0.0_f64);
    let notices = use_state(Vec::<QuotaApplication>::new);
    let last = use_mut_ref(|| 0.0_f64);
    {
        let tick = tick.clone();
        let last = last.clone();
        use_effect_with((), move |_| {
            let t = tick.clone();
            let interval = Interval::new(POLL_MS, move || {
                let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
                if !hidden {
                    t.set(js_sys::Date::now());
                }
            });
            let focus = web_sys::window().map(|w| {
                EventListener::new(&w, "focus", move |_| {
                    let now = js_sys::Date::now();
                    if now - *last.borrow() >= FOCUS_MIN_MS {
                        tick.set(now);
                    }
                })
            });
            move || drop((interval, focus))
        });
    }
    {
        let (on_quota, notices, last) = (session.set_quota.clone(), notices.clone(), last.clone());
        let session = session.clone();
        use_effect_with(*tick, move |t| {
            let first = *t == 0.0;
            *last.borrow_mut() = js_sys::Date::now();
            wasm_bindgen_futures::spawn_local(async move {
                // The app loads the meter at login; later ticks refresh it.
                if !first && let Ok(r) = api::quota(None).await {
                    on_quota.emit(r.today);
                }
                if can_apply(&session)
                    && let Ok(apps) = api::quota_applications(None).await
                {
                    let fresh = decided_since_seen(&session.user.username, &apps);
                    let approved = fresh.iter().any(|a| a.status != ApplicationStatus::Rejected);
                    if approved && first {
                        // Decided while the page was away: the meter loaded at login may be older.
                        if let Ok(r) = api::quota(None).await {
                            on_quota.emit(r.today);
                        }
                    }
                    notices.set(fresh);
                }
            });
        });
    }
    let suspended = suspended.then(|| {
        html! { <div class="notice error shop-suspended-banner" id="shop-suspended-banner" role="alert">{ l.t(CommonMsg::ShopSuspended) }</div> }
    });
    if notices.is_empty() {
        return html! { { for suspended } };
    }
    let dismiss = {
        let (notices, user) = (notices.clone(), session.user.username.clone());
        Callback::from(move |_: MouseEvent| {
            let mut seen = load_seen(&user).unwrap_or_default();
            for a in notices.iter() {
                seen.insert(a.id.to_string(), a.status.as_str().to_string());
            }
            save_seen(&user, &seen);
            notices.set(Vec::new());
        })
    };
    html! {
        <>
        { for suspended }
        <div class="notice decision" id="application-notice" role="status">
            <div>
            { for notices.iter().map(|a| {
                let approved = a.status != ApplicationStatus::Rejected;
                html! {
                    <p class={classes!("decided", if approved { "approved" } else { "rejected" })} data-application-id={a.id.to_string()} data-status={a.status.as_str()}>
                        { i18n::application_decided(l, a.id, a.per_day, approved, a.comment.as_deref()) }
                    </p>
                }
            }) }
            </div>
            <button type="button" id="application-notice-dismiss" onclick={dismiss}>{ l.t(CommonMsg::NoticeDismiss) }</button>
        </div>
        </>
    }
}
