//! # orderveil-label
//!
//! A small Code 128 encoder for the waybill number on a label: code set B for text, code set
//! C (two digits per symbol) for runs of digits long enough to pay for the switch, the
//! mod-103 check symbol and the stop. The result is the bar/space widths in modules, drawn by
//! the label as SVG `<rect>`s (the web app's print document, `web/src/print.rs`, and the npm
//! package's print frame through `code128` in `crates/reveal`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// Bar/space widths (bar first) of the symbol values 0–106 as decimal digits; 106 is the stop
/// with its termination bar (7 elements, 13 modules), every other symbol 11 modules.
const PATTERNS: [u32; 107] = [
    212222, 222122, 222221, 121223, 121322, 131222, 122213, 122312, 132212, 221213, 221312, 231212, 112232, 122132, 122231, 113222, 123122, 123221,
    223211, 221132, 221231, 213212, 223112, 312131, 311222, 321122, 321221, 312212, 322112, 322211, 212123, 212321, 232121, 111323, 131123, 131321,
    112313, 132113, 132311, 211313, 231113, 231311, 112133, 112331, 132131, 113123, 113321, 133121, 313121, 211331, 231131, 213113, 213311, 213131,
    311123, 311321, 331121, 312113, 312311, 332111, 314111, 221411, 431111, 111224, 111422, 121124, 121421, 141122, 141221, 112214, 112412, 122114,
    122411, 142112, 142211, 241211, 221114, 413111, 241112, 134111, 111242, 121142, 121241, 114212, 124112, 124211, 411212, 421112, 421211, 212141,
    214121, 412121, 111143, 111341, 131141, 114113, 114311, 411113, 411311, 113141, 114131, 311141, 411131, 211412, 211214, 211232, 2331112,
];
const CODE_B: u8 = 100;
const CODE_C: u8 = 99;
const START_B: u8 = 104;
const START_C: u8 = 105;
const STOP: u8 = 106;

/// The symbol values of `text` (start, data, check, stop), or `None` if it has a character
/// outside printable ASCII.
pub fn symbols(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    if b.is_empty() || !b.iter().all(|c| (32..=126).contains(c)) {
        return None;
    }
    let digits_at = |i: usize| b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    // Code set C from the start for 4+ digits (2 for an all-digit text), later for 6+ (4 at the end).
    let first = digits_at(0);
    let mut c_mode = (first >= 4 || first == b.len()) && first % 2 == 0;
    let mut out = vec![if c_mode { START_C } else { START_B }];
    let mut i = 0;
    while i < b.len() {
        let run = digits_at(i);
        if c_mode {
            if run >= 2 {
                out.push((b[i] - b'0') * 10 + (b[i + 1] - b'0'));
                i += 2;
                continue;
            }
            out.push(CODE_B);
            c_mode = false;
        } else if run % 2 == 0 && (run >= 6 || (run >= 4 && i + run == b.len())) {
            out.push(CODE_C);
            c_mode = true;
            continue;
        }
        out.push(b[i] - 32);
        i += 1;
    }
    let sum = out.iter().enumerate().map(|(pos, v)| pos.max(1) as u32 * u32::from(*v)).sum::<u32>();
    out.push((sum % 103) as u8);
    out.push(STOP);
    Some(out)
}

/// The element widths (bar, space, bar, …; in modules) of `text`'s barcode without quiet zones.
pub fn widths(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for s in symbols(text)? {
        let p = PATTERNS[usize::from(s)];
        let digits = if s == STOP { 7 } else { 6 };
        out.extend((0..digits).rev().map(|k| (p / 10u32.pow(k) % 10) as u8));
    }
    Some(out)
}

/// The bars of `text`'s barcode as `(x, width)` in modules, and the total width with a quiet
/// zone of `quiet` modules on each side.
pub fn bars(text: &str, quiet: u32) -> Option<(Vec<(u32, u32)>, u32)> {
    let mut x = quiet;
    let mut bars = Vec::new();
    for (k, w) in widths(text)?.into_iter().enumerate() {
        if k % 2 == 0 {
            bars.push((x, u32::from(w)));
        }
        x += u32::from(w);
    }
    Some((bars, x + quiet))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(p: u32) -> Vec<u32> {
        p.to_string().bytes().map(|b| u32::from(b - b'0')).collect()
    }

    #[test]
    fn the_table_is_well_formed() {
        for (v, p) in PATTERNS.iter().enumerate() {
            let d = digits(*p);
            let (modules, bars): (u32, u32) = (d.iter().sum(), d.iter().step_by(2).sum());
            assert_eq!(modules, if v == 106 { 13 } else { 11 }, "value {v}");
            // Bars always cover an even number of modules, spaces an odd one.
            assert_eq!(bars % 2, 0, "value {v}");
        }
        let mut all = PATTERNS.to_vec();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 107);
    }

    #[test]
    fn a_known_code_set_c_encoding() {
        // A 32-digit GS1-style number encodes entirely in code set C, check value 22.
        let want = [
            2, 1, 1, 2, 3, 2, 2, 2, 2, 1, 2, 2, 1, 2, 1, 3, 2, 2, 2, 2, 2, 1, 2, 2, 3, 1, 2, 1, 3, 1, 1, 1, 3, 1, 2, 3, 1, 1, 1, 3, 2, 3, 1, 1, 1, 3, 2, 3,
            1, 1, 2, 3, 1, 3, 1, 1, 3, 2, 2, 2, 1, 2, 1, 2, 2, 3, 1, 1, 2, 2, 3, 2, 2, 1, 2, 3, 2, 1, 2, 2, 1, 3, 1, 2, 1, 1, 2, 2, 3, 2, 1, 3, 1, 1, 2,
            3, 3, 3, 1, 1, 2, 1, 2, 2, 3, 1, 1, 2, 2, 3, 3, 1, 1, 1, 2,
        ];
        assert_eq!(widths("01040123453333361503123110123456").unwrap(), want);
    }

    #[test]
    fn waybill_numbers() {
        // "SF" and the first of 13 digits in set B, the other 12 in set C:
        // Start B, S(51), F(38), 1(17), Code C, 23 45 67 89 01 23, check, stop.
        let s = symbols("SF1234567890123").unwrap();
        assert_eq!(&s[..s.len() - 2], [104, 51, 38, 17, 99, 23, 45, 67, 89, 1, 23]);
        let sum: u32 = 104 + [51u32, 38, 17, 99, 23, 45, 67, 89, 1, 23].iter().enumerate().map(|(i, v)| (i as u32 + 1) * v).sum::<u32>();
        assert_eq!(u32::from(s[s.len() - 2]), sum % 103);
        assert_eq!(s[s.len() - 1], 106);
        // Text only: set B with its check value ("AB": 104 + 33·1 + 34·2 = 205 → 102).
        assert_eq!(symbols("AB").unwrap(), [104, 33, 34, 102, 106]);
        // An odd all-digit number: set B for the first digit, then C.
        assert_eq!(&symbols("7123456789012").unwrap()[..3], [104, 23, 99]);
        // Digits first in set C, then back to B for the text.
        assert_eq!(&symbols("12345678AB").unwrap()[..8], [105, 12, 34, 56, 78, 100, 33, 34]);
        assert!(symbols("").is_none() && symbols("顺丰").is_none());
        // Bars: every other element, the total with quiet zones.
        let (bars, total) = bars("AB", 10).unwrap();
        assert_eq!(bars[0], (10, 2));
        assert_eq!(total, 10 + 11 * 4 + 13 + 10);
    }
}
