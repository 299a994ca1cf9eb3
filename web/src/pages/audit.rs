//! The audit trail: owners see their shop's events, platform admins every event. Filters
//! (time range, user, action, order, outcome, a reveal's purpose; admins also the shop), pages
//! of 50 with each reveal's purpose and each search's counts, a link that
//! exports the filtered events as CSV, and a banner saying whether the caller's hash chains
//! verify (`GET /api/v1/audit/verify`).

use orderveil_api::{AuditEntry, AuditQuery, RevealPurpose, Role};
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::api;
use crate::components::purpose;
use crate::components::states::{self, Load, value_of};
use crate::i18n::{self, AuditMsg, Lang, OrdersMsg};
use crate::session::{use_lang, use_session};

/// Rows per page.
pub const PER_PAGE: u32 = 50;

/// Actions offered in the action filter (any other can be typed).
const ACTIONS: &[&str] = &[
    "login", "reveal", "search", "ingest", "staff_create", "staff_update", "staff_password_reset", "isv_authorize", "isv_revoke", "isv_token", "isv_app_register",
    "waybill_topup_request", "waybill_topup_confirm", "waybill_topup_reject",
];

/// A `datetime-local` value (the browser's time zone) as RFC 3339 in UTC; `None` if empty or
/// not a time.
pub fn local_to_rfc3339(v: &str) -> Option<String> {
    if v.trim().is_empty() {
        return None;
    }
    let d = js_sys::Date::new(&JsValue::from_str(v));
    if d.get_time().is_nan() {
        return None;
    }
    Some(String::from(d.to_iso_string()))
}

/// An RFC 3339 time in the browser's time zone, `YYYY-MM-DD HH:MM:SS`.
fn local_time(t: &str) -> String {
    let d = js_sys::Date::new(&JsValue::from_str(t));
    if d.get_time().is_nan() {
        return t.to_string();
    }
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}


/// The filter form's values.
#[derive(Clone, Debug, Default, PartialEq)]
struct Filters {
    from: String,
    to: String,
    actor: String,
    action: String,
    order_id: String,
    outcome: String,
    shop_id: String,
    /// A [`RevealPurpose`] name, or empty for any.
    purpose: String,
}

impl Filters {
    fn query(&self, page: u32) -> AuditQuery {
        let t = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        AuditQuery {
            page: Some(page),
            per_page: Some(PER_PAGE),
            shop_id: t(&self.shop_id),
            actor: t(&self.actor),
            action: t(&self.action),
            order_id: t(&self.order_id),
            outcome: t(&self.outcome),
            from: local_to_rfc3339(&self.from),
            to: local_to_rfc3339(&self.to),
            purpose: t(&self.purpose),
        }
    }
}

/// The audit page.
#[function_component(Audit)]
pub fn audit() -> Html {
    let (l, s) = (use_lang(), use_session());
    let admin = s.user.role == Role::Admin;
    // The form as typed, and the filters of the list on screen (applied with the button).
    let form = use_state(Filters::default);
    let applied = use_state(Filters::default);
    let page = use_state(|| 1u32);
    let (chain, _) = states::use_load((), |_| api::audit_verify());
    let (load, _) = states::use_load_afresh(((*applied).clone(), *page), |(f, page)| {
        let q = f.query(*page);
        async move { api::audit(&q).await }
    });
    let field = |set: fn(&mut Filters, String)| {
        let form = form.clone();
        Callback::from(move |e: InputEvent| {
            let mut f = (*form).clone();
            set(&mut f, value_of(&e));
            form.set(f);
        })
    };
    let choice = |set: fn(&mut Filters, String)| {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let mut f = (*form).clone();
            set(&mut f, value_of(&e));
            form.set(f);
        })
    };
    let onsubmit = {
        let (form, applied, page) = (form.clone(), applied.clone(), page.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            applied.set((*form).clone());
            page.set(1);
        })
    };
    let clear = {
        let (form, applied, page) = (form.clone(), applied.clone(), page.clone());
        Callback::from(move |_: MouseEvent| {
            form.set(Filters::default());
            applied.set(Filters::default());
            page.set(1);
        })
    };
    let banner = match &*chain {
        Load::Loading => html! { <p class="state" id="audit-chain" data-state="checking" aria-live="polite">{ l.t(AuditMsg::ChainChecking) }</p> },
        Load::Failed(e) => html! { <div class="notice error" id="audit-chain" data-state="error" role="alert">{ format!("{}：{}", l.t(AuditMsg::ChainError), e.text(l)) }</div> },
        Load::Ok(r) if r.ok => html! {
            <div class="notice ok" id="audit-chain" data-state="ok" role="status">
                <span>{ format!("✓ {}{}", l.t(AuditMsg::ChainOk), i18n::audit_chain_figures(l, r.chains, r.rows)) }</span>
            </div>
        },
        Load::Ok(r) => html! {
            <div class="notice error" id="audit-chain" data-state="bad" role="alert">
                <div>
                    <strong>{ format!("✗ {}", l.t(AuditMsg::ChainBad)) }</strong>
                    <span id="audit-problem-count">{ i18n::audit_problem_count(l, r.problem_count.max(r.problems.len() as u64), r.problems.len().min(20)) }</span>
                    <ul class="problems">{ for r.problems.iter().take(20).map(|p| html! { <li class="mono">{ p }</li> }) }</ul>
                </div>
            </div>
        },
    };
    let export_href = format!("/api/v1/audit/export.csv?{}", api::audit_query_string(&AuditQuery { page: None, per_page: None, ..applied.query(1) }));
    let f = &*form;
    let filters = html! {
        <form class="filters card" id="audit-filters" {onsubmit}>
            <label>{ l.t(AuditMsg::From) }<input type="datetime-local" id="audit-from" value={f.from.clone()} oninput={field(|f, v| f.from = v)} /></label>
            <label>{ l.t(AuditMsg::To) }<input type="datetime-local" id="audit-to" value={f.to.clone()} oninput={field(|f, v| f.to = v)} /></label>
            <label>{ l.t(AuditMsg::Actor) }<input id="audit-actor" value={f.actor.clone()} oninput={field(|f, v| f.actor = v)} /></label>
            <label>{ l.t(AuditMsg::Action) }
                <input id="audit-action" list="audit-actions" value={f.action.clone()} oninput={field(|f, v| f.action = v)} />
                <datalist id="audit-actions">{ for ACTIONS.iter().map(|a| html! { <option value={*a} /> }) }</datalist>
            </label>
            <label>{ l.t(OrdersMsg::OrderId) }<input id="audit-order" value={f.order_id.clone()} oninput={field(|f, v| f.order_id = v)} /></label>
            <label>{ l.t(AuditMsg::Outcome) }
                <select id="audit-outcome" onchange={choice(|f, v| f.outcome = v)}>
                    <option value="" selected={f.outcome.is_empty()}>{ l.t(AuditMsg::AnyOutcome) }</option>
                    <option value="ok" selected={f.outcome == "ok"}>{ l.t(AuditMsg::Ok) }</option>
                    <option value="refused" selected={f.outcome == "refused"}>{ l.t(AuditMsg::Refused) }</option>
                </select>
            </label>
            <label>{ l.t(AuditMsg::Purpose) }
                <select id="audit-purpose" onchange={choice(|f, v| f.purpose = v)}>
                    <option value="" selected={f.purpose.is_empty()}>{ l.t(AuditMsg::AnyPurpose) }</option>
                    { for RevealPurpose::ALL.iter().map(|p| html! { <option value={p.as_str()} selected={f.purpose == p.as_str()}>{ purpose::label(l, *p) }</option> }) }
                </select>
            </label>
            if admin {
                <label>{ l.t(AuditMsg::Shop) }<input id="audit-shop" value={f.shop_id.clone()} oninput={field(|f, v| f.shop_id = v)} /></label>
            }
            <button type="submit" id="audit-apply">{ l.t(AuditMsg::Filter) }</button>
            <button type="button" class="link" id="audit-clear" onclick={clear}>{ l.t(OrdersMsg::Clear) }</button>
            <a id="audit-export" class="button" href={export_href} download="orderveil-audit.csv">{ l.t(AuditMsg::Export) }</a>
        </form>
    };
    let body = match &*load {
        Load::Loading => states::loading(l, "audit-loading", true),
        Load::Failed(e) => html! { <p class="error" role="alert" id="audit-error" data-code={e.code()}>{ e.text(l) }</p> },
        Load::Ok(p) if p.entries.is_empty() => html! { <p class="state" id="audit-empty">{ l.t(AuditMsg::Empty) }</p> },
        Load::Ok(p) => {
            let pages = p.total.div_ceil(u64::from(p.per_page.max(1))).max(1);
            let prev = {
                let page = page.clone();
                let cur = p.page;
                Callback::from(move |_: MouseEvent| page.set(cur.saturating_sub(1).max(1)))
            };
            let next = {
                let page = page.clone();
                let cur = p.page;
                Callback::from(move |_: MouseEvent| page.set(cur + 1))
            };
            html! { <>
                { states::table("audit-table", html! { <>
                    <th>{ l.t(AuditMsg::Time) }</th><th>{ l.t(AuditMsg::Actor) }</th>
                    if admin { <th>{ l.t(AuditMsg::Shop) }</th> }
                    <th>{ l.t(AuditMsg::Action) }</th><th>{ l.t(AuditMsg::Outcome) }</th><th>{ l.t(AuditMsg::Code) }</th><th>{ l.t(AuditMsg::Orders) }</th><th>{ l.t(AuditMsg::Details) }</th>
                </> }, html! { <>{ for p.entries.iter().map(|e| row(l, admin, e)) }</> }) }
                <div class="pager">
                    <button type="button" id="audit-prev" disabled={p.page <= 1} onclick={prev}>{ l.t(OrdersMsg::Prev) }</button>
                    <span id="audit-page">{ i18n::audit_pages(l, p.page, pages, p.total) }</span>
                    <button type="button" id="audit-next" disabled={u64::from(p.page) >= pages} onclick={next}>{ l.t(OrdersMsg::Next) }</button>
                </div>
            </> }
        }
    };
    html! {
        <section class="audit-page" id="audit-page" data-view={if admin { "admin" } else { "owner" }}>
            <div class="toolbar"><h2>{ l.t(AuditMsg::Title) }</h2></div>
            <p class="state">{ l.t(if admin { AuditMsg::IntroAdmin } else { AuditMsg::IntroOwner }) }</p>
            { banner }
            { filters }
            { body }
        </section>
    }
}

fn row(l: Lang, admin: bool, e: &AuditEntry) -> Html {
    let outcome = if e.outcome == "ok" { l.t(AuditMsg::Ok) } else { l.t(AuditMsg::Refused) };
    html! {
        <tr key={e.id} data-action={e.action.clone()} data-outcome={e.outcome.clone()} data-order-ids={e.order_ids.join(" ")} title={e.details.to_string()}>
            <td>{ local_time(&e.at) }</td>
            <td class="mono actor">{ &e.actor }</td>
            if admin { <td class="mono">{ e.shop_id.clone().unwrap_or_default() }</td> }
            <td class="mono action">{ &e.action }</td>
            <td class={classes!("outcome", (e.outcome != "ok").then_some("refused"))}>{ outcome }</td>
            <td class="mono">{ e.code.clone().unwrap_or_default() }</td>
            <td class="mono">{ e.order_ids.join(" ") }</td>
            { details(l, e) }
        </tr>
    }
}

/// What a row's details say that the table shows: a reveal's purpose (and note), a search's
/// number of terms and matches (never the terms).
fn details(l: Lang, e: &AuditEntry) -> Html {
    let d = &e.details;
    let text = |k: &str| d.get(k).and_then(|v| v.as_str());
    match (e.action.as_str(), text("purpose").and_then(RevealPurpose::parse)) {
        (_, Some(p)) => html! {
            <td class="purpose" data-purpose={p.as_str()}>
                { purpose::label(l, p) }
                if let Some(note) = text("purpose_note") { <small class="since purpose-note">{ note.to_string() }</small> }
            </td>
        },
        ("search", None) => {
            let terms = d.get("terms").and_then(|v| v.as_u64()).unwrap_or_default();
            let matches = d.get("matches").and_then(|v| v.as_u64());
            html! { <td class="search-counts" data-terms={terms.to_string()}>{ i18n::audit_search(l, terms, matches) }</td> }
        }
        _ => html! { <td></td> },
    }
}
