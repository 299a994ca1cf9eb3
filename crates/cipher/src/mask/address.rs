//! Addresses: the administrative prefix (province, prefecture, county) stays, the detail goes.

use alloc::string::String;
use alloc::vec::Vec;

use super::{is_han, stars};

/// What replaces the detail of an address.
const ADDRESS_TAIL: &str = "****";

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
