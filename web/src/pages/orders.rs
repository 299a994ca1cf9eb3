//! The masked order list with status filter and pagination.

use orderveil_api::{OrderPage, OrderStatus};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::i18n::Lang;

/// Props.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// UI language.
    pub lang: Lang,
}

#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    Ok(OrderPage),
    Failed(ApiFailure),
}

fn yuan(cents: i64) -> String {
    format!("¥{}.{:02}", cents / 100, cents % 100)
}

/// The orders page.
#[function_component(Orders)]
pub fn orders(props: &Props) -> Html {
    let l = props.lang;
    let page = use_state(|| 1u32);
    let status = use_state(|| None::<OrderStatus>);
    let load = use_state(|| Load::Loading);
    let reload = use_state(|| 0u32);
    {
        let load = load.clone();
        use_effect_with((*page, *status, *reload), move |(p, s, _)| {
            let (p, s) = (*p, *s);
            load.set(Load::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                load.set(match api::orders(p, s.map(OrderStatus::as_str)).await {
                    Ok(r) => Load::Ok(r),
                    Err(e) => Load::Failed(e),
                });
            });
        });
    }
    let on_status = {
        let (status, page) = (status.clone(), page.clone());
        Callback::from(move |e: Event| {
            let v = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            status.set(OrderStatus::parse(&v));
            page.set(1);
        })
    };
    let filter = html! {
        <select id="status-filter" onchange={on_status} aria-label={l.t("status")}>
            <option value="" selected={status.is_none()}>{ l.t("all") }</option>
            { for OrderStatus::ALL.iter().map(|s| html! { <option value={s.as_str()} selected={*status == Some(*s)}>{ l.t(s.as_str()) }</option> }) }
        </select>
    };
    let body = match &*load {
        Load::Loading => html! { <p class="state">{ l.t("loading") }</p> },
        Load::Failed(e) => {
            let reload = reload.clone();
            html! { <p class="error" role="alert">{ e.text(l) }<button onclick={Callback::from(move |_| reload.set(*reload + 1))}>{ l.t("retry") }</button></p> }
        }
        Load::Ok(p) if p.orders.is_empty() => html! { <p class="state" id="orders-empty">{ l.t("empty") }</p> },
        Load::Ok(p) => {
            let last = p.total.div_ceil(u64::from(p.per_page)).max(1);
            let (prev, next) = {
                let (a, b) = (page.clone(), page.clone());
                (Callback::from(move |_| a.set((*a).saturating_sub(1).max(1))), Callback::from(move |_| b.set(*b + 1)))
            };
            html! {
                <>
                <div class="table-wrap">
                <table id="orders">
                    <thead><tr>
                        <th>{ l.t("order_id") }</th><th>{ l.t("time") }</th><th>{ l.t("items") }</th><th>{ l.t("amount") }</th>
                        <th>{ l.t("status") }</th><th>{ l.t("name") }</th><th>{ l.t("phone") }</th><th>{ l.t("address") }</th>
                    </tr></thead>
                    <tbody>
                    { for p.orders.iter().map(|o| html! {
                        <tr data-order-id={o.order_id.clone()}>
                            <td class="mono">{ &o.order_id }</td>
                            <td>{ o.created_at.get(..16).unwrap_or(&o.created_at).replace('T', " ") }</td>
                            <td>{ o.items.iter().map(|i| format!("{} ×{}", i.title, i.quantity)).collect::<Vec<_>>().join("，") }</td>
                            <td>{ yuan(o.amount_cents) }</td>
                            <td>{ l.t(o.status.as_str()) }</td>
                            <td class="masked">{ &o.masked.name }</td>
                            <td class="masked">{ &o.masked.phone }</td>
                            <td class="masked">{ &o.masked.address }</td>
                        </tr>
                    }) }
                    </tbody>
                </table>
                </div>
                <div class="pager">
                    <button onclick={prev} disabled={*page <= 1}>{ l.t("prev") }</button>
                    <span>{ format!("{} / {} · {}", *page, last, p.total) }</span>
                    <button onclick={next} disabled={u64::from(*page) >= last}>{ l.t("next") }</button>
                </div>
                </>
            }
        }
    };
    html! {
        <section>
            <div class="toolbar"><h2>{ l.t("orders") }</h2>{ filter }</div>
            { body }
        </section>
    }
}
