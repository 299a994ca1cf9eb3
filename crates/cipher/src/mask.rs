//! Masking of receiver fields for display to merchants (Doudian/Taobao conventions).
//!
//! Every function is total: any `&str` gives a `String`, nothing panics, and the work is
//! done on `char`s, so a UTF-8 character is never split. Empty (or all-whitespace) input
//! gives empty output.
//!
//! The rules are documented on [`mask_phone`], [`mask_name`] and [`mask_address`]; the
//! table `tests/vectors/masking.txt` shows them case by case.

use alloc::string::String;
use alloc::vec::Vec;

use crate::FieldKind;

/// Longest run of `*` a phone mask writes.
const MAX_PHONE_STARS: usize = 16;
/// What replaces the detail of an address.
const ADDRESS_TAIL: &str = "****";

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

fn stars(n: usize) -> String {
    "*".repeat(n)
}

fn push_stars(out: &mut String, n: usize) {
    out.extend(core::iter::repeat_n('*', n));
}

// ---------------------------------------------------------------------------------------------
// Phone
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Name
// ---------------------------------------------------------------------------------------------

/// Two-character Chinese surnames (simplified and traditional forms) kept whole by
/// [`mask_name`].
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "令狐", "澹台", "端木", "轩辕", "呼延", "独孤", "南宫", "西门", "万俟", "闻人", "赫连",
    "申屠", "钟离", "濮阳", "太史", "仲孙", "淳于", "单于", "太叔", "公冶", "宗政", "鲜于", "闾丘",
    "司空", "亓官", "司寇", "子车", "颛孙", "巫马", "公西", "漆雕", "乐正", "壤驷", "公良", "拓跋",
    "夹谷", "宰父", "谷梁", "段干", "百里", "东郭", "南门", "羊舌", "微生", "梁丘", "左丘", "东门",
    "第五", "公羊", "即墨", "歐陽", "司馬", "諸葛", "東方", "尉遲", "公孫", "長孫", "澹臺", "軒轅",
    "獨孤", "南宮", "西門", "聞人", "鍾離", "鮮于", "閭丘", "東郭",
];

/// Separators between the parts of a transliterated name.
fn is_name_dot(c: char) -> bool {
    matches!(
        c,
        '\u{00B7}' // · middle dot
            | '\u{2022}' // • bullet
            | '\u{30FB}' // ・ katakana middle dot
            | '\u{FF0E}' // ． full-width full stop
            | '\u{FF65}' // ･ half-width katakana middle dot
            | '\u{2027}' // ‧ hyphenation point
            | '\u{2219}' // ∙ bullet operator
            | '\u{22C5}' // ⋅ dot operator
            | '\u{2E31}' // ⸱ word separator middle dot
            | '\u{0387}' // · Greek ano teleia
            | '.'
    )
}

fn is_compound_surname(a: char, b: char) -> bool {
    COMPOUND_SURNAMES.iter().any(|s| {
        let mut it = s.chars();
        it.next() == Some(a) && it.next() == Some(b)
    })
}

/// Mask a receiver name: `张三` → `张*`, `王小明` → `王**`, `欧阳娜娜` → `欧阳**`,
/// `迪丽热巴·迪力木拉提` → `迪***·*****`, `John Smith` → `J*** S****`.
///
/// * one character: `*`; two: the first and `*` (`张三` → `张*`);
/// * three or more: the first and one `*` each for the rest (`王小明` → `王**`), keeping both
///   characters of a compound surname (`欧阳娜娜` → `欧阳**`, `欧阳锋` → `欧阳*`; but a
///   two-character `欧阳` → `欧*`);
/// * names with a middle dot (`·`, `•`, `・`, `．`, `.`, …): the first character and the dots
///   are kept, everything else is starred (`迪丽热巴·迪力木拉提` → `迪***·*****`);
/// * Latin names: each word keeps its first letter (`John Smith` → `J*** S****`), a
///   one-letter word is starred (`J. Smith` → `*. S****`), `.`, `-` and `'` are kept;
/// * anything else: the first character and one `*` each for the rest.
///
/// Whitespace inside a non-Latin name is dropped (`张 三` → `张*`); dots alone give `*`;
/// empty or all-whitespace input gives an empty string.
pub fn mask_name(name: &str) -> String {
    let t = name.trim();
    if t.is_empty() {
        return String::new();
    }
    if is_latin_text(t) {
        return mask_latin_name(t);
    }
    let chars: Vec<char> = t.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.iter().any(|&c| is_name_dot(c)) {
        return mask_dotted_name(&chars);
    }
    let mut out = String::with_capacity(t.len());
    match chars.as_slice() {
        [] => {}
        [_] => out.push('*'),
        [a, b, rest @ ..] if !rest.is_empty() && is_compound_surname(*a, *b) => {
            out.push(*a);
            out.push(*b);
            push_stars(&mut out, rest.len());
        }
        [a, rest @ ..] => {
            out.push(*a);
            push_stars(&mut out, rest.len());
        }
    }
    out
}

/// `迪丽热巴·迪力木拉提` → `迪***·*****`: the first character (if more than one is left to
/// hide) and the dots are kept. Dots alone give `*`.
fn mask_dotted_name(chars: &[char]) -> String {
    let letters = chars.iter().filter(|&&c| !is_name_dot(c)).count();
    if letters == 0 {
        return stars(1);
    }
    let mut kept = letters < 2;
    let mut out = String::with_capacity(chars.len() * 3);
    for &c in chars {
        if is_name_dot(c) {
            out.push(c);
        } else if kept {
            out.push('*');
        } else {
            out.push(c);
            kept = true;
        }
    }
    out
}

fn is_latin_letter(c: char) -> bool {
    c.is_alphabetic()
        && (c.is_ascii_alphabetic()
            || matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}'))
}

fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

/// Latin letters, whitespace, combining accents and `.-'’` only, with at least one letter.
fn is_latin_text(t: &str) -> bool {
    t.chars().any(is_latin_letter)
        && t.chars().all(|c| {
            is_latin_letter(c)
                || c.is_whitespace()
                || is_combining(c)
                || matches!(c, '.' | '-' | '\'' | '’')
        })
}

/// `John Smith` → `J*** S****`; a one-letter word is starred; combining accents are dropped.
fn mask_latin_name(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for (i, word) in t.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let letters = word.chars().filter(|&c| is_latin_letter(c)).count();
        let mut first = true;
        for c in word.chars() {
            if is_combining(c) {
                continue;
            }
            if is_latin_letter(c) {
                out.push(if first && letters >= 2 { c } else { '*' });
                first = false;
            } else {
                out.push(c);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Address
// ---------------------------------------------------------------------------------------------

/// Short names of the municipalities and special administrative regions, whose next level
/// down is the county level.
const MUNICIPALITIES: &[&str] = &["北京", "天津", "上海", "重庆", "香港", "澳门", "澳門"];

/// Short names of the other provincial-level divisions (with traditional spellings).
#[rustfmt::skip]
const PROVINCES: &[&str] = &[
    "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西", "山东",
    "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
    "台湾", "台灣", "臺灣", "内蒙古", "內蒙古", "广西", "西藏", "宁夏", "新疆",
];

/// What may follow a province's short name, longest first.
#[rustfmt::skip]
const PROVINCE_SUFFIXES: &[&str] = &[
    "维吾尔自治区", "特别行政区", "壮族自治区", "回族自治区", "自治区", "特区", "省", "市",
];

/// Characters of street-level detail that no prefecture or county name has after its first
/// character (`厦门市` starts with one).
#[rustfmt::skip]
fn is_detail_char(c: char) -> bool {
    matches!(
        c,
        '号' | '號' | '街' | '巷' | '弄' | '楼' | '樓' | '栋' | '棟' | '幢' | '室' | '村' | '组'
            | '苑' | '院' | '厦' | '寓' | '层' | '座' | '舍' | '站'
    )
}

/// Detail characters that no prefecture has after its first character, but some county
/// names do (`安乡县`, `北镇市`); at the start they are fine (`路桥区`, `道里区`, `镇江市`).
fn is_prefecture_detail_char(c: char) -> bool {
    matches!(c, '路' | '道' | '镇' | '乡' | '鎮' | '鄉')
}

/// County-level-looking names that are not administrative.
#[rustfmt::skip]
const NOT_COUNTY_ENDINGS: &[&str] = &[
    "小区", "社区", "校区", "园区", "園區", "景区", "厂区", "片区", "工业区", "商业区",
    "生活区", "住宅区", "办公区", "服务区", "宿舍区", "别墅区", "保税区", "物流区", "展区",
    "病区", "超市", "菜市", "门市", "夜市", "集市", "花市",
];

fn is_han(c: char) -> bool {
    matches!(
        c,
        '\u{4E00}'..='\u{9FFF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{2FA1F}'
            | '\u{3007}'
    )
}

fn starts_with_str(s: &[char], prefix: &str) -> Option<usize> {
    let mut n = 0;
    for p in prefix.chars() {
        if s.get(n) != Some(&p) {
            return None;
        }
        n += 1;
    }
    Some(n)
}

fn ends_with_str(s: &[char], suffix: &str) -> bool {
    let n = suffix.chars().count();
    s.len() >= n
        && s.get(s.len() - n..)
            .is_some_and(|t| t.iter().copied().eq(suffix.chars()))
}

/// The province at the start of `s`: its length and whether it is a municipality/SAR.
fn match_province(s: &[char]) -> Option<(usize, bool)> {
    let find = |names: &[&str]| names.iter().find_map(|name| starts_with_str(s, name));
    let (short_len, municipal) = match find(MUNICIPALITIES) {
        Some(n) => (n, true),
        None => (find(PROVINCES)?, false),
    };
    let rest = s.get(short_len..).unwrap_or_default();
    let suffix = PROVINCE_SUFFIXES
        .iter()
        .find_map(|sfx| starts_with_str(rest, sfx))
        .unwrap_or(0);
    Some((short_len + suffix, municipal))
}

/// The prefecture at the start of `s`: `杭州市`, `杭州`, `延边朝鲜族自治州`, `阿克苏地区`,
/// `锡林郭勒盟`. Under a municipality only `XX市` (the `北京市北京市` form).
fn match_prefecture(s: &[char], municipal: bool) -> Option<usize> {
    for (i, &c) in s.iter().enumerate().take(13) {
        if !is_han(c) || (i > 0 && (is_detail_char(c) || is_prefecture_detail_char(c))) {
            return None;
        }
        if i == 0 {
            continue;
        }
        let next = s.get(i + 1).copied();
        let (end, limit) = match c {
            '市' if next == Some('场') => return None,
            '市' => (i + 1, 6),
            _ if municipal => {
                if matches!(c, '区' | '县' | '旗') {
                    return None;
                }
                continue;
            }
            '盟' => (i + 1, 6),
            '地' if next == Some('区') => (i + 2, 7),
            '州' => match next {
                Some('市') => (i + 2, 7),
                Some('区' | '县') => return None,
                _ if ends_with_str(s.get(..=i).unwrap_or_default(), "自治州") => (i + 1, 13),
                _ => (i + 1, 5),
            },
            '区' | '县' | '旗' => return None,
            _ => continue,
        };
        return (end <= limit).then_some(end);
    }
    None
}

/// The county-level unit at the start of `s`: `西湖区`, `义乌市`, `巫山县`, `鄂托克前旗`,
/// `长阳土家族自治县`. `has_parent`: a province or prefecture came before it.
fn match_county(s: &[char], has_parent: bool) -> Option<usize> {
    for (i, &c) in s.iter().enumerate().take(16) {
        if !is_han(c) || (i > 0 && (is_detail_char(c) || matches!(c, '路' | '道'))) {
            return None;
        }
        if i == 0 || !matches!(c, '区' | '县' | '市' | '旗') {
            continue;
        }
        let seg = s.get(..=i).unwrap_or_default();
        if c == '市' && s.get(i + 1) == Some(&'场') {
            return None;
        }
        if NOT_COUNTY_ENDINGS.iter().any(|e| ends_with_str(seg, e)) {
            return None;
        }
        let limit = if ends_with_str(seg, "自治县") || ends_with_str(seg, "自治旗") {
            16
        } else if c == '旗' {
            10
        } else if has_parent {
            6
        } else {
            5
        };
        return (seg.len() <= limit).then_some(seg.len());
    }
    None
}

/// The length of the administrative prefix of a whitespace-free Chinese address, 0 if none.
fn admin_prefix_len(chars: &[char]) -> usize {
    let rest = |pos: usize| chars.get(pos..).unwrap_or_default();
    let mut pos = starts_with_str(chars, "中华人民共和国")
        .or_else(|| starts_with_str(chars, "中国"))
        .unwrap_or(0);
    let mut recognised = false;
    let mut municipal = false;
    if let Some((n, m)) = match_province(rest(pos)) {
        pos += n;
        recognised = true;
        municipal = m;
    }
    if let Some(n) = match_prefecture(rest(pos), municipal) {
        pos += n;
        recognised = true;
    }
    if let Some(n) = match_county(rest(pos), recognised) {
        let is_placeholder = rest(pos)
            .get(..n)
            .is_some_and(|seg| seg.iter().copied().eq("市辖区".chars()));
        pos += n;
        recognised = true;
        if is_placeholder && let Some(n) = match_county(rest(pos), true) {
            pos += n;
        }
    }
    if recognised { pos } else { 0 }
}

/// Mask an address: keep the administrative prefix (province, prefecture, county level) and
/// replace the rest with a fixed `****`, so the length of the detail is not shown:
/// `浙江省杭州市西湖区文三路100号` → `浙江省杭州市西湖区****`.
///
/// Recognised at the start of a Chinese address, in order, each optional:
/// 1. `中国` / `中华人民共和国`;
/// 2. the province: one of the 34 provincial-level short names (`浙江`, `北京`, `内蒙古`,
///    `香港`, …), optionally followed by `省`, `市`, `自治区`, `壮族自治区`, `回族自治区`,
///    `维吾尔自治区`, `特别行政区` or `特区`;
/// 3. the prefecture: a name ending in `市`, `州`, `自治州`, `地区` or `盟` (for the four
///    municipalities, Hong Kong and Macau only the repeated `北京市` form);
/// 4. the county level: a name ending in `区`, `县`, `市`, `旗` (so also `自治县`, `自治旗`),
///    with `市辖区` skipped.
///
/// There is no place-name dictionary: a prefecture or county name is recognised by its
/// shape and, when in doubt, left out. It must be all Han characters, short (at most 5–7
/// characters by suffix; 13 for `自治州`, 10 for `旗`, 16 for `自治县`/`自治旗`) and must not
/// look like street detail (`路`, `街`, `号`, `村`, `楼`, …, `市场`, or ending in `小区`,
/// `社区`, `园区`, `超市`, …). Whitespace between the parts is dropped. The output is never
/// more than the recognised prefix and `****`; if nothing is recognised, the first two
/// characters are kept (`阳光小区3幢` → `阳光****`); input of one or two characters is all
/// stars; empty or all-whitespace input gives an empty string.
///
/// An address with no Han character but Latin letters is treated as foreign: if it has two or
/// more comma-separated parts and the last is a place name (letters only, at most three
/// words), that part is kept (`Flat 2, 10 Nathan Road, Hong Kong` → `****, Hong Kong`);
/// otherwise the first word is kept if it has no digit and is not the whole address
/// (`Nathan Road 10` → `Nathan****`), else `****`.
pub fn mask_address(address: &str) -> String {
    let t = address.trim();
    let chars: Vec<char> = t.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.is_empty() {
        return String::new();
    }
    if chars.len() < 3 {
        return stars(chars.len());
    }
    if !chars.iter().any(|&c| is_han(c)) && chars.iter().any(char::is_ascii_alphabetic) {
        return mask_foreign_address(t);
    }
    let keep = match admin_prefix_len(&chars) {
        0 => 2,
        n => n,
    };
    let mut out: String = chars.iter().take(keep).collect();
    out.push_str(ADDRESS_TAIL);
    out
}

/// Letters (any script), spaces and `.-'`, one to three words, at most 32 characters.
fn looks_like_place(s: &str) -> bool {
    let words = s.split_whitespace().count();
    (1..=3).contains(&words)
        && s.chars().count() <= 32
        && s.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && s.chars()
            .all(|c| c.is_alphabetic() || c.is_whitespace() || matches!(c, '.' | '-' | '\'' | '’'))
}

fn mask_foreign_address(t: &str) -> String {
    let parts: Vec<&str> = t
        .split([',', '，'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if let [_, .., last] = parts.as_slice()
        && looks_like_place(last)
    {
        return alloc::format!(
            "{ADDRESS_TAIL}, {}",
            last.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
    let mut words = t.split_whitespace();
    let first = words
        .next()
        .unwrap_or_default()
        .trim_end_matches([',', '，']);
    let more = words.next().is_some();
    let wordlike = first.chars().count() >= 2
        && first
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\''));
    if more && wordlike {
        alloc::format!("{first}{ADDRESS_TAIL}")
    } else {
        String::from(ADDRESS_TAIL)
    }
}
