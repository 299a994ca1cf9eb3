//! Printing shipping labels: ONE print grant for the chosen waybills, opened in Wasm with a
//! fresh session (the reveal's [`reveal::new_session`] / [`reveal::open_grant`]); every order's
//! keys must be bound to its label's waybill; the receivers are decrypted here and written
//! ONLY into the document of a same-origin `about:blank` frame (`#print-frame`, the preview),
//! built with DOM calls (`textContent`, never markup) and styled by `/console/print.css` (the CSP
//! allows no inline style); then the frame's window prints. The decrypted strings are
//! `Zeroizing` and dropped as soon as the frame's document holds them; the page's own DOM never
//! sees them, and the frame is removed when the job is closed.

use orderveil_api::PrintGrantRequest;
use orderveil_cipher::{FieldCiphertext, FieldKind, GrantError, GrantPurpose, OpenedGrant, OrderId};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, HtmlIFrameElement};
use zeroize::Zeroizing;

use crate::api::{self, ApiFailure};
use orderveil_label as barcode;
use crate::i18n::{self, FulfilMsg, Lang};
use crate::reveal::{self, grant_failure};

/// The label templates (`#wb-template`), width × height in millimetres; the first is the default.
pub const TEMPLATES: [&str; 2] = ["76x130", "100x180"];

/// A template's name in the picker.
pub fn template_name(t: &str) -> FulfilMsg {
    if t == TEMPLATES[1] { FulfilMsg::Template100x180 } else { FulfilMsg::Template76x130 }
}

const SVG: &str = "http://www.w3.org/2000/svg";

/// A text field of a `PrintGrantResponse` value (`""` if missing).
fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The items of an array field (none if missing).
fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// One order of a label with its receiver decrypted.
struct PlainOrder<'a> {
    order_id: &'a str,
    items: &'a str,
    /// Name, phone, address.
    receiver: [Zeroizing<String>; 3],
}

/// Decrypt one field, checking the ciphertext is of the field it is shown as.
fn field(opened: &OpenedGrant, id: &OrderId, ct: &str, kind: FieldKind) -> Result<Zeroizing<String>, ApiFailure> {
    let ct = FieldCiphertext::parse(ct).map_err(|e| grant_failure(&GrantError::Ciphertext(e)))?;
    if ct.kind() != kind {
        return Err(grant_failure(&GrantError::FieldNotCovered));
    }
    opened.decrypt_parsed(id, &ct).map_err(|e| grant_failure(&e))
}

/// Every label's orders decrypted; each order's keys must be bound to its label's waybill.
fn decrypt<'a>(opened: &OpenedGrant, labels: &'a [Value]) -> Result<Vec<Vec<PlainOrder<'a>>>, ApiFailure> {
    let label = |l: &'a Value| {
        let order = |o: &'a Value| {
            let id = OrderId::new(text(o, "order_id")).map_err(|_| grant_failure(&GrantError::OrderNotCovered))?;
            if !opened.orders().iter().any(|g| g.order_id == id && g.binding == text(l, "waybill_no")) {
                return Err(grant_failure(&GrantError::OrderNotCovered));
            }
            let receiver = [
                field(opened, &id, text(o, "name_ct"), FieldKind::Name)?,
                field(opened, &id, text(o, "phone_ct"), FieldKind::Phone)?,
                field(opened, &id, text(o, "address_ct"), FieldKind::Address)?,
            ];
            Ok(PlainOrder { order_id: text(o, "order_id"), items: text(o, "items"), receiver })
        };
        list(l, "orders").iter().map(order).collect::<Result<Vec<_>, ApiFailure>>()
    };
    labels.iter().map(label).collect()
}

/// Elements of the print document: a tag with a class and text, never markup.
fn el(doc: &Document, parent: &Element, tag: &str, class: &str, text: Option<&str>) -> Result<Element, JsValue> {
    let e = doc.create_element(tag)?;
    e.set_class_name(class);
    e.set_text_content(text);
    parent.append_child(&e)?;
    Ok(e)
}

/// The Code 128 barcode of `no` as SVG `<rect>`s (scaled by print.css).
fn barcode_svg(doc: &Document, parent: &Element, no: &str) -> Result<(), JsValue> {
    let Some((bars, width)) = barcode::bars(no, 10) else { return Ok(()) };
    let svg = doc.create_element_ns(Some(SVG), "svg")?;
    for (k, v) in [("class", "barcode"), ("viewBox", &format!("0 0 {width} 50")), ("preserveAspectRatio", "none"), ("shape-rendering", "crispEdges"), ("role", "img"), ("aria-label", no)] {
        svg.set_attribute(k, v)?;
    }
    for (x, w) in bars {
        let r = doc.create_element_ns(Some(SVG), "rect")?;
        for (k, v) in [("x", x), ("y", 0), ("width", w), ("height", 50)] {
            r.set_attribute(k, &v.to_string())?;
        }
        svg.append_child(&r)?;
    }
    parent.append_child(&svg)?;
    Ok(())
}

/// A party block (receiver or sender): role, name, phone, address.
fn party(doc: &Document, parent: &Element, class: &str, role: &str, [name, phone, address]: [&str; 3]) -> Result<(), JsValue> {
    let p = el(doc, parent, "div", class, None)?;
    let line = el(doc, &p, "div", "line", None)?;
    el(doc, &line, "span", "role", Some(role))?;
    el(doc, &line, "span", "name", Some(name))?;
    el(doc, &line, "span", "phone", Some(phone))?;
    el(doc, &p, "div", "address", Some(address))?;
    Ok(())
}

/// The labels into the (empty) body of the print document.
fn render(doc: &Document, body: &Element, lang: Lang, labels: &[Value], plain: &[Vec<PlainOrder>]) -> Result<(), JsValue> {
    for (l, orders) in labels.iter().zip(plain) {
        let no = text(l, "waybill_no");
        let label = el(doc, body, "section", "label", None)?;
        label.set_attribute("data-waybill-no", no)?;
        let head = el(doc, &label, "div", "head", None)?;
        el(doc, &head, "span", "carrier", Some(text(l, "carrier_name")))?;
        el(doc, &head, "span", "print-no", Some(&i18n::print_no(lang, l.get("print_no").and_then(Value::as_u64).unwrap_or(0))))?;
        barcode_svg(doc, &label, no)?;
        el(doc, &label, "div", "waybill-no", Some(no))?;
        // Merged orders share one receiver: each distinct one is shown once.
        let mut shown: Vec<&[Zeroizing<String>; 3]> = Vec::new();
        for o in orders {
            if !shown.contains(&&o.receiver) {
                shown.push(&o.receiver);
                party(doc, &label, "party receiver", lang.t(FulfilMsg::LabelTo), o.receiver.each_ref().map(|s| s.as_str()))?;
            }
        }
        party(doc, &label, "party sender", lang.t(FulfilMsg::LabelFrom), ["sender_name", "sender_phone", "sender_address"].map(|k| text(l, k)))?;
        let list = el(doc, &label, "ul", "orders", None)?;
        for o in orders {
            let li = el(doc, &list, "li", "order", None)?;
            el(doc, &li, "span", "order-id", Some(o.order_id))?;
            el(doc, &li, "span", "items", Some(o.items))?;
        }
    }
    Ok(())
}

fn dom_failure(e: JsValue) -> ApiFailure {
    let why = e.as_string().or_else(|| js_sys::Reflect::get(&e, &JsValue::from_str("message")).ok().and_then(|m| m.as_string())).unwrap_or_default();
    ApiFailure::local("PRINT_FAILED", format!("The print document could not be made ({why})."), format!("无法生成打印文档（{why}）。"))
}

/// What a print job made: the frame (the preview; remove it to end the job) and the labels' count.
pub struct Printed {
    /// `#print-frame`.
    pub frame: HtmlIFrameElement,
    /// Labels printed.
    pub labels: usize,
}

/// Print the labels of `waybill_nos` (of `shop`, the shop this page is logged in to; `None`
/// for a factory, whose grant is sealed for the one shop whose orders it prints, named by the
/// answer) on `template`: grant, open, decrypt, a new `#print-frame` in `holder`, `print()`.
pub async fn print(lang: Lang, csrf: &str, shop: Option<&str>, waybill_nos: Vec<String>, template: &'static str, holder: &Element) -> Result<Printed, ApiFailure> {
    let (mut session, client_public) = reveal::new_session()?;
    let resp = api::print_grant(csrf, &PrintGrantRequest { waybill_nos, client_public }).await?;
    let shop = shop.unwrap_or_else(|| text(&resp, "shop_id"));
    let opened = reveal::open_grant(&mut session, text(&resp, "sealed_grant"), shop, GrantPurpose::Print)?;
    let labels = list(&resp, "labels");
    let plain = decrypt(&opened, labels)?;
    drop(opened);
    let doc = holder.owner_document().ok_or_else(|| dom_failure(JsValue::NULL))?;
    let frame: HtmlIFrameElement = doc.create_element("iframe").and_then(|f| f.dyn_into().map_err(JsValue::from)).map_err(dom_failure)?;
    frame.set_id("print-frame");
    frame.set_class_name("print-preview");
    frame.set_title(lang.t(FulfilMsg::PrintPreview));
    let built = (|| {
        frame.set_attribute("data-template", template)?;
        holder.append_child(&frame)?;
        let fdoc = frame.content_document().ok_or(JsValue::NULL)?;
        fdoc.set_title(lang.t(FulfilMsg::PrintDocTitle));
        let root = fdoc.document_element().ok_or(JsValue::NULL)?;
        root.set_attribute("lang", if lang == Lang::En { "en" } else { "zh-CN" })?;
        let head = fdoc.query_selector("head")?.ok_or(JsValue::NULL)?;
        let body = fdoc.body().ok_or(JsValue::NULL)?;
        body.set_class_name(&format!("tpl-{template}"));
        // The stylesheet first, so its load can be awaited before printing. (Unchecked: the
        // frame's elements are of its own realm, so a checked cast against ours would fail.)
        let link: HtmlElement = fdoc.create_element("link")?.unchecked_into();
        let styled = js_sys::Promise::new(&mut |done, _| {
            link.set_onload(Some(&done));
            link.set_onerror(Some(&done));
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&done, 3000);
            }
        });
        let origin = web_sys::window().ok_or(JsValue::NULL)?.location().origin()?;
        link.set_attribute("rel", "stylesheet")?;
        link.set_attribute("href", &format!("{origin}/console/print.css"))?;
        head.append_child(&link)?;
        render(&fdoc, &body, lang, labels, &plain)?;
        Ok::<_, JsValue>(styled)
    })();
    // The plaintext now lives only in the frame's document.
    drop(plain);
    let styled = match built {
        Ok(p) => p,
        Err(e) => {
            frame.remove();
            return Err(dom_failure(e));
        }
    };
    let _ = wasm_bindgen_futures::JsFuture::from(styled).await;
    if let Err(e) = frame.content_window().ok_or(JsValue::NULL).and_then(|w| w.print()) {
        frame.remove();
        return Err(dom_failure(e));
    }
    Ok(Printed { frame, labels: labels.len() })
}
