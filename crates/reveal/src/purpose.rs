//! The purpose of a reveal: every grant request names one (`purpose`, and `purpose_note` for
//! `other`), like the platforms' decrypt scenes. The server refuses a request without a valid
//! purpose (`PURPOSE_INVALID`, 400) and an app's request for a purpose its authorization does
//! not list (`PURPOSE_NOT_ALLOWED`, 403); this module applies the first rule in the page, so
//! such a request is never sent.
//!
//! The list and the note rule are the server's (`orderveil_api::RevealPurpose`,
//! `orderveil_api::purpose_note_problem`), written out here because the package does not
//! depend on orderveil-api; `tests/codes.rs` checks natively that they agree.

use js_sys::{Array, Object};
use wasm_bindgen::JsValue;

use crate::error;
use crate::set;

/// Every purpose's wire name, in the order the server lists them. `js/errors.js`
/// (`REVEAL_PURPOSES`) and the `RevealPurpose` TypeScript union list the same names.
pub const PURPOSES: &[&str] = &["manual_shipping", "after_sales", "customer_service", "installation_delivery", "virtual_goods", "dropshipping", "other"];

/// Most characters of a purpose note.
pub const NOTE_MAX_CHARS: usize = 200;

/// A valid purpose and its note (trimmed; `None` when empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Purpose {
    pub name: &'static str,
    pub note: Option<String>,
}

/// Why a purpose note is refused, if it is (the server's rule): empty where `other` requires
/// one (`note_required`), more than 200 characters (`note_too_long`), control characters
/// (`note_control_characters`), or 7 or more digits in a row, spaces and hyphens inside the
/// run allowed (`note_has_phone_number`): a note is stored in the audit trail and must never
/// hold receiver data. The note is trimmed first.
pub fn purpose_note_problem(purpose: &str, note: Option<&str>) -> Option<&'static str> {
    let note = note.map(str::trim).unwrap_or("");
    if note.is_empty() {
        return (purpose == "other").then_some("note_required");
    }
    if note.chars().count() > NOTE_MAX_CHARS {
        return Some("note_too_long");
    }
    if note.chars().any(char::is_control) {
        return Some("note_control_characters");
    }
    let mut run = 0;
    for c in note.chars() {
        run = if c.is_ascii_digit() || ('０'..='９').contains(&c) {
            run + 1
        } else if matches!(c, ' ' | '-') && run > 0 {
            run
        } else {
            0
        };
        if run >= 7 {
            return Some("note_has_phone_number");
        }
    }
    None
}

fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// A purpose given in the options (`purpose`, `purposeNote`): `None` when neither is given;
/// `PURPOSE_INVALID` when the purpose is unknown, the note is given without a purpose, or the
/// note breaks the rule.
pub(crate) fn optional(purpose: &JsValue, note: &JsValue) -> Result<Option<Purpose>, JsValue> {
    if absent(purpose) && absent(note) {
        return Ok(None);
    }
    required(purpose, note).map(Some)
}

/// A purpose that must be there (`withPurpose`): `PURPOSE_INVALID` when it is missing,
/// unknown, or its note breaks the rule.
pub(crate) fn required(purpose: &JsValue, note: &JsValue) -> Result<Purpose, JsValue> {
    if absent(purpose) {
        return Err(invalid("missing", None));
    }
    let name = purpose.as_string().and_then(|p| PURPOSES.iter().copied().find(|&x| x == p)).ok_or_else(|| invalid("unknown", None))?;
    let note = if absent(note) { None } else { Some(note.as_string().ok_or_else(|| invalid("note_not_a_string", Some(name)))?) };
    if let Some(problem) = purpose_note_problem(name, note.as_deref()) {
        return Err(invalid(problem, Some(name)));
    }
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    Ok(Purpose { name, note })
}

/// The client has no purpose and the call gives none.
pub(crate) fn missing() -> JsValue {
    invalid("missing", None)
}

/// `PURPOSE_INVALID` (status 0) with the server's details: `{reason, allowed}` for a missing or
/// unknown purpose, `{reason, purpose, max_chars}` for a bad note.
fn invalid(reason: &str, purpose: Option<&str>) -> JsValue {
    let d = Object::new();
    set(&d, "reason", &reason.into());
    let (message, message_zh) = match purpose {
        None => {
            set(&d, "allowed", &PURPOSES.iter().map(|p| JsValue::from_str(p)).collect::<Array>());
            (
                "Choose the purpose of this reveal (the purpose option, or withPurpose; a note is required for \"other\").",
                "请选择本次解密的用途（purpose 选项或 withPurpose；选择“其他”时须填写说明）。",
            )
        }
        Some(p) => {
            set(&d, "purpose", &p.into());
            set(&d, "max_chars", &(NOTE_MAX_CHARS as u32).into());
            if reason == "note_required" {
                ("The purpose \"other\" needs a note saying why.", "用途为“其他”时须填写说明。")
            } else {
                (
                    "The purpose note is invalid: 1-200 characters of text, without phone numbers.",
                    "用途说明无效：须为 1–200 个字符的文字，且不能包含电话号码。",
                )
            }
        }
    };
    error::local("PURPOSE_INVALID", message, message_zh, Some(d))
}
