//! One order at `/orders/{id}`: the same masked fields and eyes as the list. Another shop's
//! order is "not found", exactly like a missing one.

use std::rc::Rc;

use orderveil_api::{OrderView, QuotaToday, SessionInfo};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::reveal::{FieldCell, RevealNotice, can_reveal, eye_icon, use_revealer};
use crate::i18n::Lang;
use crate::pages::orders::route_link;
use crate::reveal::{FIELDS, masked};
use crate::route::Route;

/// Props.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// UI language.
    pub lang: Lang,
    /// Who is logged in.
    pub session: SessionInfo,
    /// The order id from the path.
    pub order_id: AttrValue,
    /// Seconds a revealed value stays.
    pub reveal_secs: u32,
    /// Called with the quota after a reveal.
    pub on_quota: Callback<QuotaToday>,
    /// Go to another page.
    pub on_nav: Callback<Route>,
}

#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    Ok(Rc<OrderView>),
    Failed(ApiFailure),
}

/// The order page.
#[function_component(OrderPage)]
pub fn order_page(props: &Props) -> Html {
    let l = props.lang;
    let load = use_state(|| Load::Loading);
    let revealer = use_revealer(&props.session, props.reveal_secs, props.on_quota.clone());
    let eye = can_reveal(&props.session);
    {
        let load = load.clone();
        use_effect_with(props.order_id.clone(), move |id| {
            let id = id.to_string();
            load.set(Load::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                load.set(match api::order(&id).await {
                    Ok(o) => Load::Ok(Rc::new(o)),
                    Err(e) => Load::Failed(e),
                });
            });
        });
    }
    let back = route_link(Route::Orders, &props.on_nav, "back", html! { { format!("← {}", l.t("back")) } });
    let body = match &*load {
        Load::Loading => html! { <p class="state">{ l.t("loading") }</p> },
        Load::Failed(e) if e.code == "ORDER_NOT_FOUND" => html! { <p class="error" role="alert" id="order-not-found">{ e.text(l) }</p> },
        Load::Failed(e) => html! { <p class="error" role="alert" id="order-error">{ e.text(l) }</p> },
        Load::Ok(o) => {
            let busy = revealer.busy();
            let shown = revealer.shown(&o.order_id);
            let on_field = {
                let (reveal, o) = (revealer.reveal.clone(), o.clone());
                Callback::from(move |k| reveal.emit((vec![o.clone()], vec![k])))
            };
            let reveal_all = {
                let (reveal, o) = (revealer.reveal.clone(), o.clone());
                Callback::from(move |_: MouseEvent| reveal.emit((vec![o.clone()], FIELDS.to_vec())))
            };
            html! {
                <div class="card" id="order-detail" data-order-id={o.order_id.clone()}>
                    <dl>
                        <dt>{ l.t("order_id") }</dt><dd class="mono">{ &o.order_id }</dd>
                        <dt>{ l.t("time") }</dt><dd>{ o.created_at.get(..16).unwrap_or(&o.created_at).replace('T', " ") }</dd>
                        <dt>{ l.t("status") }</dt><dd>{ l.t(o.status.as_str()) }</dd>
                        <dt>{ l.t("items") }</dt><dd>{ o.items.iter().map(|i| format!("{} ×{}", i.title, i.quantity)).collect::<Vec<_>>().join("，") }</dd>
                        { for FIELDS.iter().map(|k| html! {
                            <>
                            <dt>{ l.t(k.as_str()) }</dt>
                            <dd class="pii">
                                <FieldCell lang={l} order_id={o.order_id.clone()} kind={*k} masked={masked(o, *k).to_string()}
                                           shown={shown.as_ref().and_then(|s| s.field(*k))} eye={eye} busy={busy} on_reveal={on_field.clone()} />
                            </dd>
                            </>
                        }) }
                    </dl>
                    if eye && shown.is_none() {
                        <button type="button" class="reveal-row primary" disabled={busy} onclick={reveal_all}>{ eye_icon() }{ format!(" {}", l.t("reveal_row")) }</button>
                    }
                </div>
            }
        }
    };
    html! {
        <section>
            <div class="toolbar"><h2>{ l.t("order_detail") }</h2>{ back }</div>
            <RevealNotice lang={l} notice={revealer.notice()} on_close={revealer.close_notice.clone()} />
            { body }
        </section>
    }
}
