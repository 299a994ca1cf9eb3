//! The masked order list: status filter, search (order id, full phone, phone last 4, name or
//! address fragment), pagination, row selection, and the eye-icon reveal of one field, one
//! order, or the selected orders with one batch grant; 厂商代发: each order's factory, and
//! assignment (selected, or the whole filter) and recall for users with `assign`.
//!
//! Each row is its own component with cheap props (the order behind an `Rc`, callbacks that
//! are the same on every render), so a change to one row, such as a reveal, a hide or a
//! countdown, renders that row only. Whether a reveal is under way is not a row's prop (see
//! `components::reveal`): starting and ending a request render no row.

use std::collections::BTreeSet;
use std::rc::Rc;

use orderveil_api::{AssignmentStatus, ExportFilter, OrderPage, OrderQuery, OrderStatus, OrderView, Permission};
use orderveil_cipher::FieldKind;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api;
use crate::components::allocator::{Allocator, Chosen};
use crate::components::assigner::Assigner;
use crate::components::export::Exporter;
use crate::components::link::RouteLink;
use crate::components::reveal::{FieldCell, RevealNotice, Revealer, Shown, can_reveal, eye_icon, use_revealer};
use crate::components::states::{self, Load};
use crate::i18n::{self, CommonMsg, Lang, OrdersMsg, SmsMsg};
use crate::reveal::{FIELDS, masked};
use crate::route::Route;
use crate::session::{use_lang, use_session};

/// Rows per page to choose from; the first is the default.
pub const PER_PAGE_CHOICES: [u32; 3] = [20, 50, 100];
/// Where the choice is remembered (a preference, never order data).
const PER_PAGE_KEY: &str = "orderveil.per_page";

fn remembered_per_page() -> u32 {
    use gloo_storage::{LocalStorage, Storage};
    LocalStorage::get::<u32>(PER_PAGE_KEY).ok().filter(|n| PER_PAGE_CHOICES.contains(n)).unwrap_or(PER_PAGE_CHOICES[0])
}

fn remember_per_page(n: u32) {
    use gloo_storage::{LocalStorage, Storage};
    let _ = LocalStorage::set(PER_PAGE_KEY, n);
}

/// One loaded page of orders, each behind an `Rc` so rows and reveals share it.
#[derive(PartialEq)]
struct Listing {
    orders: Vec<Rc<OrderView>>,
    per_page: u32,
    total: u64,
}

impl From<OrderPage> for Listing {
    fn from(p: OrderPage) -> Self {
        Self { orders: p.orders.into_iter().map(Rc::new).collect(), per_page: p.per_page, total: p.total }
    }
}

/// What the search box searches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SearchBy {
    OrderId,
    Phone,
    Last4,
    Name,
    Address,
}

impl SearchBy {
    const ALL: [SearchBy; 5] = [Self::OrderId, Self::Phone, Self::Last4, Self::Name, Self::Address];
    fn value(self) -> &'static str {
        match self {
            Self::OrderId => "order_id",
            Self::Phone => "phone",
            Self::Last4 => "phone_last4",
            Self::Name => "name",
            Self::Address => "address",
        }
    }
    fn label(self) -> OrdersMsg {
        match self {
            Self::OrderId => OrdersMsg::SearchByOrderId,
            Self::Phone => OrdersMsg::SearchByPhone,
            Self::Last4 => OrdersMsg::SearchByLast4,
            Self::Name => OrdersMsg::SearchByName,
            Self::Address => OrdersMsg::SearchByAddress,
        }
    }
    fn parse(s: &str) -> Self {
        Self::ALL.into_iter().find(|k| k.value() == s).unwrap_or(Self::OrderId)
    }
}

/// The applied filters.
#[derive(Clone, PartialEq, Default)]
struct Filters {
    page: u32,
    per_page: u32,
    status: Option<OrderStatus>,
    search: Option<(SearchBy, String)>,
    shop: Option<String>,
}

impl Filters {
    fn query(&self) -> OrderQuery {
        let mut q = OrderQuery { page: Some(self.page.max(1)), per_page: Some(self.per_page), status: self.status, shop_id: self.shop.clone(), ..Default::default() };
        if let Some((by, text)) = &self.search {
            let t = Some(text.clone());
            match by {
                SearchBy::OrderId => q.order_id = t,
                SearchBy::Phone => q.phone = t,
                SearchBy::Last4 => q.phone_last4 = t,
                SearchBy::Name => q.name = t,
                SearchBy::Address => q.address = t,
            }
        }
        q
    }

    /// The same orders for an export (every page).
    fn export_filter(&self) -> ExportFilter {
        let q = self.query();
        ExportFilter { status: q.status, order_id: q.order_id, phone: q.phone, phone_last4: q.phone_last4, name: q.name, address: q.address }
    }
}

/// The orders page.
#[function_component(Orders)]
pub fn orders() -> Html {
    let (l, s) = (use_lang(), use_session());
    let admin = s.admin();
    let filters = use_state(|| Filters { page: 1, per_page: remembered_per_page(), shop: admin.then(|| "shop1".to_string()), ..Default::default() });
    let (load, reload) = states::use_load_afresh((*filters).clone(), |f| {
        let q = f.query();
        async move { api::orders(&q).await.map(Listing::from) }
    });
    let selected = use_state(BTreeSet::<String>::new);
    let search_error = use_state(|| false);
    let search_by = use_state(|| SearchBy::OrderId);
    let search_input = use_node_ref();
    let shop_input = use_node_ref();
    let revealer = use_revealer(&s, s.reveal_secs, s.set_quota.clone());
    let eye = can_reveal(&s);
    // Selection also serves waybill allocation (users with `print`).
    let print = s.can_print();
    // And assignment to factories (users with `assign`).
    let assign = s.may(Permission::Assign);
    let sms = s.may(Permission::Sms);
    let on_select = use_callback(selected.clone(), |id: String, selected| {
        let mut s = (**selected).clone();
        if !s.remove(&id) {
            s.insert(id);
        }
        selected.set(s);
    });
    {
        // A new read starts with nothing selected.
        let selected = selected.clone();
        use_effect_with(((*filters).clone(), *reload), move |_| selected.set(BTreeSet::new()));
    }

    let on_status = {
        let filters = filters.clone();
        Callback::from(move |e: Event| {
            let v = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            filters.set(Filters { status: OrderStatus::parse(&v), page: 1, ..(*filters).clone() });
        })
    };
    let on_search_by = {
        let (search_by, search_error) = (search_by.clone(), search_error.clone());
        Callback::from(move |e: Event| {
            let v = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            search_by.set(SearchBy::parse(&v));
            search_error.set(false);
        })
    };
    let on_search = {
        let (filters, search_by, search_input, shop_input, search_error, reload) =
            (filters.clone(), search_by.clone(), search_input.clone(), shop_input.clone(), search_error.clone(), reload.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = search_input.cast::<HtmlInputElement>().map(|i| i.value().trim().to_string()).unwrap_or_default();
            let by = *search_by;
            if by == SearchBy::Last4 && !text.is_empty() && !(text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit())) {
                search_error.set(true);
                return;
            }
            search_error.set(false);
            let shop = shop_input.cast::<HtmlInputElement>().map(|i| i.value().trim().to_string()).filter(|s| !s.is_empty());
            let shop = if shop.is_some() { shop } else { filters.shop.clone() };
            let search = (!text.is_empty()).then_some((by, text));
            let next = Filters { search, page: 1, shop, ..(*filters).clone() };
            // The same search again (e.g. after a refusal's cool-down) is read again.
            if next == *filters {
                reload.set(*reload + 1);
            }
            filters.set(next);
        })
    };
    let on_clear = {
        let (filters, search_input, search_error) = (filters.clone(), search_input.clone(), search_error.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(i) = search_input.cast::<HtmlInputElement>() {
                i.set_value("");
            }
            search_error.set(false);
            filters.set(Filters { search: None, page: 1, ..(*filters).clone() });
        })
    };

    let toolbar = html! {
        <div class="toolbar">
            <h2>{ l.t(OrdersMsg::Orders) }</h2>
            <select id="status-filter" onchange={on_status} aria-label={l.t(CommonMsg::Status)}>
                <option value="" selected={filters.status.is_none()}>{ l.t(OrdersMsg::All) }</option>
                { for OrderStatus::ALL.iter().map(|s| html! { <option value={s.as_str()} selected={filters.status == Some(*s)}>{ i18n::status_name(l, *s) }</option> }) }
            </select>
            <form class="search" id="search" role="search" onsubmit={on_search}>
                if admin {
                    <input ref={shop_input} id="search-shop" class="shop" aria-label={l.t(CommonMsg::AdminShop)} placeholder={l.t(CommonMsg::AdminShop)}
                           value={filters.shop.clone().unwrap_or_default()} />
                }
                <select id="search-by" aria-label={l.t(OrdersMsg::SearchBy)} onchange={on_search_by}>
                    { for SearchBy::ALL.iter().map(|k| html! { <option value={k.value()} selected={*search_by == *k}>{ l.t(k.label()) }</option> }) }
                </select>
                <input ref={search_input.clone()} id="search-text" type="search" aria-label={l.t(OrdersMsg::SearchText)} placeholder={l.t(search_by.label())}
                       inputmode={if matches!(*search_by, SearchBy::Phone | SearchBy::Last4) { "numeric" } else { "text" }}
                       aria-invalid={search_error.to_string()} />
                <button type="submit" id="search-go">{ l.t(OrdersMsg::Search) }</button>
                if filters.search.is_some() { <button type="button" id="search-clear" onclick={on_clear.clone()}>{ l.t(OrdersMsg::Clear) }</button> }
            </form>
            if s.may(Permission::Export) { <Exporter filter={filters.export_filter()} /> }
        </div>
    };

    // A metered search term (phone, name, address) costs one receiver search; say so, and
    // that a phone search takes a whole number.
    let hint = match *search_by {
        SearchBy::Phone => Some(OrdersMsg::SearchHintPhone),
        SearchBy::Name | SearchBy::Address => Some(OrdersMsg::SearchHintMetered),
        SearchBy::OrderId | SearchBy::Last4 => None,
    };
    let body = match &*load {
        Load::Loading => states::loading(l, "orders-loading", false),
        // A refused search (budget, cool-down, not a whole phone number): nothing was searched;
        // the message says why in the current language, and the way out (clear, or last 4).
        Load::Failed(e) if e.search_text(l).is_some() => {
            let use_last4 = {
                let (search_by, search_input) = (search_by.clone(), search_input.clone());
                Callback::from(move |_: MouseEvent| {
                    search_by.set(SearchBy::Last4);
                    if let Some(i) = search_input.cast::<HtmlInputElement>() {
                        i.set_value("");
                        let _ = i.focus();
                    }
                })
            };
            html! {
                <div class="notice error" id="search-refused" role="alert" data-code={e.code()}>
                    <span>{ e.search_text(l).unwrap_or_default() }</span>
                    <button type="button" id="search-refused-last4" onclick={use_last4}>{ l.t(OrdersMsg::SearchUseLast4) }</button>
                    <button type="button" id="search-refused-clear" onclick={on_clear.clone()}>{ l.t(OrdersMsg::SearchRefusedClear) }</button>
                </div>
            }
        }
        Load::Failed(e) => states::failed_reload(l, "orders-error", e, &reload),
        Load::Ok(p) if p.orders.is_empty() => html! { <p class="state" id="orders-empty">{ l.t(OrdersMsg::Empty) }</p> },
        Load::Ok(p) => table(l, p, &filters, &selected, &on_select, &revealer, (eye, print, assign, sms)),
    };
    // The assignment bar stays mounted while the list reads again, so its outcome stays.
    let assigner = assign.then(|| {
        let (total, chosen, assigned) = match &*load {
            Load::Ok(p) => {
                let chosen: Vec<&Rc<OrderView>> = p.orders.iter().filter(|o| selected.contains(&o.order_id)).collect();
                let assigned = chosen.iter().filter(|o| o.assignment.as_ref().is_some_and(|a| a.status == AssignmentStatus::Assigned)).map(|o| o.order_id.clone()).collect();
                (p.total, chosen.iter().map(|o| o.order_id.clone()).collect(), assigned)
            }
            _ => (0, Vec::new(), Vec::new()),
        };
        let on_done = {
            let reload = reload.clone();
            Callback::from(move |()| reload.set(*reload + 1))
        };
        html! { <div class="bulk assign-bar"><Assigner selected={chosen} {assigned} filter={filters.query()} {total} {on_done} /></div> }
    });
    html! {
        <section>
            { toolbar }
            if *search_error { <p class="error" role="alert" id="search-error">{ l.t(OrdersMsg::Last4Invalid) }</p> }
            if let Some(key) = hint { <p class="hint search-hint" id="search-hint" data-search-by={search_by.value()}>{ l.t(key) }</p> }
            if admin { <p class="state">{ l.t(OrdersMsg::AdminNote) }</p> }
            <RevealNotice lang={l} notice={revealer.notice()} on_close={revealer.close_notice.clone()} />
            { assigner }
            { body }
        </section>
    }
}

fn table(
    l: Lang,
    p: &Listing,
    filters: &UseStateHandle<Filters>,
    selected: &UseStateHandle<BTreeSet<String>>,
    on_select: &Callback<String>,
    revealer: &Revealer,
    (eye, print, assign, sms): (bool, bool, bool, bool),
) -> Html {
    let last = p.total.div_ceil(u64::from(p.per_page)).max(1);
    let page = filters.page;
    let go = |to: u32| {
        let filters = filters.clone();
        Callback::from(move |_: MouseEvent| filters.set(Filters { page: to, ..(*filters).clone() }))
    };
    let on_per_page = {
        let filters = filters.clone();
        Callback::from(move |e: Event| {
            let n = e.target_dyn_into::<HtmlSelectElement>().and_then(|s| s.value().parse::<u32>().ok()).filter(|n| PER_PAGE_CHOICES.contains(n));
            if let Some(n) = n {
                remember_per_page(n);
                filters.set(Filters { per_page: n, page: 1, ..(*filters).clone() });
            }
        })
    };
    let all_selected = !p.orders.is_empty() && p.orders.iter().all(|o| selected.contains(&o.order_id));
    let toggle_all = {
        let (selected, ids) = (selected.clone(), p.orders.iter().map(|o| o.order_id.clone()).collect::<Vec<_>>());
        Callback::from(move |_: Event| {
            selected.set(if all_selected { BTreeSet::new() } else { ids.iter().cloned().collect() });
        })
    };
    let chosen: Vec<Rc<OrderView>> = p.orders.iter().filter(|o| selected.contains(&o.order_id)).cloned().collect();
    let busy = revealer.busy();
    let count = chosen.len();
    let select = eye || print || assign || sms;
    // Platform SMS to the selected orders' receivers (the console's SMS page previews and sends).
    let sms_href = format!("/sms?orders={}", String::from(js_sys::encode_uri_component(&chosen.iter().map(|o| o.order_id.as_str()).collect::<Vec<_>>().join(","))));
    let allocator = html! { <Allocator orders={chosen.iter().map(|o| Chosen { order_id: o.order_id.clone(), receiver: o.receiver_key.clone() }).collect::<Vec<_>>()} /> };
    let reveal_selected = {
        let reveal = revealer.reveal.clone();
        Callback::from(move |_: MouseEvent| reveal.emit((chosen.clone(), FIELDS.to_vec())))
    };
    html! {
        <>
        if eye || print || sms {
            <div class="bulk">
                if eye {
                <button type="button" id="reveal-selected" class="primary" disabled={count == 0 || busy} onclick={reveal_selected}>
                    { eye_icon() }{ format!(" {} ({})", l.t(OrdersMsg::RevealSelected), count) }
                </button>
                }
                if busy { <span class="state" id="revealing" aria-live="polite">{ l.t(OrdersMsg::Revealing) }</span> }
                if print { { allocator } }
                if sms {
                    if count == 0 {
                        <button type="button" id="sms-selected" disabled=true>{ format!("{} (0)", l.t(SmsMsg::SendSms)) }</button>
                    } else {
                        <a class="button" id="sms-selected" href={sms_href}>{ format!("{} ({})", l.t(SmsMsg::SendSms), count) }</a>
                    }
                }
            </div>
        }
        { states::table("orders", html! { <>
            if select { <th class="check"><input type="checkbox" id="select-all" aria-label={l.t(OrdersMsg::SelectAll)} checked={all_selected} onchange={toggle_all} /></th> }
            <th>{ l.t(OrdersMsg::OrderId) }</th><th>{ l.t(OrdersMsg::Time) }</th><th>{ l.t(OrdersMsg::Items) }</th><th>{ l.t(OrdersMsg::Amount) }</th>
            <th>{ l.t(CommonMsg::Status) }</th><th>{ l.t(OrdersMsg::Name) }</th><th>{ l.t(OrdersMsg::Phone) }</th><th>{ l.t(OrdersMsg::Address) }</th>
            if eye { <th>{ l.t(CommonMsg::Actions) }</th> }
        </> }, html! { <>
            { for p.orders.iter().map(|o| html! {
                <OrderRow key={o.order_id.as_str()} order={o.clone()} selected={selected.contains(&o.order_id)} {eye} {select}
                          shown={revealer.shown(&o.order_id)} on_select={on_select.clone()} on_reveal={revealer.reveal.clone()}
                          on_hide={revealer.hide.clone()} />
            }) }
        </> }) }
        <div class="pager">
            <button onclick={go(page.saturating_sub(1).max(1))} disabled={page <= 1} id="page-prev">{ l.t(OrdersMsg::Prev) }</button>
            <span>{ format!("{} / {} · {}", page, last, p.total) }</span>
            <button onclick={go(page + 1)} disabled={u64::from(page) >= last} id="page-next">{ l.t(OrdersMsg::Next) }</button>
            <label class="per-page">{ l.t(OrdersMsg::PerPage) }
                <select id="per-page" onchange={on_per_page}>
                    { for PER_PAGE_CHOICES.iter().map(|n| html! { <option value={n.to_string()} selected={filters.per_page == *n}>{ n.to_string() }</option> }) }
                </select>
            </label>
        </div>
        </>
    }
}

/// Props of [`OrderRow`].
#[derive(Properties, PartialEq)]
struct RowProps {
    order: Rc<OrderView>,
    selected: bool,
    /// The user may reveal (checkbox, eyes and the row button are shown).
    eye: bool,
    /// The row can be selected (reveal, waybill allocation or assignment).
    select: bool,
    /// The order's revealed fields, if any.
    shown: Option<Shown>,
    on_select: Callback<String>,
    on_reveal: Callback<(Vec<Rc<OrderView>>, Vec<FieldKind>)>,
    on_hide: Callback<String>,
}

/// One order of the table.
#[function_component(OrderRow)]
fn order_row(p: &RowProps) -> Html {
    let l = use_lang();
    let o = &p.order;
    let id = &o.order_id;
    let on_field = use_callback((p.order.clone(), p.on_reveal.clone()), |k: FieldKind, (o, reveal)| reveal.emit((vec![o.clone()], vec![k])));
    let toggle = {
        let (on_select, id) = (p.on_select.clone(), id.clone());
        Callback::from(move |_: Event| on_select.emit(id.clone()))
    };
    let row_button = if p.shown.is_some() {
        let (on_hide, id) = (p.on_hide.clone(), id.clone());
        html! { <button type="button" class="hide-row" onclick={Callback::from(move |_: MouseEvent| on_hide.emit(id.clone()))}>{ l.t(OrdersMsg::Hide) }</button> }
    } else {
        let (reveal, o) = (p.on_reveal.clone(), p.order.clone());
        let label = format!("{} {}", l.t(OrdersMsg::RevealRow), id);
        html! {
            <button type="button" class="reveal-row" aria-label={label}
                    onclick={Callback::from(move |_: MouseEvent| reveal.emit((vec![o.clone()], FIELDS.to_vec())))}>{ eye_icon() }{ format!(" {}", l.t(OrdersMsg::RevealRow)) }</button>
        }
    };
    let cell = |k: FieldKind| {
        html! {
            <td class={classes!("pii", (!o.revealable).then_some("locked"))} title={(!o.revealable).then(|| l.t(OrdersMsg::NotRevealable))}>
                <FieldCell lang={l} order_id={id.clone()} kind={k} masked={masked(o, k).to_string()} shown={p.shown.as_ref().and_then(|s| s.field(k))}
                           eye={p.eye} shredded={o.shredded} on_reveal={on_field.clone()} />
            </td>
        }
    };
    html! {
        <tr data-order-id={id.clone()} class={classes!(p.selected.then_some("selected"))}>
            if p.select { <td class="check"><input type="checkbox" class="select-row" aria-label={format!("{} {}", l.t(OrdersMsg::SelectRow), id)} checked={p.selected} onchange={toggle} /></td> }
            <td class="mono"><RouteLink to={Route::Order(id.clone())} class="order-link">{ id.clone() }</RouteLink>
                if o.unread_messages > 0 {
                    <span class="badge unread" data-unread={o.unread_messages.to_string()} title={l.t(SmsMsg::Thread)}>{ format!("✉ {}", o.unread_messages) }</span>
                }
            </td>
            <td>{ o.created_at.get(..16).unwrap_or(&o.created_at).replace('T', " ") }</td>
            <td class="items">{ o.items.iter().map(|i| format!("{} ×{}", i.title, i.quantity)).collect::<Vec<_>>().join("，") }</td>
            <td>{ i18n::yuan(o.amount_cents) }</td>
            <td>{ i18n::status_name(l, o.status) }if let Some(sh) = &o.shipment { <small class="since tracking-no mono">{ &sh.tracking_no }</small> }
                if let Some(a) = &o.assignment {
                    <small class="since assignment" data-factory-id={a.factory_id.clone()} data-assignment={a.status.as_str()}>{ i18n::assigned_to(l, a.status, &a.factory_name, &a.factory_id) }</small>
                }
            </td>
            { cell(FieldKind::Name) }
            { cell(FieldKind::Phone) }
            { cell(FieldKind::Address) }
            if p.eye { <td class="actions">if !o.shredded { { row_button } }</td> }
        </tr>
    }
}
