//! Phone numbers: mainland mobiles and landlines, international and foreign numbers.

use alloc::string::String;
use alloc::vec::Vec;

use super::{is_han, push_stars};

/// Longest run of `*` a phone mask writes.
const MAX_PHONE_STARS: usize = 16;

/// Mask a phone number: `13812345678` → `138****5678`, `010-12345678` → `010-****5678`,
/// `18400913965-7576` → `184****3965-****`, `+852 5123 4567` → `+852 ****4567`.
///
/// Spaces, dashes, dots, slashes and parentheses are ignored; full-width characters
/// (`０`–`９`, `＋`, `－`, …) count as their ASCII forms. An extension is set off by a
/// separator or a marker (`转`, `分机`, `ext`, `x`, `#`, `,`). Empty or all-whitespace input
/// gives an empty string.
///
/// | input | output | rule |
/// | --- | --- | --- |
/// | `13812345678`, `+86 138-1234-5678`, `0086…`, `86…` | `138****5678` | mainland mobile: first 3, `****`, last 4; the `+86` prefix is dropped |
/// | `18400913965-7576`, `18400913965转7576` | `184****3965-****` | virtual number: mobile + extension (1–6 digits), the extension fully masked, one `*` a digit |
/// | `010-12345678`, `057187654321`, `+86 571 8765 4321` | `010-****5678`, `0571-****4321` | landline: area code kept (3 digits for `010`/`02x`, else 4), local number masked but its last 4 |
/// | `0571-87654321-808` | `0571-****4321-***` | landline extension: **masked**, one `*` a digit (like virtual numbers), so the merchant sees that there is one |
/// | `+852 5123 4567`, `00852 5123 4567` | `+852 ****4567` | foreign: `+`, the country code, a space, the national number masked but its last 4 (5–6 digits: last 2; fewer: all `*`) |
/// | `+86 12345` | `+86 ***45` | `+86` but neither mobile nor landline: as a foreign number |
/// | anything else | `****5678` | generic, see below |
///
/// The country code length follows the ITU E.164 assignment, which is prefix-free and decided
/// by the first two digits: `1` and `7` are one digit; `20`, `27`, `30`–`34`, `36`, `39`,
/// `40`, `41`, `43`–`49`, `51`–`58`, `60`–`66`, `81`, `82`, `84`, `86`, `90`–`95`, `98` are two
/// digits; every other code (`852`, `853`, `886`, `971`, …) is three digits.
///
/// Generic rule, on the digits only: 11 or more digits keep the first 3 and the last 4;
/// 7–10 digits keep only the last 4 (keeping the first 3 as well would show 7 of 7 or 8 of 10
/// digits); 5–6 digits keep the last 2; fewer than 5 digits give one `*` a character of the
/// trimmed input (at least one). One `*` per hidden digit, except that no run of stars is
/// longer than 16 (input of more than 23 digits is not a phone number).
///
/// The output contains only ASCII digits, `*`, `+`, `-` and spaces.
pub fn mask_phone(phone: &str) -> String {
    let trimmed = phone.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    let p = PhoneDigits::parse(trimmed);
    let d = p.digits.as_slice();

    // International form: `+cc…` or `00cc…`.
    let intl = if p.plus {
        Some(0)
    } else if d.len() >= 9 && d.starts_with(b"00") && d.get(2).is_some_and(|&x| x != b'0') {
        Some(2)
    } else {
        None
    };
    let masked = match intl {
        Some(off) if d.get(off..).is_some_and(|r| r.starts_with(b"86")) => {
            mask_cn(&p, off + 2, true).or_else(|| mask_foreign(&p, off))
        }
        Some(off) => mask_foreign(&p, off),
        None => {
            let after_86 = d.starts_with(b"86") && is_mobile(d.get(2..).unwrap_or_default());
            mask_cn(&p, if after_86 { 2 } else { 0 }, false)
        }
    };
    masked.unwrap_or_else(|| mask_generic(d, trimmed))
}

/// The digits of a phone field, with where the separators and extension markers were.
struct PhoneDigits {
    /// A `+` before the first digit.
    plus: bool,
    /// ASCII digits.
    digits: Vec<u8>,
    /// Digit counts at which a separator (space, dash, …) stood between digits.
    breaks: Vec<usize>,
    /// Digit count at which the first extension marker (`转`, `#`, `,`, `ext`, …) stood.
    ext_at: Option<usize>,
}

impl PhoneDigits {
    fn parse(s: &str) -> Self {
        let mut p = PhoneDigits {
            plus: false,
            digits: Vec::new(),
            breaks: Vec::new(),
            ext_at: None,
        };
        for c in s.chars().map(fold_width) {
            if let Some(b) = ascii_digit(c) {
                p.digits.push(b);
                continue;
            }
            let at = p.digits.len();
            if at == 0 {
                // Before the first digit only a `+` matters (`Tel: +86 …`, `(+86) …`).
                p.plus |= c == '+';
                continue;
            }
            let is_ext = (c.is_alphabetic() && !is_han(c))
                || matches!(c, '转' | '分' | '#' | ',' | ';' | '、' | '，' | '；');
            if is_ext && p.ext_at.is_none() {
                p.ext_at = Some(at);
            }
            if p.breaks.last() != Some(&at) {
                p.breaks.push(at);
            }
        }
        p
    }

    /// Is there a separator or extension marker right after `n` digits?
    fn is_break(&self, n: usize) -> bool {
        self.breaks.contains(&n) || self.ext_at == Some(n)
    }
}

/// Full-width ASCII forms (`０`, `＋`, `－`, `（`, …) as ASCII, the ideographic space as a space.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn ascii_digit(c: char) -> Option<u8> {
    if c.is_ascii_digit() {
        u8::try_from(c).ok()
    } else {
        None
    }
}

/// Starts like a mainland mobile number and has at least 11 digits.
fn is_mobile(d: &[u8]) -> bool {
    d.len() >= 11 && d.first() == Some(&b'1') && d.get(1).is_some_and(|x| (b'3'..=b'9').contains(x))
}

fn push_digits(out: &mut String, d: &[u8]) {
    out.extend(d.iter().map(|&b| char::from(b)));
}

/// A mainland number whose national part starts after `off` digits: mobile, virtual number
/// or landline. `international` means the number was written `+86 …` (the trunk `0` of a
/// landline may be missing).
fn mask_cn(p: &PhoneDigits, off: usize, international: bool) -> Option<String> {
    let nat = p.digits.get(off..)?;
    if is_mobile(nat) {
        // `nat` is `head(3) middle(4) tail(4) ext(…)`; the middle is never read.
        let head = nat.get(..3)?;
        let (tail, ext) = nat.get(7..)?.split_at_checked(4)?;
        let mut out = String::with_capacity(16);
        push_digits(&mut out, head);
        out.push_str("****");
        push_digits(&mut out, tail);
        if ext.is_empty() {
            return Some(out);
        }
        if ext.len() <= 6 && p.is_break(off + 11) {
            out.push('-');
            push_stars(&mut out, ext.len());
            return Some(out);
        }
        return None;
    }
    // `0` + mobile: a mobile dialled with the trunk prefix.
    if !international && nat.len() == 12 && nat.first() == Some(&b'0') && is_mobile(nat.get(1..)?) {
        return mask_cn(p, off + 1, false);
    }
    mask_landline(p, off, international)
}

/// `0AA-LLLLLLLL[-EXT]` (area code `010`, `02x`) or `0AAA-LLLLLLL[L][-EXT]`.
fn mask_landline(p: &PhoneDigits, off: usize, international: bool) -> Option<String> {
    let nat = p.digits.get(off..)?;
    // Skip the trunk `0`; after `+86` it is usually left out.
    let trunk = usize::from(nat.first() == Some(&b'0'));
    if trunk == 0 && !international {
        return None;
    }
    let area_start = off + trunk;
    let a = p.digits.get(area_start..)?;
    let area_len = match (a.first()?, a.get(1)?) {
        (b'1', b'0') | (b'2', _) => 2,
        (b'3'..=b'9', _) => 3,
        _ => return None,
    };
    let area = a.get(..area_len)?;
    let local_start = area_start + area_len;
    let rest = p.digits.get(local_start..)?;
    let local_len = match rest.len() {
        7 | 8 => rest.len(),
        n if n > 8 => {
            // An extension must be set off from the local number.
            let l = [8, 7].into_iter().find(|&l| p.is_break(local_start + l))?;
            if n - l > 6 {
                return None;
            }
            l
        }
        _ => return None,
    };
    let (local, ext) = rest.split_at_checked(local_len)?;
    let tail = local.get(local_len - 4..)?;
    let mut out = String::with_capacity(20);
    out.push('0');
    push_digits(&mut out, area);
    out.push('-');
    push_stars(&mut out, local_len - 4);
    push_digits(&mut out, tail);
    if !ext.is_empty() {
        out.push('-');
        push_stars(&mut out, ext.len());
    }
    Some(out)
}

/// Length of the E.164 country code at the start of `d` (see [`mask_phone`]).
fn country_code_len(d: &[u8]) -> usize {
    match (d.first(), d.get(1)) {
        (Some(b'1' | b'7'), _) => 1,
        (Some(b'2'), Some(b'0' | b'7'))
        | (Some(b'3'), Some(b'0'..=b'4' | b'6' | b'9'))
        | (Some(b'4'), Some(b'0' | b'1' | b'3'..=b'9'))
        | (Some(b'5'), Some(b'1'..=b'8'))
        | (Some(b'6'), Some(b'0'..=b'6'))
        | (Some(b'8'), Some(b'1' | b'2' | b'4' | b'6'))
        | (Some(b'9'), Some(b'0'..=b'5' | b'8')) => 2,
        (Some(b'0'), _) => 2,
        _ => 3,
    }
}

/// `+cc national`: the country code starts after `off` digits. Digits after an extension
/// marker are masked after a `-`.
fn mask_foreign(p: &PhoneDigits, off: usize) -> Option<String> {
    let all = p.digits.get(off..)?;
    let cc_len = country_code_len(all);
    let cc = all.get(..cc_len)?;
    let end = p.ext_at.map_or(p.digits.len(), |e| e.max(off + cc_len));
    let national = p.digits.get(off + cc_len..end)?;
    if national.is_empty() {
        return None;
    }
    let ext = p.digits.get(end..).unwrap_or_default();
    let mut out = String::with_capacity(24);
    out.push('+');
    push_digits(&mut out, cc);
    out.push(' ');
    push_masked_tail(&mut out, national);
    if !ext.is_empty() {
        out.push('-');
        push_stars(&mut out, ext.len().min(MAX_PHONE_STARS));
    }
    Some(out)
}

/// 7+ digits: all `*` but the last 4; 5–6: but the last 2; fewer: all `*`.
fn push_masked_tail(out: &mut String, d: &[u8]) {
    let keep = match d.len() {
        n if n >= 7 => 4,
        5 | 6 => 2,
        _ => 0,
    };
    let hidden = d.len() - keep;
    push_stars(out, hidden.min(MAX_PHONE_STARS));
    push_digits(out, d.get(hidden..).unwrap_or_default());
}

fn mask_generic(d: &[u8], trimmed: &str) -> String {
    let mut out = String::new();
    match d.len() {
        n if n >= 11 => {
            push_digits(&mut out, d.get(..3).unwrap_or_default());
            push_masked_tail(&mut out, d.get(3..).unwrap_or_default());
        }
        5.. => push_masked_tail(&mut out, d),
        _ => push_stars(&mut out, trimmed.chars().count().clamp(1, MAX_PHONE_STARS)),
    }
    out
}
