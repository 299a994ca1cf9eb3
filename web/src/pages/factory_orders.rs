//! The factory console's 代发订单 (`/factory/orders`, factory owner and staff): the orders
//! every bound shop assigned to the factory — shop, items, the MASKED receiver (there is no
//! eye: a factory never reveals), a hint which orders of one shop share a receiver (they can
//! share a waybill), the waybill and the shipment; filters by shop, state (to ship / shipped)
//! and order id; pages; the selected orders get waybills from one of the factory's own
//! e-waybill accounts ([`Allocator`], with the merge option), printed on 面单与打印. An
//! assigned order's buyer thread opens below the list (the factory writes to the buyer
//! without a number). A banner says so while the platform suspends the factory.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use orderveil_api::{AssignmentStatus, FactoryOrder, FactoryOrderPage, FactoryOrderQuery};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api;
use crate::components::allocator::{Allocator, Chosen};
use crate::components::states::{self, Load, value_of, when};
use crate::components::buyer_contact::MessageThread;
use crate::i18n::{self, CommonMsg, DropshipMsg, Lang, OrdersMsg, SmsMsg};
use crate::pages::orders::PER_PAGE_CHOICES;
use crate::session::{use_lang, use_session};

/// The applied filters.
#[derive(Clone, PartialEq)]
struct Filters {
    page: u32,
    per_page: u32,
    shop: Option<String>,
    shipped: bool,
    order_id: Option<String>,
}

impl Filters {
    fn query(&self) -> FactoryOrderQuery {
        FactoryOrderQuery {
            page: Some(self.page),
            per_page: Some(self.per_page),
            shop_id: self.shop.clone(),
            status: Some(if self.shipped { AssignmentStatus::Shipped } else { AssignmentStatus::Assigned }),
            order_id: self.order_id.clone(),
        }
    }
}

/// The shops the factory is or was bound to: `(id, name)`, for the shop filter.
async fn shops() -> Result<Vec<(String, String)>, api::ApiFailure> {
    let all = api::bindings().await?;
    let mut seen = BTreeMap::new();
    for b in all {
        seen.entry(b.shop_id).or_insert(b.shop_name);
    }
    Ok(seen.into_iter().collect())
}

/// Whom an order goes to, for merging: receiver keys are per shop.
fn receiver(o: &FactoryOrder) -> String {
    format!("{}/{}", o.shop_id, o.receiver_key)
}

/// The factory's order list.
#[function_component(FactoryOrders)]
pub fn factory_orders() -> Html {
    let (l, s) = (use_lang(), use_session());
    let filters = use_state(|| Filters { page: 1, per_page: PER_PAGE_CHOICES[0], shop: None, shipped: false, order_id: None });
    let (load, reload) = states::use_load_afresh((*filters).clone(), |f| {
        let q = f.query();
        async move { api::factory_orders(&q).await }
    });
    let (shop_list, _) = states::use_load((), |_| shops());
    // The factory's own entry: is the platform suspending it?
    let (own, _) = states::use_load((), |_| api::factories());
    let suspended = matches!(&*own, Load::Ok(f) if f.iter().any(|f| f.suspended));
    let selected = use_state(BTreeSet::<String>::new);
    // The order whose buyer thread is open below the list.
    let open = use_state(|| None::<String>);
    let search = use_node_ref();
    {
        // A new read starts with nothing selected.
        let selected = selected.clone();
        use_effect_with(((*filters).clone(), *reload), move |_| selected.set(BTreeSet::new()));
    }
    let set = |f: fn(&mut Filters, String)| {
        let filters = filters.clone();
        Callback::from(move |e: Event| {
            let mut next = Filters { page: 1, ..(*filters).clone() };
            f(&mut next, value_of(&e));
            filters.set(next);
        })
    };
    let on_search = {
        let (filters, search) = (filters.clone(), search.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let id = search.cast::<HtmlInputElement>().map(|i| i.value().trim().to_string()).filter(|v| !v.is_empty());
            filters.set(Filters { page: 1, order_id: id, ..(*filters).clone() });
        })
    };
    let shop_options = match &*shop_list {
        Load::Ok(list) => list.iter().map(|(id, name)| html! { <option value={id.clone()} selected={filters.shop.as_deref() == Some(id.as_str())}>{ format!("{name}（{id}）") }</option> }).collect(),
        _ => html! {},
    };
    let toolbar = html! {
        <div class="toolbar">
            <h2>{ l.t(DropshipMsg::FoTitle) }</h2>
            <select id="fo-shop" aria-label={l.t(DropshipMsg::Shop)} onchange={set(|f, v| f.shop = (!v.is_empty()).then_some(v))}>
                <option value="" selected={filters.shop.is_none()}>{ l.t(DropshipMsg::FoAllShops) }</option>
                { shop_options }
            </select>
            <select id="fo-status" aria-label={l.t(CommonMsg::Status)} onchange={set(|f, v| f.shipped = v == "shipped")}>
                <option value="assigned" selected={!filters.shipped}>{ l.t(DropshipMsg::FoAssigned) }</option>
                <option value="shipped" selected={filters.shipped}>{ l.t(DropshipMsg::FoShipped) }</option>
            </select>
            <form class="search" id="fo-search" role="search" onsubmit={on_search}>
                <input ref={search} id="fo-order-id" type="search" aria-label={l.t(OrdersMsg::OrderId)} placeholder={l.t(OrdersMsg::OrderId)} />
                <button type="submit" id="fo-search-go">{ l.t(OrdersMsg::Search) }</button>
            </form>
        </div>
    };
    let print = s.can_print();
    let body = match &*load {
        Load::Loading => states::loading(l, "fo-loading", true),
        Load::Failed(e) => states::failed_reload(l, "fo-error", e, &reload),
        Load::Ok(p) if p.orders.is_empty() => html! { <p class="state" id="fo-empty">{ l.t(DropshipMsg::FoEmpty) }</p> },
        Load::Ok(p) => html! { <>{ table(l, p, print, &selected, &open) }{ pager(l, p, &filters) }</> },
    };
    // The allocation stays mounted while the list reads again, so its outcome stays.
    let allocator = print.then(|| {
        let on_done = {
            let reload = reload.clone();
            Callback::from(move |()| reload.set(*reload + 1))
        };
        let orders = match &*load {
            Load::Ok(p) => chosen(p, &selected),
            _ => Vec::new(),
        };
        html! { <div class="bulk"><Allocator {orders} {on_done} /></div> }
    });
    html! {
        <section class="factory-orders" id="fo-page">
            { toolbar }
            if suspended {
                <div class="notice error" id="factory-suspended-banner" role="alert">{ l.t(DropshipMsg::FoSuspended) }</div>
            }
            <p class="state">{ l.t(DropshipMsg::FoIntro) }</p>
            { allocator }
            { body }
            if let Some(id) = &*open { <MessageThread order_id={id.clone()} /> }
        </section>
    }
}

/// Can the order get a waybill (assigned to the factory, none allocated yet)?
fn selectable(o: &FactoryOrder) -> bool {
    o.assignment == AssignmentStatus::Assigned && o.waybill_no.is_none()
}

/// The selected orders of the page, for the allocation.
fn chosen(p: &FactoryOrderPage, selected: &BTreeSet<String>) -> Vec<Chosen> {
    let picked = p.orders.iter().filter(|o| selectable(o) && selected.contains(&o.order_id));
    picked.map(|o| Chosen { order_id: o.order_id.clone(), receiver: receiver(o) }).collect()
}

fn table(l: Lang, p: &FactoryOrderPage, select: bool, selected: &UseStateHandle<BTreeSet<String>>, open: &UseStateHandle<Option<String>>) -> Html {
    // Orders of one shop and one receiver on this page: numbered groups (two or more).
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for o in &p.orders {
        *counts.entry(receiver(o)).or_default() += 1;
    }
    let mut groups: Vec<String> = Vec::new();
    for o in &p.orders {
        let r = receiver(o);
        if counts[&r] > 1 && !groups.contains(&r) {
            groups.push(r);
        }
    }
    let ids: Rc<Vec<String>> = Rc::new(p.orders.iter().filter(|o| selectable(o)).map(|o| o.order_id.clone()).collect());
    let all = !ids.is_empty() && ids.iter().all(|id| selected.contains(id));
    let toggle = |id: Option<String>| {
        let (selected, ids) = (selected.clone(), ids.clone());
        Callback::from(move |_: Event| {
            let mut s = (*selected).clone();
            match &id {
                Some(id) if !s.remove(id) => {
                    s.insert(id.clone());
                }
                Some(_) => {}
                None if all => s.clear(),
                None => s.extend(ids.iter().cloned()),
            }
            selected.set(s);
        })
    };
    let heads = [
        l.t(OrdersMsg::OrderId),
        l.t(DropshipMsg::Shop),
        l.t(OrdersMsg::Items),
        l.t(OrdersMsg::Name),
        l.t(OrdersMsg::Phone),
        l.t(OrdersMsg::Address),
        l.t(DropshipMsg::FoReceiver),
        l.t(DropshipMsg::FoWaybill),
        l.t(DropshipMsg::FoAssignedAt),
    ];
    let rows = p.orders.iter().map(|o| {
        let r = receiver(o);
        let group = groups.iter().position(|g| *g == r).map(|k| k + 1);
        let is_selected = selectable(o) && selected.contains(&o.order_id);
        html! {
            <tr key={o.order_id.clone()} data-order-id={o.order_id.clone()} data-shop-id={o.shop_id.clone()} data-status={o.assignment.as_str()}
                data-receiver-group={group.map(|g| g.to_string())} class={classes!(is_selected.then_some("selected"))}>
                if select {
                    <td class="check"><input type="checkbox" class="fo-select" aria-label={format!("{} {}", l.t(OrdersMsg::SelectRow), o.order_id)}
                        checked={is_selected} disabled={!selectable(o)} onchange={toggle(Some(o.order_id.clone()))} /></td>
                }
                <td class="mono order-id">{ &o.order_id }<small class="since">{ when(&o.created_at) }</small>
                    if o.assignment == AssignmentStatus::Assigned {
                        <button type="button" class="link thread-open" onclick={{
                            let (open, id) = (open.clone(), o.order_id.clone());
                            Callback::from(move |_: MouseEvent| open.set(Some(id.clone())))
                        }}>{ l.t(SmsMsg::Thread) }</button>
                    }
                </td>
                <td class="shop">{ &o.shop_name }<small class="since mono">{ &o.shop_id }</small></td>
                <td class="items">{ o.items.iter().map(|i| format!("{} ×{}", i.title, i.quantity)).collect::<Vec<_>>().join("，") }</td>
                <td class="masked name">{ &o.masked.name }</td>
                <td class="masked phone">{ &o.masked.phone }</td>
                <td class="masked address">{ &o.masked.address }</td>
                <td class="group">{ group.map(|g| i18n::receiver_group(l, g, counts[&r])).unwrap_or_default() }</td>
                <td class="mono waybill">{ o.waybill_no.clone().unwrap_or_default() }</td>
                <td>{ when(&o.assigned_at) }
                    if let Some(sh) = &o.shipment { <small class="since tracking-no mono">{ format!("{} {}", l.t(DropshipMsg::FoShipment), sh.tracking_no) }</small> }
                </td>
            </tr>
        }
    });
    let head = html! { <>
        if select { <th class="check"><input type="checkbox" id="fo-select-all" aria-label={l.t(OrdersMsg::SelectAll)} checked={all} onchange={toggle(None)} /></th> }
        { states::heads(&heads) }
    </> };
    states::table("fo-table", head, rows.collect())
}

fn pager(l: Lang, p: &FactoryOrderPage, filters: &UseStateHandle<Filters>) -> Html {
    let last = p.total.div_ceil(u64::from(p.per_page.max(1))).max(1);
    let page = filters.page;
    let go = |to: u32| {
        let filters = filters.clone();
        Callback::from(move |_: MouseEvent| filters.set(Filters { page: to, ..(*filters).clone() }))
    };
    let on_per_page = {
        let filters = filters.clone();
        Callback::from(move |e: Event| {
            if let Some(n) = value_of(&e).parse::<u32>().ok().filter(|n| PER_PAGE_CHOICES.contains(n)) {
                filters.set(Filters { per_page: n, page: 1, ..(*filters).clone() });
            }
        })
    };
    html! {
        <div class="pager">
            <button onclick={go(page.saturating_sub(1).max(1))} disabled={page <= 1} id="fo-prev">{ l.t(OrdersMsg::Prev) }</button>
            <span id="fo-pages">{ format!("{} / {} · {}", page, last, p.total) }</span>
            <button onclick={go(page + 1)} disabled={u64::from(page) >= last} id="fo-next">{ l.t(OrdersMsg::Next) }</button>
            <label class="per-page">{ l.t(OrdersMsg::PerPage) }
                <select id="fo-per-page" onchange={on_per_page}>
                    { for PER_PAGE_CHOICES.iter().map(|n| html! { <option value={n.to_string()} selected={filters.per_page == *n}>{ n.to_string() }</option> }) }
                </select>
            </label>
        </div>
    }
}
