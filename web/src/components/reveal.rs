//! Revealed plaintext in the page: who holds it, how long, and how it is shown.
//!
//! [`Reveals`] keeps the decrypted fields per order with a deadline; a timer ticks while any
//! are shown and drops each order's fields when its deadline passes, so the plaintext leaves
//! the DOM (the cell renders the mask again) and its `Zeroizing` strings are wiped.
//! [`use_revealer`] starts a reveal (one grant for all the orders and fields of one click);
//! [`FieldCell`] is a masked field with its eye, or the plaintext with its countdown and copy
//! button; [`RevealNotice`] is the message of a refusal.

use std::collections::BTreeMap;
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use orderveil_api::{OrderView, QuotaToday, SessionInfo};
use orderveil_cipher::FieldKind;
use yew::prelude::*;
use zeroize::Zeroizing;

use crate::api::ApiFailure;
use crate::i18n::{self, Lang};
use crate::reveal::{self, Plain};

/// One order's revealed fields and when they go.
#[derive(Clone, PartialEq)]
struct Entry {
    fields: Vec<(FieldKind, Rc<Zeroizing<String>>)>,
    deadline_ms: f64,
}

/// Everything revealed on the current page.
#[derive(Default, PartialEq)]
pub struct Reveals {
    entries: BTreeMap<String, Entry>,
    now_ms: f64,
}

/// Changes to [`Reveals`].
pub enum RevealAction {
    /// Show decrypted fields until `deadline_ms` (Date.now() milliseconds).
    Show(Vec<Plain>, f64),
    /// Re-read the clock; drop what is due.
    Tick,
    /// Hide one order now.
    Hide(String),
}

impl Reducible for Reveals {
    type Action = RevealAction;

    fn reduce(self: Rc<Self>, action: RevealAction) -> Rc<Self> {
        let now = js_sys::Date::now();
        let mut entries = self.entries.clone();
        match action {
            RevealAction::Show(plain, deadline_ms) => {
                for p in plain {
                    let e = entries.entry(p.order_id).or_insert_with(|| Entry { fields: Vec::new(), deadline_ms });
                    e.deadline_ms = deadline_ms;
                    e.fields.retain(|(k, _)| *k != p.kind);
                    e.fields.push((p.kind, Rc::new(p.text)));
                }
            }
            RevealAction::Tick => {}
            RevealAction::Hide(id) => {
                entries.remove(&id);
            }
        }
        entries.retain(|_, e| e.deadline_ms > now);
        Rc::new(Self { entries, now_ms: now })
    }
}

impl Reveals {
    /// The plaintext of a field and the whole seconds it has left, if shown.
    pub fn field(&self, order: &str, kind: FieldKind) -> Option<(Rc<Zeroizing<String>>, u32)> {
        let e = self.entries.get(order)?;
        let text = e.fields.iter().find(|(k, _)| *k == kind)?.1.clone();
        Some((text, ((e.deadline_ms - self.now_ms) / 1000.0).ceil().max(1.0) as u32))
    }

    /// Is any field of the order shown?
    pub fn shows(&self, order: &str) -> bool {
        self.entries.contains_key(order)
    }
}

/// Starts reveals and holds their state.
#[derive(Clone, PartialEq)]
pub struct Revealer {
    /// What is shown.
    pub reveals: UseReducerHandle<Reveals>,
    /// A request is under way.
    pub busy: UseStateHandle<bool>,
    /// The last refusal or failure.
    pub notice: UseStateHandle<Option<ApiFailure>>,
    csrf: String,
    shop: String,
    secs: u32,
    on_quota: Callback<QuotaToday>,
}

impl Revealer {
    /// Reveal `fields` of `orders` with one grant.
    pub fn reveal(&self, orders: Vec<OrderView>, fields: Vec<FieldKind>) {
        if orders.is_empty() || fields.is_empty() || *self.busy {
            return;
        }
        let this = self.clone();
        // The request task is queued before the "busy" re-render, so the grant request leaves
        // first and the re-render happens while it is on the wire.
        let (busy, notice) = (self.busy.clone(), self.notice.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let out = reveal::reveal(&this.csrf, &this.shop, &orders, &fields).await;
            if let Some(q) = out.quota {
                this.on_quota.emit(q);
            }
            match out.result {
                Ok(plain) => {
                    let deadline = js_sys::Date::now() + f64::from(this.secs) * 1000.0;
                    this.reveals.dispatch(RevealAction::Show(plain, deadline));
                }
                Err(e) => this.notice.set(Some(e)),
            }
            this.busy.set(false);
        });
        busy.set(true);
        notice.set(None);
    }

    /// Hide an order's fields now.
    pub fn hide(&self, order: &str) {
        self.reveals.dispatch(RevealAction::Hide(order.to_string()));
    }
}

/// Reveal state for one page; the timer runs only while something is shown.
#[hook]
pub fn use_revealer(session: &SessionInfo, secs: u32, on_quota: Callback<QuotaToday>) -> Revealer {
    let reveals = use_reducer(Reveals::default);
    let busy = use_state(|| false);
    let notice = use_state(|| None::<ApiFailure>);
    {
        let active = !reveals.entries.is_empty();
        let dispatcher = reveals.dispatcher();
        use_effect_with(active, move |active| {
            let timer = active.then(|| Interval::new(250, move || dispatcher.dispatch(RevealAction::Tick)));
            move || drop(timer)
        });
    }
    Revealer {
        reveals,
        busy,
        notice,
        csrf: session.csrf_token.clone(),
        shop: session.user.shop_id.clone().unwrap_or_default(),
        secs,
        on_quota,
    }
}

/// The eye icon (inline SVG: no icon font or emoji font needed, nothing for the CSP to block).
pub fn eye_icon() -> Html {
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
    /// A reveal is under way.
    pub busy: bool,
    /// The eye was clicked.
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
                Some(true) => l.t("copied"),
                Some(false) => l.t("copy_failed"),
                None => l.t("copy"),
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
            let label = i18n::reveal_label(l, field, &p.order_id);
            html! {
                <span class="field" data-field={field}>
                    <span class="masked">{ p.masked.clone() }</span>
                    if p.eye {
                        <button type="button" class="eye" data-field={field} aria-label={label.clone()} title={label} disabled={p.busy} {onclick}>{ eye_icon() }</button>
                    }
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
        <div id="reveal-notice" class="notice error" role="alert" data-code={f.code.clone()}>
            <span>{ i18n::refusal(p.lang, f) }</span>
            <button type="button" class="link" onclick={close} aria-label="×">{ "×" }</button>
        </div>
    }
}
