//! The platform admin's exposure dashboard (`/admin/exposure`, issue 20): the flags the
//! server's rules raised — each with the rule, what it measured against its threshold, the
//! audit rows behind it, and the decision (acknowledge with a comment, or suspend the shop) —
//! then every active shop's last 30 days (orders, reveals, prints, searches, SMS, virtual
//! numbers, a bar trend of reveals), and the regulator's CSV of a shop's disclosures.

use std::collections::HashMap;
use std::rc::Rc;

use orderveil_api::{ExposureShop, FlagDetail, FlagStatus};
use yew::prelude::*;

use crate::api;
use crate::components::states::{self, Load, value_of, when};
use crate::i18n::{ExposureMsg, Lang, flag_rule, flag_status};
use crate::session::{use_lang, use_session};

/// The dashboard page.
#[function_component(AdminExposure)]
pub fn admin_exposure() -> Html {
    let (l, s) = (use_lang(), use_session());
    // Bumped after a scan or a decision: the flags and the shops are read again.
    let epoch = use_state(|| 0u32);
    let said = use_state(|| None::<Result<String, String>>);
    let scanning = use_state(|| false);
    let on_scan = {
        let (epoch, said, scanning, csrf) = (epoch.clone(), said.clone(), scanning.clone(), s.csrf_token.clone());
        Callback::from(move |_: MouseEvent| {
            let (epoch, said, scanning, csrf) = (epoch.clone(), said.clone(), scanning.clone(), csrf.clone());
            scanning.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::exposure_scan(&csrf).await;
                said.set(Some(match r {
                    Ok(r) => Ok(format!("{}{}", l.t(ExposureMsg::Scanned), r.raised)),
                    Err(e) => Err(e.text(l)),
                }));
                scanning.set(false);
                epoch.set(*epoch + 1);
            });
        })
    };
    let on_changed = {
        let epoch = epoch.clone();
        Callback::from(move |_| epoch.set(*epoch + 1))
    };
    html! {
        <section id="admin-exposure">
            <div class="toolbar">
                <h2>{ l.t(ExposureMsg::Title) }</h2>
                <button type="button" id="exposure-scan" class="primary" disabled={*scanning} onclick={on_scan}>
                    { l.t(if *scanning { ExposureMsg::Scanning } else { ExposureMsg::Scan }) }
                </button>
            </div>
            <p class="state">{ l.t(ExposureMsg::Intro) }</p>
            { match &*said {
                Some(Ok(t)) => html! { <p class="ok" id="exposure-status" aria-live="polite">{ t }</p> },
                Some(Err(t)) => html! { <p class="error" role="alert" id="exposure-notice">{ t }</p> },
                None => html! {},
            } }
            <Flags epoch={*epoch} on_changed={on_changed} />
            <Shops epoch={*epoch} />
            <Export />
        </section>
    }
}

/// Props of the parts that read again when `epoch` moves.
#[derive(Properties, PartialEq)]
struct EpochProps {
    epoch: u32,
    #[prop_or_default]
    on_changed: Callback<()>,
}

#[function_component(Flags)]
fn flags(p: &EpochProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let status = use_state(|| "open".to_string());
    let (load, reload) = states::use_load(((*status).clone(), p.epoch), |d| {
        let st = d.0.clone();
        async move { api::exposure_flags(&st).await }
    });
    let comments = use_state(HashMap::<i64, String>::new);
    let open = use_state(HashMap::<i64, Load<FlagDetail>>::new);
    let said = use_state(|| None::<Result<String, String>>);
    let decide = {
        let (comments, said, reload, on_changed, csrf) = (comments.clone(), said.clone(), reload.clone(), p.on_changed.clone(), s.csrf_token.clone());
        Callback::from(move |(id, suspend): (i64, bool)| {
            let comment = comments.get(&id).map(|c| c.trim().to_string()).unwrap_or_default();
            if comment.is_empty() {
                said.set(Some(Err(format!("#{id}: {}", l.t(ExposureMsg::CommentRequired)))));
                return;
            }
            let (said, reload, on_changed, csrf) = (said.clone(), reload.clone(), on_changed.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::decide_flag(&csrf, id, suspend, comment).await;
                said.set(Some(match r {
                    Ok(f) => Ok(format!("#{id} {}：{}", f.shop_name, flag_status(l, f.status))),
                    Err(e) => Err(format!("#{id}: {}", e.text(l))),
                }));
                reload.set(*reload + 1);
                on_changed.emit(());
            });
        })
    };
    let toggle = {
        let open = open.clone();
        Callback::from(move |id: i64| {
            let mut m = (*open).clone();
            if m.remove(&id).is_some() {
                open.set(m);
                return;
            }
            m.insert(id, Load::Loading);
            open.set(m);
            let open = open.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::exposure_flag(id).await;
                let mut m = (*open).clone();
                m.insert(id, match r {
                    Ok(d) => Load::Ok(Rc::new(d)),
                    Err(e) => Load::Failed(e),
                });
                open.set(m);
            });
        })
    };
    let on_status = {
        let status = status.clone();
        Callback::from(move |e: Event| status.set(value_of(&e)))
    };
    let body = match &*load {
        Load::Loading => states::loading(l, "flags-loading", true),
        Load::Failed(e) => states::failed_retry(l, "flags-error", e, states::retry_afresh(&load, &reload), true),
        Load::Ok(page) if page.flags.is_empty() => html! { <p class="state" id="flags-empty">{ l.t(ExposureMsg::FlagsEmpty) }</p> },
        Load::Ok(page) => states::table("exposure-flags", html! { <>
            <th>{ l.t(ExposureMsg::Shop) }</th><th>{ l.t(ExposureMsg::Day) }</th><th>{ l.t(ExposureMsg::Rule) }</th><th>{ l.t(ExposureMsg::Measured) }</th>
            <th>{ l.t(ExposureMsg::Status) }</th><th>{ l.t(ExposureMsg::Comment) }</th><th></th>
        </> }, html! { <>
            { for page.flags.iter().map(|f| {
                let id = f.id;
                let on_input = {
                    let comments = comments.clone();
                    Callback::from(move |e: InputEvent| {
                        let v = e.target_dyn_into::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
                        let mut c = (*comments).clone();
                        c.insert(id, v);
                        comments.set(c);
                    })
                };
                let (ack, sus, tog) = (decide.clone(), decide.clone(), toggle.clone());
                let is_open = f.status == FlagStatus::Open;
                let evidence = open.get(&id).map(|d| evidence_row(l, id, d));
                html! { <>
                    <tr key={id.to_string()} class="flag-row" data-flag-id={id.to_string()} data-rule={f.rule.as_str()} data-shop-id={f.shop_id.clone()} data-status={f.status.as_str()}>
                        <td>{ &f.shop_name }<small class="since mono">{ &f.shop_id }</small></td>
                        <td class="mono">{ &f.day }</td>
                        <td class="rule">{ flag_rule(l, f.rule) }</td>
                        <td class="num">{ format!("{} / {}", f.measured, f.threshold) }</td>
                        <td><span class={classes!("badge", format!("flag-{}", f.status.as_str()))}>{ flag_status(l, f.status) }</span>
                            if let Some(c) = &f.comment { <small class="since">{ format!("{} · {}", f.decided_by.clone().unwrap_or_default(), c) }</small> }</td>
                        <td>if is_open { <input class="flag-comment" value={comments.get(&id).cloned().unwrap_or_default()} oninput={on_input} aria-label={l.t(ExposureMsg::Comment)} /> }</td>
                        <td class="actions">
                            <button type="button" class="flag-evidence" onclick={Callback::from(move |_: MouseEvent| tog.emit(id))}>
                                { l.t(if open.contains_key(&id) { ExposureMsg::EvidenceHide } else { ExposureMsg::Evidence }) }
                            </button>
                            if is_open {
                                <button type="button" class="flag-ack" onclick={Callback::from(move |_: MouseEvent| ack.emit((id, false)))}>{ l.t(ExposureMsg::Acknowledge) }</button>
                                <button type="button" class="flag-suspend danger" onclick={Callback::from(move |_: MouseEvent| sus.emit((id, true)))}>{ l.t(ExposureMsg::Suspend) }</button>
                            }
                        </td>
                    </tr>
                    { for evidence }
                </> }
            }) }
        </> }),
    };
    html! {
        <div class="card" id="flags-card">
            <div class="toolbar">
                <h3>{ l.t(ExposureMsg::FlagsTitle) }</h3>
                <select id="flags-status-filter" onchange={on_status} aria-label={l.t(ExposureMsg::Status)}>
                    { for [("open", Some(FlagStatus::Open)), ("acknowledged", Some(FlagStatus::Acknowledged)), ("suspended", Some(FlagStatus::Suspended)), ("", None)].into_iter().map(|(v, st)| html! {
                        <option value={v} selected={*status == v}>{ st.map_or(l.t(ExposureMsg::StatusAll), |st| flag_status(l, st)) }</option>
                    }) }
                </select>
            </div>
            { match &*said {
                Some(Ok(t)) => html! { <p class="ok" id="flags-status" aria-live="polite">{ t }</p> },
                Some(Err(t)) => html! { <p class="error" role="alert" id="flags-notice">{ t }</p> },
                None => html! {},
            } }
            { body }
        </div>
    }
}

/// The audit rows behind a flag, under its row.
fn evidence_row(l: Lang, id: i64, d: &Load<FlagDetail>) -> Html {
    let inner = match d {
        Load::Loading => states::loading(l, "", true),
        Load::Failed(e) => html! { <p class="error" role="alert">{ e.text(l) }</p> },
        Load::Ok(d) => html! { <>
            <p class="state">{ format!("{} {}", d.audit_total, l.t(ExposureMsg::EvidenceOf)) }</p>
            <table class="evidence" id={format!("flag-evidence-{id}")}>
                <thead><tr><th>{ l.t(ExposureMsg::Time) }</th><th>{ l.t(ExposureMsg::Actor) }</th><th>{ l.t(ExposureMsg::Action) }</th><th>{ l.t(ExposureMsg::Orders) }</th><th>{ "chain · seq" }</th></tr></thead>
                <tbody>
                    { for d.audit.iter().map(|e| html! {
                        <tr class="evidence-row" data-audit-id={e.id.to_string()}>
                            <td class="mono"><time datetime={e.at.clone()}>{ when(&e.at) }</time></td>
                            <td class="mono">{ &e.actor }</td>
                            <td>{ &e.action }</td>
                            <td class="num">{ e.order_ids.len() }</td>
                            <td class="mono" title={e.hash.clone()}>{ format!("{} · {}", e.chain, e.seq) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </> },
    };
    html! { <tr class="flag-detail" key={format!("d{id}")}><td colspan="7">{ inner }</td></tr> }
}

#[function_component(Shops)]
fn shops(p: &EpochProps) -> Html {
    let l = use_lang();
    let page = use_state(|| 1u32);
    let (load, reload) = states::use_load((*page, p.epoch), |d| {
        let pg = d.0;
        async move { api::exposure(pg, None).await }
    });
    let go = |d: i32| {
        let page = page.clone();
        Callback::from(move |_: MouseEvent| page.set((*page as i32 + d).max(1) as u32))
    };
    let body = match &*load {
        Load::Loading => states::loading(l, "exposure-loading", true),
        Load::Failed(e) => states::failed_retry(l, "exposure-error", e, states::retry_afresh(&load, &reload), true),
        Load::Ok(x) if x.shops.is_empty() => html! { <p class="state" id="exposure-empty">{ l.t(ExposureMsg::ShopsEmpty) }</p> },
        Load::Ok(x) => {
            let pages = x.total.div_ceil(u64::from(x.per_page)).max(1);
            html! { <>
                { states::table("exposure-shops", html! { <>
                    <th>{ l.t(ExposureMsg::Shop) }</th><th>{ l.t(ExposureMsg::Trend) }</th><th class="num">{ l.t(ExposureMsg::Orders) }</th><th class="num">{ l.t(ExposureMsg::Reveals) }</th>
                    <th class="num">{ l.t(ExposureMsg::Prints) }</th><th class="num">{ l.t(ExposureMsg::Searches) }</th><th class="num">{ l.t(ExposureMsg::Sms) }</th>
                    <th class="num">{ l.t(ExposureMsg::VirtualNumbers) }</th><th class="num">{ l.t(ExposureMsg::OpenFlags) }</th>
                </> }, html! { <>{ for x.shops.iter().map(|sh| shop_row(l, sh)) }</> }) }
                <p class="pager">
                    <button type="button" disabled={x.page <= 1} onclick={go(-1)}>{ l.t(ExposureMsg::Prev) }</button>
                    <span>{ format!(" {} / {} ", x.page, pages) }</span>
                    <button type="button" disabled={u64::from(x.page) >= pages} onclick={go(1)}>{ l.t(ExposureMsg::Next) }</button>
                    <small class="since">{ format!("{} – {}", x.from_day, x.to_day) }</small>
                </p>
            </> }
        }
    };
    html! { <div class="card" id="shops-card"><h3>{ l.t(ExposureMsg::ShopsTitle) }</h3>{ body }</div> }
}

fn shop_row(l: Lang, sh: &ExposureShop) -> Html {
    let t = &sh.totals;
    html! {
        <tr key={sh.shop_id.clone()} data-shop-id={sh.shop_id.clone()} class={classes!(sh.suspended.then_some("suspended"))}>
            <td>{ &sh.shop_name }<small class="since mono">{ &sh.shop_id }</small>
                if sh.suspended { <span class="badge flag-suspended">{ l.t(ExposureMsg::Suspended) }</span> }</td>
            <td>{ trend(l, sh) }</td>
            <td class="num">{ t.orders }</td>
            <td class="num reveals">{ t.reveals }</td>
            <td class="num">{ t.prints }</td>
            <td class="num">{ format!("{} ({})", t.search_units, t.search_matches) }</td>
            <td class="num">{ t.sms }</td>
            <td class="num">{ t.virtual_numbers }</td>
            <td class="num open-flags">{ if sh.open_flags > 0 { html! { <span class="badge flag-open">{ sh.open_flags }</span> } } else { html! { "0" } } }</td>
        </tr>
    }
}

/// A bar per day of the shop's reveals (plain SVG).
fn trend(l: Lang, sh: &ExposureShop) -> Html {
    let max = sh.days.iter().map(|d| d.reveals).max().unwrap_or(0).max(1) as f64;
    let (w, h) = (120.0, 24.0);
    let bw = w / sh.days.len().max(1) as f64;
    html! {
        <svg class="sparkline chart" viewBox={format!("0 0 {w} {h}")} width="120" height="24" role="img" aria-label={l.t(ExposureMsg::Trend)}>
            { for sh.days.iter().enumerate().map(|(i, d)| {
                let bh = (d.reveals as f64 / max * (h - 1.0)).max(if d.reveals > 0 { 1.0 } else { 0.0 });
                html! { <rect class="bar" data-day={d.day.clone()} data-reveals={d.reveals.to_string()} x={format!("{:.1}", i as f64 * bw)} y={format!("{:.1}", h - bh)} width={format!("{:.1}", (bw - 0.5).max(0.5))} height={format!("{bh:.1}")}>
                    <title>{ format!("{} · {} {}", d.day, d.reveals, l.t(ExposureMsg::Reveals)) }</title>
                </rect> }
            }) }
        </svg>
    }
}

#[function_component(Export)]
fn export() -> Html {
    let (l, s) = (use_lang(), use_session());
    let today = js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default().get(..10).unwrap_or("").to_string();
    let (shop, from, to) = (use_state(String::new), use_state(|| today.clone()), use_state(|| today.clone()));
    let set = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |e: InputEvent| h.set(e.target_dyn_into::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default()))
    };
    let ready = !shop.trim().is_empty() && !from.is_empty() && !to.is_empty();
    let on_download = {
        let (shop, from, to, csrf) = (shop.clone(), from.clone(), to.clone(), s.csrf_token.clone());
        Callback::from(move |_: MouseEvent| {
            crate::components::export::post_download(api::DISCLOSURES_CSV, &[("csrf_token", &csrf), ("shop_id", shop.trim()), ("from", &from), ("to", &to)]);
        })
    };
    html! {
        <div class="card" id="export-disclosures">
            <h3>{ l.t(ExposureMsg::ExportTitle) }</h3>
            <p class="state">{ l.t(ExposureMsg::ExportHint) }</p>
            <div class="form-row">
                <label>{ l.t(ExposureMsg::Shop) }<input id="export-shop" value={(*shop).clone()} oninput={set(&shop)} placeholder="shop1" /></label>
                <label>{ l.t(ExposureMsg::From) }<input id="export-from" type="date" value={(*from).clone()} oninput={set(&from)} /></label>
                <label>{ l.t(ExposureMsg::To) }<input id="export-to" type="date" value={(*to).clone()} oninput={set(&to)} /></label>
                <button type="button" id="export-download" class="primary" disabled={!ready} onclick={on_download}>{ l.t(ExposureMsg::Download) }</button>
            </div>
        </div>
    }
}
