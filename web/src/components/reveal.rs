//! Revealed plaintext in the page: who holds it, how long, and how it is shown.
//!
//! [`Reveals`] is a page's whole reveal state in one value: the decrypted fields per order
//! with their deadline, whether a request is under way, and the last refusal. Everything one
//! grant brings (the fields or the refusal, and the end of "busy") is applied in ONE state
//! update, so a response costs one render of the page. A timer ticks while any fields are
//! shown and drops each order's fields when its deadline passes, so the plaintext leaves the
//! DOM (the cell renders the mask again) and its `Zeroizing` strings are wiped; a tick that
//! changes no countdown's second renders nothing.
//! [`use_revealer`] holds that state and callbacks that stay the same across renders (so a
//! row whose own props did not change is not rendered again); [`FieldCell`] is a masked
//! field with its eye, or the plaintext with its countdown and copy button; [`RevealNotice`]
//! is the message of a refusal.
//!
//! A click changes nothing on screen by itself: the page renders once, when the grant's
//! answer is there. Only an answer that takes longer than [`SLOW_MS`] makes the page say a
//! request is under way, once per page (the "decrypting…" note, the disabled batch button),
//! never in the cells: their eyes stay as they are and the revealer ignores a click meanwhile
//! (`in_flight`). A render at the click (it used to show the note at once) keeps the
//! renderer's main thread busy with style, layout and paint just when the answer arrives, and
//! were "under way" a prop of the cells (it was: `disabled` on every eye), the start and the
//! end of every reveal would render every row again and make Chromium restyle its 80 buttons.
//! Measured with a Chromium trace and CPU profile: docs/benchmarks.md, "Speed of the eye".

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use orderveil_api::{OrderView, QuotaToday, SessionInfo};
use orderveil_cipher::FieldKind;
use yew::prelude::*;
use zeroize::Zeroizing;

use crate::api::ApiFailure;
use crate::i18n::{self, Lang, OrdersMsg};
use crate::reveal::{self, Plain};

/// One order's revealed fields and when they go.
#[derive(Clone, PartialEq)]
struct Entry {
    fields: Vec<(FieldKind, Rc<Zeroizing<String>>)>,
    deadline_ms: f64,
}

impl Entry {
    /// Whole seconds left at `now_ms` (at least 1 while shown).
    fn secs_left(&self, now_ms: f64) -> u32 {
        ((self.deadline_ms - now_ms) / 1000.0).ceil().max(1.0) as u32
    }
}

/// What one order shows: its revealed fields and the whole seconds they have left. Cheap to
/// clone and compare, so it can be a row's prop.
#[derive(Clone, PartialEq)]
pub struct Shown {
    entry: Rc<Entry>,
    secs: u32,
}

impl Shown {
    /// The plaintext of a field and its seconds left, if that field is shown.
    pub fn field(&self, kind: FieldKind) -> Option<(Rc<Zeroizing<String>>, u32)> {
        let text = self.entry.fields.iter().find(|(k, _)| *k == kind)?.1.clone();
        Some((text, self.secs))
    }
}

/// Everything revealed on the current page, and the reveal under way.
#[derive(Clone, Default, PartialEq)]
pub struct Reveals {
    entries: BTreeMap<String, Rc<Entry>>,
    now_ms: f64,
    busy: bool,
    notice: Option<ApiFailure>,
}

/// Changes to [`Reveals`].
pub enum RevealAction {
    /// The answer to a request is slow in coming: say so.
    Slow,
    /// The request is over: show the decrypted fields until the deadline (Date.now()
    /// milliseconds), or the refusal; no longer busy.
    Done(Result<Vec<Plain>, ApiFailure>, f64),
    /// Re-read the clock; drop what is due.
    Tick,
    /// Hide one order now.
    Hide(String),
    /// Dismiss the notice.
    CloseNotice,
}

impl Reducible for Reveals {
    type Action = RevealAction;

    fn reduce(self: Rc<Self>, action: RevealAction) -> Rc<Self> {
        let now = js_sys::Date::now();
        if matches!(action, RevealAction::Tick)
            && self.entries.values().all(|e| e.deadline_ms > now && e.secs_left(now) == e.secs_left(self.now_ms))
        {
            // Nothing is due and no countdown shows another second: no render.
            return self;
        }
        if matches!(action, RevealAction::CloseNotice) && self.notice.is_none() {
            // A click with no notice on screen: no render.
            return self;
        }
        let mut next = Rc::unwrap_or_clone(self);
        match action {
            RevealAction::Slow => next.busy = true,
            RevealAction::Done(Ok(plain), deadline_ms) => {
                next.busy = false;
                for p in plain {
                    let e = next.entries.entry(p.order_id).or_insert_with(|| Rc::new(Entry { fields: Vec::new(), deadline_ms }));
                    let e = Rc::make_mut(e);
                    e.deadline_ms = deadline_ms;
                    e.fields.retain(|(k, _)| *k != p.kind);
                    e.fields.push((p.kind, Rc::new(p.text)));
                }
            }
            RevealAction::Done(Err(failure), _) => {
                next.busy = false;
                next.notice = Some(failure);
            }
            RevealAction::Tick => {}
            RevealAction::Hide(id) => {
                next.entries.remove(&id);
            }
            RevealAction::CloseNotice => next.notice = None,
        }
        next.entries.retain(|_, e| e.deadline_ms > now);
        next.now_ms = now;
        Rc::new(next)
    }
}

/// How long a grant's answer may take before the page says a request is under way
/// (milliseconds). Most answers come in a few dozen; a note that flashes for those only costs
/// the renderer work at the moment the answer arrives.
pub const SLOW_MS: u32 = 300;

/// A page's reveals: the state to render, and callbacks that are the same on every render.
#[derive(Clone)]
pub struct Revealer {
    state: UseReducerHandle<Reveals>,
    /// Reveal `fields` of `orders` with one grant (ignored while a request is under way).
    pub reveal: Callback<(Vec<Rc<OrderView>>, Vec<FieldKind>)>,
    /// Hide an order's fields now.
    pub hide: Callback<String>,
    /// Dismiss the notice.
    pub close_notice: Callback<()>,
}

impl Revealer {
    /// A request has been under way for longer than [`SLOW_MS`].
    pub fn busy(&self) -> bool {
        self.state.busy
    }

    /// The last refusal or failure.
    pub fn notice(&self) -> Option<ApiFailure> {
        self.state.notice.clone()
    }

    /// What an order shows, if anything.
    pub fn shown(&self, order: &str) -> Option<Shown> {
        let entry = self.state.entries.get(order)?;
        Some(Shown { entry: entry.clone(), secs: entry.secs_left(self.state.now_ms) })
    }
}

/// Reveal state for one page; the timer runs only while something is shown.
#[hook]
pub fn use_revealer(session: &SessionInfo, secs: u32, on_quota: Callback<QuotaToday>) -> Revealer {
    let state = use_reducer(Reveals::default);
    // Set from the click to the response: the guard against a second request, always
    // current (a callback made in an earlier render must not see an old "busy").
    let in_flight = use_memo((), |()| Cell::new(false));
    // The timer that says "slow" if the answer takes longer than SLOW_MS; dropped (cancelled)
    // when it comes.
    let slow = use_memo((), |()| Cell::new(None::<Timeout>));
    {
        let active = !state.entries.is_empty();
        let dispatcher = state.dispatcher();
        use_effect_with(active, move |active| {
            let timer = active.then(|| Interval::new(250, move || dispatcher.dispatch(RevealAction::Tick)));
            move || drop(timer)
        });
    }
    let shop = session.user.shop_id.clone().unwrap_or_default();
    let reveal = {
        let dispatcher = state.dispatcher();
        use_callback((session.csrf_token.clone(), shop, secs, on_quota), move |(orders, fields): (Vec<Rc<OrderView>>, Vec<FieldKind>), deps| {
            if orders.is_empty() || fields.is_empty() || in_flight.get() {
                return;
            }
            in_flight.set(true);
            let (csrf, shop, secs, on_quota) = deps.clone();
            let (done, in_flight, slow) = (dispatcher.clone(), in_flight.clone(), slow.clone());
            let says_slow = dispatcher.clone();
            slow.set(Some(Timeout::new(SLOW_MS, move || says_slow.dispatch(RevealAction::Slow))));
            wasm_bindgen_futures::spawn_local(async move {
                let out = reveal::reveal(&csrf, &shop, &orders, &fields).await;
                let deadline = js_sys::Date::now() + f64::from(secs) * 1000.0;
                in_flight.set(false);
                drop(slow.take());
                if let Some(q) = out.quota {
                    on_quota.emit(q);
                }
                done.dispatch(RevealAction::Done(out.result, deadline));
            });
            // The last refusal goes with the next click (no render when there is none).
            dispatcher.dispatch(RevealAction::CloseNotice);
        })
    };
    let hide = {
        let dispatcher = state.dispatcher();
        use_callback((), move |order: String, ()| dispatcher.dispatch(RevealAction::Hide(order)))
    };
    let close_notice = {
        let dispatcher = state.dispatcher();
        use_callback((), move |(), ()| dispatcher.dispatch(RevealAction::CloseNotice))
    };
    Revealer { state, reveal, hide, close_notice }
}

/// The eye icon (inline SVG: no icon font or emoji font needed, nothing for the CSP to block).
/// A component without props, so a re-rendered button or cell never rebuilds and diffs it.
pub fn eye_icon() -> Html {
    html! { <EyeIcon /> }
}

#[function_component(EyeIcon)]
fn eye_icon_svg() -> Html {
    html! {
        <svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
            <path d="M1.5 12S5.5 4.5 12 4.5 22.5 12 22.5 12 18.5 19.5 12 19.5 1.5 12 1.5 12Z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
            <circle cx="12" cy="12" r="3.5" fill="currentColor" />
        </svg>
    }
}

/// May this user reveal at all? (The server decides for each request; this only hides the eye.)
pub fn can_reveal(session: &SessionInfo) -> bool {
    use orderveil_api::{Permission, Role};
    matches!(session.user.role, Role::Owner | Role::Staff) && session.user.permissions.contains(&Permission::Reveal)
}

/// Props of [`FieldCell`].
#[derive(Properties, PartialEq)]
pub struct FieldProps {
    /// UI language.
    pub lang: Lang,
    /// The order.
    pub order_id: AttrValue,
    /// Which field.
    pub kind: FieldKind,
    /// The mask.
    pub masked: AttrValue,
    /// The plaintext and seconds left, when revealed.
    pub shown: Option<(Rc<Zeroizing<String>>, u32)>,
    /// Show the eye (the user may reveal).
    pub eye: bool,
    /// The order's key was destroyed after retention: 信息已销毁 instead of the eye.
    #[prop_or_default]
    pub shredded: bool,
    /// The eye was clicked (ignored by the revealer while a request is under way).
    pub on_reveal: Callback<FieldKind>,
}

/// A masked field with its eye, or the revealed plaintext with a countdown and a copy button.
#[function_component(FieldCell)]
pub fn field_cell(p: &FieldProps) -> Html {
    let l = p.lang;
    let copied = use_state(|| None::<bool>);
    let field = p.kind.as_str();
    match &p.shown {
        Some((text, secs)) => {
            let copy = {
                let (text, copied) = (text.clone(), copied.clone());
                Callback::from(move |_: MouseEvent| {
                    let Some(w) = web_sys::window() else { return };
                    let promise = w.navigator().clipboard().write_text(text.as_str());
                    let copied = copied.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        copied.set(Some(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()));
                        let reset = copied.clone();
                        Timeout::new(1500, move || reset.set(None)).forget();
                    });
                })
            };
            let copy_text = match *copied {
                Some(true) => l.t(OrdersMsg::Copied),
                Some(false) => l.t(OrdersMsg::CopyFailed),
                None => l.t(OrdersMsg::Copy),
            };
            html! {
                <span class="field revealed" data-field={field}>
                    <span class="plain">{ text.as_str() }</span>
                    <span class="countdown" role="timer" aria-label={i18n::hides_in(l, *secs)}>{ format!("{secs}s") }</span>
                    <button type="button" class="copy" data-field={field} onclick={copy}>{ copy_text }</button>
                </span>
            }
        }
        None => {
            let onclick = {
                let (cb, kind) = (p.on_reveal.clone(), p.kind);
                Callback::from(move |_: MouseEvent| cb.emit(kind))
            };
            let label = i18n::reveal_label(l, p.kind, &p.order_id);
            // The eye is the cell's last child, like the copy button of the revealed cell, and
            // not inside an `if` fragment: Yew then turns the clicked (focused) eye into the
            // copy button in place instead of removing it. Removing the focused element made
            // Chromium restyle and lay out the page synchronously inside `removeChild` (~3 ms a
            // reveal in the trace), and dropped the keyboard focus.
            if p.shredded {
                return html! {
                    <span class="field" data-field={field}>
                        <span class="masked">{ p.masked.clone() }</span>
                        <span class="shredded" title={l.t(OrdersMsg::ShreddedHelp)}>{ l.t(OrdersMsg::Shredded) }</span>
                    </span>
                };
            }
            if !p.eye {
                return html! { <span class="field" data-field={field}><span class="masked">{ p.masked.clone() }</span></span> };
            }
            html! {
                <span class="field" data-field={field}>
                    <span class="masked">{ p.masked.clone() }</span>
                    <button type="button" class="eye" data-field={field} aria-label={label.clone()} title={label} {onclick}>{ eye_icon() }</button>
                </span>
            }
        }
    }
}

/// Props of [`RevealNotice`].
#[derive(Properties, PartialEq)]
pub struct NoticeProps {
    /// UI language.
    pub lang: Lang,
    /// The refusal, if any.
    pub notice: Option<ApiFailure>,
    /// Dismissed.
    pub on_close: Callback<()>,
}

/// The message of a refused or failed reveal (each code its own text).
#[function_component(RevealNotice)]
pub fn reveal_notice(p: &NoticeProps) -> Html {
    let Some(f) = &p.notice else { return html! {} };
    let close = p.on_close.reform(|_: MouseEvent| ());
    html! {
        <div id="reveal-notice" class="notice error" role="alert" data-code={f.code()}>
            <span>{ f.reveal_text(p.lang) }</span>
            <button type="button" class="link" onclick={close} aria-label="×">{ "×" }</button>
        </div>
    }
}
