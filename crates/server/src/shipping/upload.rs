//! Reading an uploaded shipment file: CSV (UTF-8 with or without BOM, or GBK) or XLSX
//! (first sheet, declared unpacked size checked first), header columns by name in any order,
//! blank rows dropped, at most the row limit kept; nothing in a file is evaluated.

use std::io::Cursor;

use axum::http::{HeaderMap, header};
use orderveil_api::{ErrorCode, SHIPMENT_COLUMNS, SHIPMENT_UPLOAD_MAX_ROWS};
use serde_json::json;

use super::rows::{RowError, ShipRow};
use super::{XLSX_CONTENT_TYPE, XLSX_MAX_UNPACKED};
use crate::error::{AppError, AppResult};

/// The two file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated text.
    Csv,
    /// Excel 2007+ workbook (first sheet).
    Xlsx,
}

/// What a file held: its data rows (blank ones dropped), how many there were, or the
/// problems that stop it from being read at all.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Data rows, at most [`SHIPMENT_UPLOAD_MAX_ROWS`].
    pub rows: Vec<ShipRow>,
    /// Non-blank data rows in the file (may exceed the rows kept).
    pub count: u32,
    /// File or header problems; when any, `rows` is not to be applied.
    pub errors: Vec<RowError>,
}

fn file_error(en: &str, zh: &str) -> RowError {
    RowError::file(0, "file", ErrorCode::UploadInvalid, en.into(), zh.into())
}

/// The column of each upload field, from the header row's cells.
fn header_columns(cells: &[String], errors: &mut Vec<RowError>, header_line: u32) -> Option<[usize; 3]> {
    fn key(s: &str) -> String {
        s.trim().trim_start_matches('\u{feff}').chars().filter(|c| !c.is_whitespace() && !matches!(*c, '_' | '-' | '*' | '：' | ':')).flat_map(char::to_lowercase).collect()
    }
    // Primary names (SHIPMENT_COLUMNS) first, then names other order software uses.
    const NAMES: [&[&str]; 3] = [
        &["orderid", "订单号", "订单编号", "订单id", "orderno", "ordernumber"],
        &["carrier", "快递公司", "物流公司", "快递", "承运商", "carriercode"],
        &["trackingno", "运单号", "快递单号", "物流单号", "运单编号", "trackingnumber", "waybillno", "waybill"],
    ];
    let mut at: [Option<usize>; 3] = [None; 3];
    for (col, cell) in cells.iter().enumerate() {
        let k = key(cell);
        if let Some(f) = NAMES.iter().position(|names| names.contains(&k.as_str())) {
            let (en, zh) = SHIPMENT_COLUMNS[f];
            if at[f].is_some() {
                errors.push(RowError::file(
                    header_line,
                    "header",
                    ErrorCode::ValidationFailed,
                    format!("The header names the column {en} ({zh}) twice."),
                    format!("表头中“{zh}”（{en}）列出现了两次。"),
                ));
            } else {
                at[f] = Some(col);
            }
        }
    }
    let missing: Vec<(&str, &str)> = at.iter().zip(SHIPMENT_COLUMNS).filter(|(a, _)| a.is_none()).map(|(_, c)| c).collect();
    if !missing.is_empty() {
        let en = missing.iter().map(|c| c.0).collect::<Vec<_>>().join(", ");
        let zh = missing.iter().map(|c| c.1).collect::<Vec<_>>().join("、");
        errors.push(RowError::file(
            header_line,
            "header",
            ErrorCode::ValidationFailed,
            format!("The first row must be the header order_id, carrier, tracking_no (or 订单号, 快递公司, 运单号); it lacks {en}."),
            format!("第一行必须是表头：订单号、快递公司、运单号（或 order_id, carrier, tracking_no），缺少：{zh}。"),
        ));
    }
    match at {
        [Some(a), Some(b), Some(c)] if errors.is_empty() => Some([a, b, c]),
        _ => None,
    }
}

/// Collects rows after the header: drops blank ones, counts, keeps at most the limit.
struct RowSink {
    columns: Option<[usize; 3]>,
    parsed: Parsed,
}

impl RowSink {
    fn new() -> Self {
        Self { columns: None, parsed: Parsed::default() }
    }

    /// One row of the file (`line` from 1). Returns false once the header failed.
    fn push(&mut self, line: u32, cells: Vec<String>) -> bool {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return true;
        }
        let Some(cols) = self.columns else {
            self.columns = header_columns(&cells, &mut self.parsed.errors, line);
            return self.columns.is_some();
        };
        self.parsed.count = self.parsed.count.saturating_add(1);
        if self.parsed.rows.len() < SHIPMENT_UPLOAD_MAX_ROWS {
            let cell = |i: usize| cells.get(i).cloned().unwrap_or_default();
            self.parsed.rows.push(ShipRow { line, order_id: cell(cols[0]), carrier: cell(cols[1]), tracking_no: cell(cols[2]) });
        }
        true
    }

    fn finish(mut self) -> Parsed {
        let p = &mut self.parsed;
        if p.errors.is_empty() && self.columns.is_none() {
            p.errors.push(file_error(
                "The file is empty: its first row must be the header order_id, carrier, tracking_no (or 订单号, 快递公司, 运单号).",
                "文件为空：第一行必须是表头：订单号、快递公司、运单号（或 order_id, carrier, tracking_no）。",
            ));
        } else if p.errors.is_empty() && p.count == 0 {
            p.errors.push(file_error("The file has a header but no rows to ship.", "文件只有表头，没有要发货的行。"));
        } else if p.count as usize > SHIPMENT_UPLOAD_MAX_ROWS {
            p.errors.push(
                RowError::file(
                    0,
                    "file",
                    ErrorCode::ValidationFailed,
                    format!("The file has {} rows; at most {SHIPMENT_UPLOAD_MAX_ROWS} can be uploaded at once. Split it into several files.", p.count),
                    format!("文件有 {} 行，单次最多上传 {SHIPMENT_UPLOAD_MAX_ROWS} 行，请拆分成多个文件。", p.count),
                )
                .with(json!({"max_rows": SHIPMENT_UPLOAD_MAX_ROWS})),
            );
        }
        self.parsed
    }
}

/// CSV bytes as text: UTF-8 with or without BOM, else GBK (GB18030's two-byte part); or
/// why not (English, Chinese).
fn decode_text(bytes: &[u8]) -> Result<String, (&'static str, &'static str)> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GBK
            .decode_without_bom_handling_and_without_replacement(b)
            .ok_or(("The file is neither a CSV in UTF-8 or GBK nor an XLSX workbook.", "文件既不是 UTF-8 或 GBK 编码的 CSV，也不是 XLSX 工作簿。"))?
            .into_owned(),
    };
    // Control characters other than line ends and tabs: a binary file, not a table.
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(("The file is neither a CSV text file nor an XLSX workbook.", "文件既不是 CSV 文本文件，也不是 XLSX 工作簿。"));
    }
    Ok(text)
}

/// The line (from 1) a CSV record starts on. The csv crate's own line numbers lag behind
/// after a CRLF or a blank line; its byte offsets point at the record or at the end of the
/// previous one, so the line is counted from the first byte after the line ends there.
/// Offsets only grow, so the text is counted through once.
struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: u32,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        Self { text, at: 0, line: 1 }
    }

    fn line_at(&mut self, byte: u64) -> u32 {
        let mut to = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        while self.text.get(to).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            to += 1;
        }
        while self.at < to {
            // A line ends with LF, CRLF (counted at its LF) or a lone CR.
            match self.text[self.at] {
                b'\n' => self.line = self.line.saturating_add(1),
                b'\r' if self.text.get(self.at + 1) != Some(&b'\n') => self.line = self.line.saturating_add(1),
                _ => {}
            }
            self.at += 1;
        }
        self.line
    }
}

/// Read a CSV file (comma-separated, `"` quotes, first row the header).
pub fn parse_csv(bytes: &[u8]) -> Parsed {
    let text = match decode_text(bytes) {
        Ok(t) => t,
        Err((en, zh)) => return Parsed { errors: vec![file_error(en, zh)], ..Parsed::default() },
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut sink = RowSink::new();
    let mut lines = LineCounter::new(text.as_bytes());
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
                sink.parsed.errors.push(RowError::file(line, "file", ErrorCode::UploadInvalid, "This line cannot be read as CSV.".into(), "该行无法按 CSV 格式读取。".into()));
                return sink.parsed;
            }
        };
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        if !sink.push(line, record.iter().map(str::to_string).collect()) {
            break;
        }
    }
    sink.finish()
}

/// A cell as text, as the sheet stores it (a formula's stored result; nothing is evaluated).
fn cell_text(v: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef as D;
    match v {
        D::Int(i) => i.to_string(),
        // Whole numbers as typed (a 12-digit number is a number to Excel, not 7.7E+11).
        D::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        D::Float(f) => f.to_string(),
        D::String(s) | D::DateTimeIso(s) | D::DurationIso(s) => s.clone(),
        D::SharedString(s) => (*s).to_string(),
        D::Bool(b) => (if *b { "TRUE" } else { "FALSE" }).to_string(),
        D::DateTime(d) => d.to_string(),
        D::Error(e) => e.to_string(),
        D::Empty => String::new(),
    }
}

/// Columns of an XLSX row that are read (the rest are ignored).
const XLSX_MAX_COLUMNS: u32 = 256;

/// Read the first sheet of an XLSX workbook (first non-blank row the header).
pub fn parse_xlsx(bytes: Vec<u8>) -> Parsed {
    use calamine::Reader as _;
    let not_xlsx = || Parsed { errors: vec![file_error("The file is not a readable XLSX workbook.", "文件不是可读取的 XLSX 工作簿。")], ..Parsed::default() };
    // The declared unpacked sizes first: calamine reads whole entries (shared strings).
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes.as_slice())) else { return not_xlsx() };
    let mut unpacked = 0u64;
    for i in 0..zip.len() {
        match zip.by_index_raw(i) {
            Ok(f) => unpacked = unpacked.saturating_add(f.size()),
            Err(_) => return not_xlsx(),
        }
    }
    drop(zip);
    if unpacked > XLSX_MAX_UNPACKED {
        return Parsed {
            errors: vec![file_error("The workbook is too large once unpacked (at most 32 MiB); keep only the shipment columns.", "工作簿解压后过大（最多 32 MiB），请只保留发货所需的列。")],
            ..Parsed::default()
        };
    }
    let Ok(mut book) = calamine::Xlsx::new(Cursor::new(bytes)) else { return not_xlsx() };
    let Some(sheet) = book.sheet_names().into_iter().next() else { return not_xlsx() };
    let Ok(mut cells) = book.worksheet_cells_reader(&sheet) else { return not_xlsx() };
    let mut sink = RowSink::new();
    let mut row: Option<(u32, Vec<String>)> = None;
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => return not_xlsx(),
        };
        let ((r, c), text) = (cell.get_position(), cell_text(cell.get_value()));
        if c >= XLSX_MAX_COLUMNS || text.is_empty() {
            continue;
        }
        if row.as_ref().is_some_and(|(at, _)| *at != r)
            && let Some((at, values)) = row.take()
            && !sink.push(at.saturating_add(1), values)
        {
            return sink.parsed;
        }
        let (_, values) = row.get_or_insert_with(|| (r, Vec::new()));
        let c = c as usize;
        if values.len() <= c {
            values.resize(c + 1, String::new());
        }
        values[c] = text;
    }
    if let Some((at, values)) = row.take() {
        sink.push(at.saturating_add(1), values);
    }
    sink.finish()
}

/// Which format the request declares: `?format=` first, then the `Content-Type`; `None`
/// when it declares neither (`application/octet-stream`, no type): the bytes tell.
pub fn declared_format(q: Option<&str>, headers: &HeaderMap) -> AppResult<Option<Format>> {
    match q.map(str::trim) {
        Some("csv") => return Ok(Some(Format::Csv)),
        Some("xlsx") => return Ok(Some(Format::Xlsx)),
        Some(_) => return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "format", "reason": "csv or xlsx"}))),
        None => {}
    }
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match ct.as_str() {
        // Windows with Excel installed reports a .csv file as application/vnd.ms-excel.
        "text/csv" | "application/csv" | "text/plain" | "application/vnd.ms-excel" => Ok(Some(Format::Csv)),
        XLSX_CONTENT_TYPE => Ok(Some(Format::Xlsx)),
        "" | "application/octet-stream" => Ok(None),
        _ => Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "Content-Type", "reason": format!("text/csv or {XLSX_CONTENT_TYPE} (or ?format=csv|xlsx)")}))),
    }
}

/// Read an uploaded file. The bytes decide between the formats (a browser may label a CSV
/// as `application/vnd.ms-excel`); a file declared XLSX that is not a zip is refused as such.
pub fn parse_upload(bytes: Vec<u8>, declared: Option<Format>) -> Parsed {
    if bytes.starts_with(b"PK\x03\x04") {
        return parse_xlsx(bytes);
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Parsed {
            errors: vec![file_error("Excel 97-2003 workbooks (.xls) are not supported; save the file as .xlsx or CSV.", "不支持 Excel 97-2003 工作簿（.xls），请另存为 .xlsx 或 CSV 格式。")],
            ..Parsed::default()
        };
    }
    if declared == Some(Format::Xlsx) && !bytes.is_empty() {
        return Parsed { errors: vec![file_error("The file is not a readable XLSX workbook.", "文件不是可读取的 XLSX 工作簿。")], ..Parsed::default() };
    }
    parse_csv(&bytes)
}
