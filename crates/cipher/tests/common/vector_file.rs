//! Reader of the committed vector files (`tests/vectors/*.txt`): blocks of `key = value`
//! lines separated by blank lines, `#` comments. Shared by the cipher's vector tests and the
//! npm package's tests (`crates/reveal/tests/package.rs` includes this file by path).

/// One block of `key = value` lines.
pub struct Block(pub Vec<(String, String)>);

impl Block {
    /// The value of `k` (panics with the block if it is missing).
    pub fn get(&self, k: &str) -> &str {
        self.0.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("missing key {k} in {:?}", self.0))
    }
}

/// The blocks of a vector file.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(Block(std::mem::take(&mut cur)));
            }
            continue;
        }
        let (k, v) = line.split_once(" = ").or_else(|| line.strip_suffix(" =").map(|k| (k, ""))).unwrap_or_else(|| panic!("bad line {line:?}"));
        cur.push((k.to_string(), v.to_string()));
    }
    if !cur.is_empty() {
        out.push(Block(cur));
    }
    out
}

/// Lower-case hex to bytes.
pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}
