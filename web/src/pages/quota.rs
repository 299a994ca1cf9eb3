//! The quota page: today's figures and a 30-day bar chart (plain SVG, no script library).

use orderveil_api::{QuotaDay, QuotaResponse, QuotaToday, Role, SessionInfo};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::quota_meter::band;
use crate::i18n::Lang;

/// Props.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// UI language.
    pub lang: Lang,
    /// Who is logged in.
    pub session: SessionInfo,
    /// Called with today's figures (keeps the header meter in step).
    pub on_quota: Callback<QuotaToday>,
}

#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    Ok(Box<QuotaResponse>),
    Failed(ApiFailure),
}

/// The quota page.
#[function_component(Quota)]
pub fn quota(props: &Props) -> Html {
    let l = props.lang;
    let admin = props.session.user.role == Role::Admin;
    let shop = use_state(|| admin.then(|| "shop1".to_string()));
    let load = use_state(|| Load::Loading);
    let reload = use_state(|| 0u32);
    let shop_input = use_node_ref();
    {
        let (load, on_quota) = (load.clone(), props.on_quota.clone());
        use_effect_with(((*shop).clone(), *reload), move |(shop, _)| {
            let shop = shop.clone();
            load.set(Load::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                load.set(match api::quota(shop.as_deref()).await {
                    Ok(r) => {
                        if shop.is_none() {
                            on_quota.emit(r.today.clone());
                        }
                        Load::Ok(Box::new(r))
                    }
                    Err(e) => Load::Failed(e),
                });
            });
        });
    }
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
                <input ref={shop_input} id="quota-shop" aria-label={l.t("admin_shop")} value={current} />
                <button type="submit">{ l.t("search") }</button>
            </form>
        }
    });
    let body = match &*load {
        Load::Loading => html! { <p class="state" id="quota-loading">{ l.t("loading") }</p> },
        Load::Failed(e) => {
            let reload = reload.clone();
            html! { <p class="error" role="alert" id="quota-error">{ e.text(l) }<button onclick={Callback::from(move |_| reload.set(*reload + 1))}>{ l.t("retry") }</button></p> }
        }
        Load::Ok(r) => html! { <>{ figures(l, &r.today) }{ chart(l, &r.history, r.today.limit) }</> },
    };
    html! {
        <section class="quota-page">
            <div class="toolbar"><h2>{ l.t("quota_title") }</h2>{ for shop_form }</div>
            { body }
        </section>
    }
}

fn figures(l: Lang, t: &QuotaToday) -> Html {
    let rate = format!("{:.2} %", t.rate * 100.0);
    let rows: [(&str, &str, String); 8] = [
        ("used", "q_used", t.used.to_string()),
        ("limit", "q_limit", t.limit.to_string()),
        ("remaining", "q_remaining", t.remaining.to_string()),
        ("base", "q_base", t.base.to_string()),
        ("extra", "q_extra", t.extra.to_string()),
        ("rate", "q_rate", rate),
        ("floor", "q_floor", t.floor.to_string()),
        ("orders_30d", "q_orders30", t.orders_last_30_days.to_string()),
    ];
    let pct = if t.limit == 0 { 100 } else { (u64::from(t.used) * 100 / u64::from(t.limit)).min(100) };
    html! {
        <div class="card">
            <p class="state">{ format!("{} · {}", t.shop_id, t.day) }</p>
            <div class={classes!("usage", band(t.used, t.limit))} role="meter" aria-valuemin="0" aria-valuemax={t.limit.to_string()}
                 aria-valuenow={t.used.to_string()} aria-label={l.t("q_used")}>
                <svg viewBox="0 0 100 6" preserveAspectRatio="none" class="usage-bar" aria-hidden="true">
                    <rect x="0" y="0" width="100" height="6" class="track" />
                    <rect x="0" y="0" width={pct.to_string()} height="6" class="fill" />
                </svg>
            </div>
            <dl id="quota-figures" class="figures">
                { for rows.iter().map(|(key, label, value)| html! {
                    <div class="figure" data-key={*key}><dt>{ l.t(label) }</dt><dd>{ value.clone() }</dd></div>
                }) }
            </dl>
            <p class="state">{ l.t("q_formula") }</p>
            <p class="hint" id="quota-apply">{ l.t("q_apply") }</p>
        </div>
    }
}

fn chart(l: Lang, days: &[QuotaDay], limit: u32) -> Html {
    if days.is_empty() || days.iter().all(|d| d.used == 0) {
        return html! { <div class="card"><h3>{ l.t("q_history") }</h3><p class="state" id="quota-history-empty">{ l.t("q_no_history") }</p></div> };
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
            <h3>{ l.t("q_history") }</h3>
            <svg id="quota-chart" viewBox={format!("0 0 {w} {h}")} role="img" aria-label={l.t("q_chart")} class="chart">
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
