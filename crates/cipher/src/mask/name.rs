//! Names: Han names (compound surnames, dotted names) and Latin-script names.

use alloc::string::String;
use alloc::vec::Vec;

use super::{push_stars, stars};

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
