//! The quota page: today's figures, today's receiver search units (used, budget, left; order
//! id and last-4 searches are free), where the limit comes from (base and each approved extra
//! with its application), a 30-day bar chart (plain SVG, no script library), and for owners
//! and staff with `quota` the raise application form and the shop's applications.

use orderveil_api::{ApplicationStatus, QuotaApplicationCreate, QuotaDay, QuotaReason, QuotaResponse, QuotaToday};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::states::{self, Load, value_of, when};
use crate::components::quota_meter::band;
use crate::components::quota_watch::{self, mark_seen, reason_key, status_badge};
use crate::i18n::{CommonMsg, Lang, OrdersMsg, QuotaMsg};
use crate::session::{use_lang, use_session};

/// The quota page.
#[function_component(Quota)]
pub fn quota() -> Html {
    let (l, s) = (use_lang(), use_session());
    let admin = s.admin();
    let shop = use_state(|| admin.then(|| "shop1".to_string()));
    let (load, reload) = states::use_load_afresh((*shop).clone(), {
        let on_quota = s.set_quota.clone();
        move |shop: &Option<String>| {
            let shop = shop.clone();
            async move {
                let r = api::quota(shop.as_deref()).await;
                // The user's own shop: the header meter follows.
                if let (Ok(r), None) = (&r, &shop) {
                    on_quota.emit(r.today.clone());
                }
                r
            }
        }
    });
    let shop_input = use_node_ref();
    let shop_form = admin.then(|| {
        let current = (*shop).clone().unwrap_or_default();
        let (shop, input) = (shop.clone(), shop_input.clone());
        let submit = Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let v = input.cast::<HtmlInputElement>().map(|i| i.value().trim().to_string()).unwrap_or_default();
            if !v.is_empty() {
                shop.set(Some(v));
            }
        });
        html! {
            <form class="search" onsubmit={submit}>
                <input ref={shop_input} id="quota-shop" aria-label={l.t(CommonMsg::AdminShop)} value={current} />
                <button type="submit">{ l.t(OrdersMsg::Search) }</button>
            </form>
        }
    });
    let body = match &*load {
        Load::Loading => states::loading(l, "quota-loading", false),
        Load::Failed(e) => states::failed_reload(l, "quota-error", e, &reload),
        Load::Ok(r) => html! { <>{ figures(l, &r.today) }{ searches(l, &r.today) }{ sources(l, r) }{ chart(l, &r.history, r.today.limit) }</> },
    };
    let today = match &*load {
        Load::Ok(r) => r.today.day.clone(),
        _ => String::new(),
    };
    let applications = (!admin && quota_watch::can_apply(&s)).then(|| {
        html! { <Applications {today} /> }
    });
    html! {
        <section class="quota-page">
            <div class="toolbar"><h2>{ l.t(QuotaMsg::Title) }</h2>{ for shop_form }</div>
            { body }
            { for applications }
        </section>
    }
}

fn figures(l: Lang, t: &QuotaToday) -> Html {
    let rate = format!("{:.2} %", t.rate * 100.0);
    let rows: [(&str, QuotaMsg, String); 8] = [
        ("used", QuotaMsg::Used, t.used.to_string()),
        ("limit", QuotaMsg::Limit, t.limit.to_string()),
        ("remaining", QuotaMsg::Remaining, t.remaining.to_string()),
        ("base", QuotaMsg::Base, t.base.to_string()),
        ("extra", QuotaMsg::Extra, t.extra.to_string()),
        ("rate", QuotaMsg::Rate, rate),
        ("floor", QuotaMsg::Floor, t.floor.to_string()),
        ("orders_30d", QuotaMsg::Orders30, t.orders_last_30_days.to_string()),
    ];
    let pct = percent(t.used, t.limit);
    html! {
        <div class="card">
            <p class="state">{ format!("{} · {}", t.shop_id, t.day) }</p>
            <div class={classes!("usage", band(t.used, t.limit))} role="meter" aria-valuemin="0" aria-valuemax={t.limit.to_string()}
                 aria-valuenow={t.used.to_string()} aria-label={l.t(QuotaMsg::Used)}>
                <svg viewBox="0 0 100 6" preserveAspectRatio="none" class="usage-bar" aria-hidden="true">
                    <rect x="0" y="0" width="100" height="6" class="track" />
                    <rect x="0" y="0" width={pct.to_string()} height="6" class="fill" />
                </svg>
            </div>
            <dl id="quota-figures" class="figures">
                { for rows.iter().map(|(key, label, value)| html! {
                    <div class="figure" data-key={*key}><dt>{ l.t(*label) }</dt><dd>{ value.clone() }</dd></div>
                }) }
            </dl>
            <p class="state">{ l.t(QuotaMsg::Formula) }</p>
            <p class="hint" id="quota-apply">{ l.t(QuotaMsg::Apply) }</p>
        </div>
    }
}

/// Today's receiver search units: used, budget, remaining, and what counts.
fn searches(l: Lang, t: &QuotaToday) -> Html {
    let rows: [(&str, QuotaMsg, u32); 3] =
        [("search_used", QuotaMsg::SearchUsed, t.search_used), ("search_budget", QuotaMsg::SearchBudget, t.search_budget), ("search_remaining", QuotaMsg::SearchRemaining, t.search_remaining)];
    html! {
        <div class="card" id="quota-searches">
            <h3>{ l.t(QuotaMsg::SearchTitle) }</h3>
            <div class={classes!("usage", band(t.search_used, t.search_budget))} role="meter" aria-valuemin="0" aria-valuemax={t.search_budget.to_string()}
                 aria-valuenow={t.search_used.to_string()} aria-label={l.t(QuotaMsg::SearchTitle)}>
                <svg viewBox="0 0 100 6" preserveAspectRatio="none" class="usage-bar" aria-hidden="true">
                    <rect x="0" y="0" width="100" height="6" class="track" />
                    <rect x="0" y="0" width={percent(t.search_used, t.search_budget).to_string()} height="6" class="fill" />
                </svg>
            </div>
            <dl id="search-figures" class="figures">
                { for rows.iter().map(|(key, label, value)| html! {
                    <div class="figure" data-key={*key} data-value={value.to_string()}><dt>{ l.t(*label) }</dt><dd>{ value.to_string() }</dd></div>
                }) }
            </dl>
            <p class="state" id="search-explain">{ l.t(QuotaMsg::SearchExplain) }</p>
        </div>
    }
}

/// `used` as a share of `limit` in whole percent, 0–100 (100 when the limit is 0).
fn percent(used: u32, limit: u32) -> u64 {
    if limit == 0 { 100 } else { (u64::from(used) * 100 / u64::from(limit)).min(100) }
}

fn chart(l: Lang, days: &[QuotaDay], limit: u32) -> Html {
    if days.is_empty() || days.iter().all(|d| d.used == 0) {
        return html! { <div class="card"><h3>{ l.t(QuotaMsg::History) }</h3><p class="state" id="quota-history-empty">{ l.t(QuotaMsg::NoHistory) }</p></div> };
    }
    let (w, h, pad_l, pad_b, pad_t) = (600.0_f64, 200.0_f64, 30.0_f64, 22.0_f64, 10.0_f64);
    let max = f64::from(days.iter().map(|d| d.used).max().unwrap_or(0).max(limit).max(1));
    let n = days.len() as f64;
    let slot = (w - pad_l) / n;
    let plot_h = h - pad_b - pad_t;
    let y = |v: f64| pad_t + plot_h - v / max * plot_h;
    let label_at = [0, days.len() / 2, days.len() - 1];
    html! {
        <div class="card">
            <h3>{ l.t(QuotaMsg::History) }</h3>
            <svg id="quota-chart" viewBox={format!("0 0 {w} {h}")} role="img" aria-label={l.t(QuotaMsg::Chart)} class="chart">
                <line x1={pad_l.to_string()} y1={y(0.0).to_string()} x2={w.to_string()} y2={y(0.0).to_string()} class="axis" />
                <text x={(pad_l - 4.0).to_string()} y={(y(max) + 4.0).to_string()} class="tick" text-anchor="end">{ (max as u32).to_string() }</text>
                <text x={(pad_l - 4.0).to_string()} y={(y(0.0) + 4.0).to_string()} class="tick" text-anchor="end">{ "0" }</text>
                if limit > 0 {
                    <line x1={pad_l.to_string()} y1={y(f64::from(limit)).to_string()} x2={w.to_string()} y2={y(f64::from(limit)).to_string()} class="limit" />
                }
                { for days.iter().enumerate().map(|(i, d)| {
                    let x = pad_l + slot * i as f64 + slot * 0.15;
                    let top = y(f64::from(d.used));
                    html! {
                        <rect class="bar" data-day={d.day.clone()} data-used={d.used.to_string()} x={format!("{x:.1}")} y={format!("{top:.1}")}
                              width={format!("{:.1}", slot * 0.7)} height={format!("{:.1}", y(0.0) - top)}>
                            <title>{ format!("{}: {}", d.day, d.used) }</title>
                        </rect>
                    }
                }) }
                { for label_at.iter().enumerate().map(|(j, &i)| {
                    let x = pad_l + slot * i as f64 + slot / 2.0;
                    let anchor = ["start", "middle", "end"][j];
                    let x = match j { 0 => x - slot / 2.0, 2 => x + slot / 2.0, _ => x };
                    html! { <text x={format!("{x:.1}")} y={(h - 6.0).to_string()} class="tick" text-anchor={anchor}>{ days[i].day.get(5..).unwrap_or(&days[i].day).to_string() }</text> }
                }) }
            </svg>
        </div>
    }
}

fn range(l: Lang, start: &str, end: Option<&str>) -> String {
    match end {
        Some(e) if e != "9999-12-31" => format!("{start} – {e}"),
        _ => format!("{start} – {}", l.t(QuotaMsg::RaiseLongTerm)),
    }
}

/// Base and each approved extra active today, with its source.
fn sources(l: Lang, r: &QuotaResponse) -> Html {
    html! {
        <div class="card">
            <h3>{ l.t(QuotaMsg::RaiseSources) }</h3>
            <ul id="quota-sources" class="sources">
                <li data-source="base" data-per-day={r.today.base.to_string()}>
                    <strong>{ r.today.base }</strong>{ " · " }{ l.t(QuotaMsg::RaiseBaseSource) }
                </li>
                { for r.extras.iter().map(|e| {
                    let reason = QuotaReason::parse(&e.reason).map_or(QuotaMsg::ReasonOther, reason_key);
                    html! {
                        <li data-source="application" data-application-id={e.application_id.map(|i| i.to_string())} data-per-day={e.per_day.to_string()}>
                            <strong>{ format!("+{}", e.per_day) }</strong>
                            { format!(" · {}{} · {} · {}", l.t(QuotaMsg::RaiseExtraSource), e.application_id.map(|i| format!(" #{i}")).unwrap_or_default(), l.t(reason), range(l, &e.start_day, Some(&e.end_day))) }
                        </li>
                    }
                }) }
                if r.extras.is_empty() { <li class="state" id="quota-no-extras">{ l.t(QuotaMsg::RaiseNoExtras) }</li> }
            </ul>
        </div>
    }
}

/// Props of [`Applications`].
#[derive(Properties, PartialEq)]
struct AppsProps {
    /// Today (`YYYY-MM-DD`, Asia/Shanghai), once the quota is loaded.
    today: String,
}

/// What the form or a withdrawal said last.
#[derive(Clone, PartialEq)]
enum Said {
    Nothing,
    Ok(String),
    Err(String),
}

fn field_label(l: Lang, field: &str) -> &'static str {
    match field {
        "per_day" => l.t(QuotaMsg::RaisePerDay),
        "reason" => l.t(QuotaMsg::RaiseReason),
        "description" => l.t(QuotaMsg::RaiseDescription),
        "start_day" => l.t(QuotaMsg::RaiseStart),
        "end_day" => l.t(QuotaMsg::RaiseEnd),
        _ => "",
    }
}

fn failure_text(l: Lang, e: &ApiFailure) -> String {
    let field = e.details.as_ref().and_then(|d| d.get("field")).and_then(|f| f.as_str()).map(|f| field_label(l, f)).filter(|f| !f.is_empty());
    let reason = e.details.as_ref().and_then(|d| d.get("reason")).and_then(|f| f.as_str());
    match (field, reason) {
        (Some(f), Some(r)) => format!("{} ({f}: {r})", e.text(l)),
        (Some(f), None) => format!("{} ({f})", e.text(l)),
        _ => e.text(l),
    }
}

/// The application form and the shop's applications.
#[function_component(Applications)]
fn applications(p: &AppsProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let (list, reload) = states::use_load((), |_| api::quota_applications(None));
    let per_day = use_state(|| "10".to_string());
    let reason = use_state(|| QuotaReason::AfterSales);
    let description = use_state(String::new);
    let start = use_state(String::new);
    let end = use_state(String::new);
    let long_term = use_state(|| false);
    let busy = use_state(|| false);
    let said = use_state(|| Said::Nothing);
    {
        // Both days start at today once it is known.
        let (start, end) = (start.clone(), end.clone());
        use_effect_with(p.today.clone(), move |today| {
            if !today.is_empty() {
                if start.is_empty() {
                    start.set(today.clone());
                }
                if end.is_empty() {
                    end.set(today.clone());
                }
            }
        });
    }
    let text_input = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |e: InputEvent| h.set(value_of(&e)))
    };
    let on_reason = {
        let reason = reason.clone();
        Callback::from(move |e: Event| {
            if let Some(r) = QuotaReason::parse(&value_of(&e)) {
                reason.set(r);
            }
        })
    };
    let on_long = {
        let long_term = long_term.clone();
        Callback::from(move |_: Event| long_term.set(!*long_term))
    };
    let submit = {
        let (per_day, reason, description, start, end, long_term) = (per_day.clone(), reason.clone(), description.clone(), start.clone(), end.clone(), long_term.clone());
        let (busy, said, reload, csrf, user) = (busy.clone(), said.clone(), reload.clone(), s.csrf_token.clone(), s.user.username.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let Some(n) = per_day.trim().parse::<u32>().ok().filter(|n| (1..=100_000).contains(n)) else {
                said.set(Said::Err(l.t(QuotaMsg::RaisePerDayInvalid).into()));
                return;
            };
            let desc = description.trim().to_string();
            if desc.is_empty() || desc.chars().count() > 500 {
                said.set(Said::Err(l.t(QuotaMsg::RaiseDescriptionInvalid).into()));
                return;
            }
            if !*long_term && end.is_empty() {
                said.set(Said::Err(l.t(QuotaMsg::RaiseEndMissing).into()));
                return;
            }
            let req = QuotaApplicationCreate {
                per_day: n,
                reason: *reason,
                description: desc,
                start_day: (*start).clone(),
                end_day: (!*long_term).then(|| (*end).clone()),
                long_term: *long_term,
            };
            busy.set(true);
            let (busy, said, reload, csrf, user, description) = (busy.clone(), said.clone(), reload.clone(), csrf.clone(), user.clone(), description.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::apply_quota(&csrf, &req).await {
                    Ok(a) => {
                        mark_seen(&user, &a);
                        description.set(String::new());
                        said.set(Said::Ok(l.t(QuotaMsg::RaiseSubmitted).into()));
                        reload.set(*reload + 1);
                    }
                    Err(e) => said.set(Said::Err(failure_text(l, &e))),
                }
                busy.set(false);
            });
        })
    };
    let withdraw = {
        let (busy, said, reload, csrf, user) = (busy.clone(), said.clone(), reload.clone(), s.csrf_token.clone(), s.user.username.clone());
        Callback::from(move |id: i64| {
            if *busy {
                return;
            }
            busy.set(true);
            let (busy, said, reload, csrf, user) = (busy.clone(), said.clone(), reload.clone(), csrf.clone(), user.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::withdraw_application(&csrf, id).await {
                    Ok(a) => {
                        mark_seen(&user, &a);
                        said.set(Said::Ok(l.t(QuotaMsg::RaiseWithdrawnDone).into()));
                        reload.set(*reload + 1);
                    }
                    Err(e) => {
                        said.set(Said::Err(failure_text(l, &e)));
                        reload.set(*reload + 1);
                    }
                }
                busy.set(false);
            });
        })
    };
    let message = match &*said {
        Said::Nothing => html! {},
        Said::Ok(m) => html! { <p class="notice ok" role="status" id="qa-message">{ m.clone() }</p> },
        Said::Err(m) => html! { <p class="error" role="alert" id="qa-error">{ m.clone() }</p> },
    };
    let form = html! {
        <div class="card">
            <h3>{ l.t(QuotaMsg::RaiseFormTitle) }</h3>
            <form id="qa-form" class="register qa-form" onsubmit={submit}>
                <label>{ l.t(QuotaMsg::RaisePerDay) }
                    <input id="qa-per-day" type="number" min="1" max="100000" step="1" value={(*per_day).clone()} oninput={text_input(&per_day)} required=true />
                </label>
                <label>{ l.t(QuotaMsg::RaiseReason) }
                    <select id="qa-reason" onchange={on_reason}>
                        { for QuotaReason::ALL.iter().map(|r| html! {
                            <option value={r.as_str()} selected={*r == *reason}>{ l.t(reason_key(*r)) }</option>
                        }) }
                    </select>
                </label>
                <label>{ l.t(QuotaMsg::RaiseDescription) }
                    <textarea id="qa-description" rows="3" maxlength="500" value={(*description).clone()} oninput={text_input(&description)} />
                </label>
                <div class="qa-dates">
                    <label>{ l.t(QuotaMsg::RaiseStart) }
                        <input id="qa-start" type="date" min={p.today.clone()} value={(*start).clone()} oninput={text_input(&start)} />
                    </label>
                    if !*long_term {
                        <label>{ l.t(QuotaMsg::RaiseEnd) }
                            <input id="qa-end" type="date" min={(*start).clone()} value={(*end).clone()} oninput={text_input(&end)} />
                        </label>
                    }
                </div>
                <label class="scope"><input id="qa-long-term" type="checkbox" checked={*long_term} onchange={on_long} />{ l.t(QuotaMsg::RaiseLongTermCheck) }</label>
                <small class="muted">{ l.t(QuotaMsg::RaiseRangeHint) }</small>
                <div><button id="qa-submit" type="submit" class="primary" disabled={*busy}>{ if *busy { l.t(QuotaMsg::RaiseSubmitting) } else { l.t(QuotaMsg::RaiseSubmit) } }</button></div>
            </form>
            { message }
        </div>
    };
    let rows = match &*list {
        Load::Loading => states::loading(l, "qa-loading", false),
        Load::Failed(e) => states::failed_reload(l, "qa-list-error", e, &reload),
        Load::Ok(v) if v.is_empty() => html! { <p class="state" id="qa-empty">{ l.t(QuotaMsg::RaiseListEmpty) }</p> },
        Load::Ok(v) => states::table("qa-list", html! { <>
            <th>{ "#" }</th><th>{ l.t(QuotaMsg::RaisePerDay) }</th><th>{ l.t(QuotaMsg::RaiseReason) }</th><th>{ l.t(QuotaMsg::RaiseDates) }</th>
            <th>{ l.t(CommonMsg::Status) }</th><th>{ l.t(QuotaMsg::RaiseAppliedBy) }</th><th>{ l.t(QuotaMsg::RaiseComment) }</th><th>{ l.t(CommonMsg::Actions) }</th>
        </> }, html! { <>
            { for v.iter().map(|a| {
                let id = a.id;
                let onclick = {
                    let withdraw = withdraw.clone();
                    Callback::from(move |_: MouseEvent| withdraw.emit(id))
                };
                html! {
                    <tr key={a.id.to_string()} data-application-id={a.id.to_string()} data-status={a.status.as_str()}>
                        <td class="mono">{ a.id }</td>
                        <td>{ format!("+{} {}", a.per_day, l.t(QuotaMsg::RaisePerDayUnit)) }</td>
                        <td title={a.description.clone()}>{ l.t(reason_key(a.reason)) }<small class="since">{ a.description.clone() }</small></td>
                        <td>{ range(l, &a.start_day, a.end_day.as_deref()) }</td>
                        <td>{ status_badge(l, a.status) }{ if a.long_term { html! { <span class="badge long-term">{ l.t(QuotaMsg::RaiseLongTerm) }</span> } } else { html! {} } }</td>
                        <td>{ a.applied_by.clone() }<small class="since">{ when(&a.created_at) }</small></td>
                        <td class="comment">{ a.comment.clone().unwrap_or_default() }</td>
                        <td class="actions">
                            if a.status == ApplicationStatus::Pending {
                                <button type="button" class="qa-withdraw danger" onclick={onclick} disabled={*busy}>{ l.t(QuotaMsg::RaiseWithdraw) }</button>
                            }
                        </td>
                    </tr>
                }
            }) }
        </> }),
    };
    html! {
        <>
            { form }
            <div class="card"><h3>{ l.t(QuotaMsg::RaiseListTitle) }</h3>{ rows }</div>
        </>
    }
}
