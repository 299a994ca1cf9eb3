//! Spreadsheet files, shared by every export (the audit trail's CSV, the order export's CSV
//! and XLSX): formula neutralization, CSV with a byte order mark, and a streaming XLSX writer.
//!
//! * **Formula cells.** A text cell that starts with `=`, `+`, `-`, `@`, tab or CR is one a
//!   spreadsheet would run as a formula (CSV injection: `=HYPERLINK(…)` in a product title).
//!   [`neutralize`] puts a `'` before it, so it is shown as text; every text cell of every
//!   export goes through it, in both formats.
//! * **CSV**: UTF-8 with a BOM ([`BOM`], without it Excel reads the file as the local code
//!   page and Chinese turns into mojibake), comma-separated, CRLF line ends, fields quoted by
//!   the `csv` crate where needed (comma, quote, CR or LF; quotes doubled).
//! * **XLSX** ([`XlsxWriter`]): a minimal SpreadsheetML package written straight into a
//!   `Write` through the `zip` crate's stream writer (`ZipWriter::new_stream`: every entry is
//!   followed by a data descriptor, nothing is ever sought back to), so memory stays flat
//!   whatever the row count. Cells are `inlineStr` (no shared-strings table, which would have
//!   to hold every distinct text until the end); numbers are number cells with a style. Text
//!   is XML-escaped and stripped of the characters XML 1.0 forbids. A sheet holds at most
//!   1,048,575 data rows (Excel's limit with the header row) and at most ~3.5 GiB of XML (so
//!   no entry needs Zip64); further rows continue on another sheet with the same header.
//!   The entries are deflated at level 1: on this machine that is ~4× faster than the default
//!   level 6 for ~10 % more bytes, and the export's time is mostly deflate.

use std::borrow::Cow;
use std::io::{self, Write};

use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

/// The UTF-8 byte order mark that starts every CSV export.
pub const BOM: &str = "\u{feff}";

/// `s`, with a leading `'` if a spreadsheet would run it as a formula (it starts with `=`,
/// `+`, `-`, `@`, tab or CR).
pub fn neutralize(s: &str) -> Cow<'_, str> {
    if matches!(s.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')) { Cow::Owned(format!("'{s}")) } else { Cow::Borrowed(s) }
}

/// A CSV writer over `w`: commas, CRLF line ends, quotes only where needed. (The BOM is the
/// caller's: it goes once before the header.)
pub fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w)
}

/// Write one record of text cells, each [`neutralize`]d.
pub fn write_csv_record<W: Write, S: AsRef<str>>(w: &mut csv::Writer<W>, cells: impl IntoIterator<Item = S>) -> csv::Result<()> {
    for c in cells {
        w.write_field(neutralize(c.as_ref()).as_bytes())?;
    }
    w.write_record(None::<&[u8]>)
}

/// One cell of an XLSX row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell<'a> {
    /// Text ([`neutralize`]d, escaped).
    Text(&'a str),
    /// An amount in hundredths (fen), shown with two decimals (`329.00`) as a number.
    Cents(i64),
    /// No cell.
    Empty,
}

/// Data rows per sheet: Excel's 1,048,576 rows less the header.
pub const XLSX_MAX_DATA_ROWS: u32 = 1_048_575;
/// Uncompressed bytes of sheet XML after which the next row starts a new sheet, so that no
/// zip entry reaches 4 GiB (which would need Zip64 entries, which not every reader takes).
const XLSX_MAX_SHEET_BYTES: u64 = 3_500 * 1024 * 1024;
/// Deflate level of every entry (see the module doc).
const DEFLATE_LEVEL: i64 = 1;

const NS_MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const NS_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// Cell styles in `xl/styles.xml`: 0 default, 1 bold (header), 2 number with two decimals.
const STYLES: &str = concat!(
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">",
    "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>",
    "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>",
    "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>",
    "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>",
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>",
    "<cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>",
    "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>",
    "<xf numFmtId=\"2\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/></cellXfs>",
    "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>",
    "</styleSheet>"
);

/// `[Content_Types].xml`: every `.xml` part is a worksheet unless overridden, so it can be
/// written first, before the number of sheets is known.
const CONTENT_TYPES: &str = concat!(
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">",
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>",
    "<Default Extension=\"xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>",
    "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>",
    "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>",
    "</Types>"
);

const ROOT_RELS: &str = concat!(
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>",
    "</Relationships>"
);

/// Column letters of a 0-based index: `A`…`Z`, `AA`….
pub fn column_letters(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// May `c` appear in an XML 1.0 document? (Tab, LF, CR, and everything from U+0020 except
/// the non-characters U+FFFE and U+FFFF; Rust strings hold no surrogates.)
fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Append `s` as XML character data: `&`, `<`, `>` escaped, CR as `&#13;` (a parser would
/// turn a raw one into LF), characters XML 1.0 forbids left out.
pub fn push_xml_text(out: &mut Vec<u8>, s: &str) {
    // Fast path: most cells (ids, base64 ciphertext, masks) need nothing. Checked 32 bytes at a
    // time without an early exit, so the compiler can compare them as vectors.
    let special = |c: &[u8]| c.iter().fold(false, |acc, &b| acc | (b < 0x20) | (b == b'&') | (b == b'<') | (b == b'>') | (b == 0xef));
    if !s.as_bytes().chunks(32).any(special) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    for c in s.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '\r' => out.extend_from_slice(b"&#13;"),
            c if xml_allowed(c) => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
            _ => {}
        }
    }
}

fn push_int(out: &mut Vec<u8>, n: u64) {
    let mut b = [0u8; 20];
    let mut i = b.len();
    let mut n = n;
    loop {
        i -= 1;
        b[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&b[i..]);
}

/// `329.00`, `-0.05`.
pub fn cents_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// A streaming XLSX writer: [`XlsxWriter::new`] with the column headers, a
/// [`XlsxWriter::row`] per row, then [`XlsxWriter::finish`]. Everything goes straight
/// through deflate into `W`; only one row is buffered.
pub struct XlsxWriter<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    headers: Vec<String>,
    widths: Vec<f64>,
    sheet_name: String,
    max_data_rows: u32,
    /// Sheets started so far (the current one is the last).
    sheets: u32,
    /// Data rows in the current sheet.
    rows: u32,
    /// XML bytes written to the current sheet.
    sheet_bytes: u64,
    /// Column letters, computed once.
    letters: Vec<String>,
    buf: Vec<u8>,
}

impl<W: Write> XlsxWriter<W> {
    /// Start the package and its first sheet (named `sheet_name`; further ones get ` 2`,
    /// ` 3`, …) with a bold, frozen header row of `columns` (header, width in characters).
    pub fn new(w: W, sheet_name: &str, columns: &[(&str, f64)]) -> io::Result<Self> {
        Self::with_max_rows(w, sheet_name, columns, XLSX_MAX_DATA_ROWS)
    }

    /// [`XlsxWriter::new`] with another number of data rows per sheet (tests).
    pub fn with_max_rows(w: W, sheet_name: &str, columns: &[(&str, f64)], max_data_rows: u32) -> io::Result<Self> {
        let mut me = Self {
            zip: ZipWriter::new_stream(w),
            headers: columns.iter().map(|c| c.0.to_string()).collect(),
            widths: columns.iter().map(|c| c.1).collect(),
            sheet_name: sheet_name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(25).collect(),
            max_data_rows: max_data_rows.max(1),
            sheets: 0,
            rows: 0,
            sheet_bytes: 0,
            letters: (0..columns.len()).map(column_letters).collect(),
            buf: Vec::with_capacity(4096),
        };
        me.small_file("[Content_Types].xml", CONTENT_TYPES)?;
        me.small_file("_rels/.rels", ROOT_RELS)?;
        me.small_file("xl/styles.xml", STYLES)?;
        me.start_sheet()?;
        Ok(me)
    }

    fn options() -> SimpleFileOptions {
        SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).compression_level(Some(DEFLATE_LEVEL)).large_file(false)
    }

    fn small_file(&mut self, name: &str, body: &str) -> io::Result<()> {
        self.zip.start_file(name, Self::options())?;
        self.zip.write_all(XML_DECL.as_bytes())?;
        self.zip.write_all(body.as_bytes())
    }

    fn start_sheet(&mut self) -> io::Result<()> {
        self.sheets += 1;
        self.rows = 0;
        self.sheet_bytes = 0;
        self.zip.start_file(format!("xl/worksheets/sheet{}.xml", self.sheets), Self::options())?;
        let mut head = Vec::with_capacity(2048);
        head.extend_from_slice(XML_DECL.as_bytes());
        head.extend_from_slice(format!("<worksheet xmlns=\"{NS_MAIN}\" xmlns:r=\"{NS_REL}\">").as_bytes());
        head.extend_from_slice(
            b"<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>",
        );
        head.extend_from_slice(b"<cols>");
        for (i, w) in self.widths.iter().enumerate() {
            head.extend_from_slice(format!("<col min=\"{n}\" max=\"{n}\" width=\"{w}\" customWidth=\"1\"/>", n = i + 1).as_bytes());
        }
        head.extend_from_slice(b"</cols><sheetData><row r=\"1\">");
        for (i, h) in self.headers.iter().enumerate() {
            head.extend_from_slice(b"<c r=\"");
            head.extend_from_slice(self.letters[i].as_bytes());
            head.extend_from_slice(b"1\" t=\"inlineStr\" s=\"1\"><is><t>");
            push_xml_text(&mut head, h);
            head.extend_from_slice(b"</t></is></c>");
        }
        head.extend_from_slice(b"</row>");
        self.sheet_bytes += head.len() as u64;
        self.zip.write_all(&head)
    }

    fn end_sheet(&mut self) -> io::Result<()> {
        self.zip.write_all(b"</sheetData></worksheet>")
    }

    /// Append a row (cells in column order; fewer cells than columns leave the rest empty).
    pub fn row(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        if self.rows >= self.max_data_rows || self.sheet_bytes >= XLSX_MAX_SHEET_BYTES {
            self.end_sheet()?;
            self.start_sheet()?;
        }
        self.rows += 1;
        let r = u64::from(self.rows) + 1;
        let buf = &mut self.buf;
        buf.clear();
        buf.extend_from_slice(b"<row r=\"");
        push_int(buf, r);
        buf.extend_from_slice(b"\">");
        for (i, cell) in cells.iter().enumerate().take(self.letters.len()) {
            let (open, text): (&[u8], Cow<'_, str>) = match *cell {
                Cell::Empty => continue,
                Cell::Text(s) => (b"\" t=\"inlineStr\"><is><t", neutralize(s)),
                Cell::Cents(c) => (b"\" s=\"2\"><v>", Cow::Owned(cents_text(c))),
            };
            buf.extend_from_slice(b"<c r=\"");
            buf.extend_from_slice(self.letters[i].as_bytes());
            push_int(buf, r);
            buf.extend_from_slice(open);
            match cell {
                Cell::Text(_) => {
                    // Leading or trailing white space survives only with xml:space.
                    if text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
                        buf.extend_from_slice(b" xml:space=\"preserve\"");
                    }
                    buf.push(b'>');
                    push_xml_text(buf, &text);
                    buf.extend_from_slice(b"</t></is></c>");
                }
                _ => {
                    buf.extend_from_slice(text.as_bytes());
                    buf.extend_from_slice(b"</v></c>");
                }
            }
        }
        buf.extend_from_slice(b"</row>");
        self.sheet_bytes += buf.len() as u64;
        self.zip.write_all(&self.buf)
    }

    /// Sheets started so far.
    pub fn sheets(&self) -> u32 {
        self.sheets
    }

    /// End the last sheet, write the workbook (which names the sheets) and the zip's central
    /// directory; returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.end_sheet()?;
        let mut sheets = String::new();
        let mut rels = String::new();
        for n in 1..=self.sheets {
            let name = if n == 1 { self.sheet_name.clone() } else { format!("{} {n}", self.sheet_name) };
            let mut escaped = Vec::new();
            push_xml_text(&mut escaped, &name);
            let escaped = String::from_utf8_lossy(&escaped).replace('"', "&quot;");
            sheets.push_str(&format!("<sheet name=\"{escaped}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>"));
            rels.push_str(&format!(
                "<Relationship Id=\"rId{n}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
            ));
        }
        let styles_id = self.sheets + 1;
        rels.push_str(&format!(
            "<Relationship Id=\"rId{styles_id}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
        ));
        let workbook = format!("<workbook xmlns=\"{NS_MAIN}\" xmlns:r=\"{NS_REL}\"><sheets>{sheets}</sheets></workbook>");
        let rels = format!("<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{rels}</Relationships>");
        self.small_file("xl/workbook.xml", &workbook)?;
        self.small_file("xl/_rels/workbook.xml.rels", &rels)?;
        Ok(self.zip.finish()?.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_line(cells: &[&str]) -> String {
        let mut w = csv_writer(Vec::new());
        write_csv_record(&mut w, cells).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn formulas_are_neutralized_and_specials_quoted() {
        assert_eq!(csv_line(&["=HYPERLINK(\"x\")"]), "\"'=HYPERLINK(\"\"x\"\")\"\r\n");
        assert_eq!(csv_line(&["+1"]), "'+1\r\n");
        assert_eq!(csv_line(&["-1"]), "'-1\r\n");
        assert_eq!(csv_line(&["@a"]), "'@a\r\n");
        assert_eq!(csv_line(&["\tx"]), "'\tx\r\n");
        assert_eq!(csv_line(&["\rx"]), "\"'\rx\"\r\n");
        assert_eq!(csv_line(&["a,b", "plain", "纯棉四件套"]), "\"a,b\",plain,纯棉四件套\r\n");
        assert_eq!(neutralize("a=b"), "a=b");
    }

    #[test]
    fn xml_text_is_escaped_and_forbidden_characters_dropped() {
        let mut out = Vec::new();
        push_xml_text(&mut out, "a<b>&c\u{0}\u{1b}d\r\n\te\u{FFFE}f王");
        assert_eq!(String::from_utf8(out).unwrap(), "a&lt;b&gt;&amp;cd&#13;\n\tef王");
    }

    #[test]
    fn xlsx_continues_on_new_sheets_and_reads_back() {
        use calamine::{Data, Reader as _, Xlsx};
        let cols = [("订单号 order_id", 20.0), ("金额 amount", 10.0), ("备注 note", 30.0)];
        let mut x = XlsxWriter::with_max_rows(Vec::new(), "订单 orders", &cols, 2).unwrap();
        let notes = ["=1+1", " 前后空格 ", "a<b>&c\u{1}\r\nd", "王*", ""];
        for (i, note) in notes.iter().enumerate() {
            let id = format!("O-{i}");
            x.row(&[Cell::Text(&id), Cell::Cents(-5 + i as i64 * 1000), if note.is_empty() { Cell::Empty } else { Cell::Text(note) }]).unwrap();
        }
        assert_eq!(x.sheets(), 3);
        let bytes = x.finish().unwrap();
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), ["订单 orders", "订单 orders 2", "订单 orders 3"]);
        let mut rows = Vec::new();
        for i in 0..3 {
            let range = wb.worksheet_range_at(i).unwrap().unwrap();
            let mut it = range.rows();
            assert_eq!(it.next().unwrap(), [Data::String(cols[0].0.into()), Data::String(cols[1].0.into()), Data::String(cols[2].0.into())]);
            rows.extend(it.map(<[Data]>::to_vec));
        }
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0], [Data::String("O-0".into()), Data::Float(-0.05), Data::String("'=1+1".into())]);
        assert_eq!(rows[1][2], Data::String(" 前后空格 ".into()));
        assert_eq!(rows[2][2], Data::String("a<b>&c\r\nd".into()));
        assert_eq!(rows[3][1], Data::Float(29.95));
        assert_eq!(rows[4][2], Data::Empty);
    }

    #[test]
    fn column_letters_and_cents() {
        assert_eq!([0, 25, 26, 27, 51, 52, 701, 702].map(column_letters), ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
        assert_eq!([0, 5, 32_900, -5, 123_456_789].map(cents_text), ["0.00", "0.05", "329.00", "-0.05", "1234567.89"]);
    }
}
