//! Masking of receiver fields for display to merchants (Doudian/Taobao conventions).
//!
//! Every function is total: any `&str` gives a `String`, nothing panics, and the work is
//! done on `char`s, so a UTF-8 character is never split. Empty (or all-whitespace) input
//! gives empty output.
//!
//! The rules are documented on [`mask_phone`], [`mask_name`] and [`mask_address`]; the
//! table `tests/vectors/masking.txt` shows them case by case.

use alloc::string::String;

use crate::FieldKind;

mod address;
mod name;
mod phone;

pub use address::mask_address;
pub use name::mask_name;
pub use phone::mask_phone;


/// Mask any field by kind: [`mask_phone`], [`mask_name`] or [`mask_address`]; a kind without
/// its own rule gives one `*` per character, at most 8.
pub fn mask(kind: FieldKind, plaintext: &str) -> String {
    match kind {
        FieldKind::Phone => mask_phone(plaintext),
        FieldKind::Name => mask_name(plaintext),
        FieldKind::Address => mask_address(plaintext),
        // `FieldKind` is `#[non_exhaustive]`: a kind added later is masked entirely.
        #[allow(unreachable_patterns)]
        _ => stars(plaintext.chars().count().min(8)),
    }
}

pub(crate) fn stars(n: usize) -> String {
    "*".repeat(n)
}

pub(crate) fn push_stars(out: &mut String, n: usize) {
    out.extend(core::iter::repeat_n('*', n));
}

pub(crate) fn is_han(c: char) -> bool {
    matches!(
        c,
        '\u{4E00}'..='\u{9FFF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{2FA1F}'
            | '\u{3007}'
    )
}
