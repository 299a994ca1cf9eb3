//! Unit tests of the rows, the file readers and the templates.

use axum::http::{HeaderMap, HeaderValue, header};
use orderveil_api::{ErrorCode, SHIPMENT_UPLOAD_MAX_ROWS};
use serde_json::json;

use super::XLSX_CONTENT_TYPE;
use super::routes::{TEMPLATE_EXAMPLE, attachment, template_csv_bytes, template_xlsx_bytes};
use super::rows::{ShipRow, check_cells, field_rank};
use super::upload::{Format, declared_format, parse_csv, parse_upload};


fn row(line: u32, id: &str, carrier: &str, no: &str) -> ShipRow {
    ShipRow { line, order_id: id.into(), carrier: carrier.into(), tracking_no: no.into() }
}

#[test]
fn cells_are_checked_without_the_database() {
    let rows = [
        row(2, "A-1", "SF", "sf 1234-5678-90123"),
        row(3, "A-2", "顺丰", "SF123"),
        row(4, "A-1", "ZTO", "773123456789"),
        row(5, "", "UPS", ""),
        row(6, "=HYPERLINK(\"x\")", "中通快递", "7.73123E+11"),
    ];
    let mut errors = Vec::new();
    let checked = check_cells(&rows, &mut errors);
    assert_eq!(checked[0].tracking_no, "SF1234567890123");
    assert_eq!(checked[0].carrier.map(|c| c.code), Some("SF"));
    errors.sort_by_key(|e| (e.line, field_rank(e.field)));
    let got: Vec<(u32, &str, ErrorCode)> = errors.iter().map(|e| (e.line, e.field, e.code)).collect();
    assert_eq!(
        got,
        [
            (3, "tracking_no", ErrorCode::TrackingNumberInvalid),
            (4, "order_id", ErrorCode::ValidationFailed),
            (5, "order_id", ErrorCode::ValidationFailed),
            (5, "carrier", ErrorCode::CarrierUnknown),
            (5, "tracking_no", ErrorCode::ValidationFailed),
            (6, "order_id", ErrorCode::OrderNotFound),
            (6, "tracking_no", ErrorCode::TrackingNumberInvalid),
        ]
    );
    assert!(errors.iter().all(|e| !e.message.is_empty() && !e.message_zh.is_ascii()));
    assert!(errors[6].message.contains("1.23E+11"), "{}", errors[6].message);
    assert_eq!(errors[1].details, Some(json!({"first_line": 2})));
}

#[test]
fn csv_headers_encodings_and_blank_rows() {
    let p = parse_csv("\u{feff}运单号,备注,订单号,快递公司\r\nSF1234567890123,=1+1,A-1,顺丰\r\n,,,\r\n\"YT 1234567890123\",\"a,b\",A-2,yto\r\n".as_bytes());
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.count, 2);
    assert_eq!(p.rows, [row(2, "A-1", "顺丰", "SF1234567890123"), row(4, "A-2", "yto", "YT 1234567890123")]);
    let (gbk, _, _) = encoding_rs::GBK.encode("订单号,快递公司,运单号\nA-1,中通快递,773123456789\n");
    let p = parse_csv(&gbk);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.rows, [row(2, "A-1", "中通快递", "773123456789")]);
    // Lines as a text editor counts them: CRLF, LF, lone CR, blank lines, quoted line breaks.
    let p = parse_csv(b"\n\norder_id,carrier,tracking_no\r\n\r\nA-1,SF,1\r\"A\n2\",SF,2\n\nA-3,SF,3");
    assert_eq!(p.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [5, 6, 9]);
    let p = parse_csv(b"Order ID,Carrier,Tracking No\n");
    assert_eq!(p.errors[0].message, "The file has a header but no rows to ship.");
    for bad in [&b""[..], b"\n\n", b"A-1,SF,SF1234567890123\n", b"\x00\x01\x02garbage\xff\xfe", b"order_id,carrier,carrier\n"] {
        let p = parse_csv(bad);
        assert!(!p.errors.is_empty() && p.rows.is_empty(), "{bad:?}");
    }
    assert_eq!(parse_upload(b"\xD0\xCF\x11\xE0rest".to_vec(), None).errors[0].code, ErrorCode::UploadInvalid);
    assert_eq!(parse_upload(b"order_id,carrier,tracking_no\n".to_vec(), Some(Format::Xlsx)).errors[0].code, ErrorCode::UploadInvalid);
}

#[test]
fn row_limit() {
    let mut text = String::from("order_id,carrier,tracking_no\n");
    for i in 0..=SHIPMENT_UPLOAD_MAX_ROWS {
        text.push_str(&format!("A-{i},SF,SF{i:013}\n"));
    }
    let p = parse_csv(text.as_bytes());
    assert_eq!((p.count as usize, p.rows.len()), (SHIPMENT_UPLOAD_MAX_ROWS + 1, SHIPMENT_UPLOAD_MAX_ROWS));
    assert_eq!(p.errors.len(), 1);
    assert_eq!(p.errors[0].details, Some(json!({"max_rows": SHIPMENT_UPLOAD_MAX_ROWS})));
}

#[test]
fn templates_read_back_and_their_example_row_checks() {
    for bytes in [template_csv_bytes(), template_xlsx_bytes().unwrap()] {
        let p = parse_upload(bytes, None);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.rows, [row(2, TEMPLATE_EXAMPLE[0], TEMPLATE_EXAMPLE[1], TEMPLATE_EXAMPLE[2])]);
        let mut errors = Vec::new();
        check_cells(&p.rows, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
    }
    assert!(template_csv_bytes().starts_with(b"\xEF\xBB\xBF"));
}

#[test]
fn content_types() {
    let h = |ct: &str| {
        let mut m = HeaderMap::new();
        m.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        m
    };
    assert_eq!(declared_format(None, &h("text/csv; charset=utf-8")).unwrap(), Some(Format::Csv));
    assert_eq!(declared_format(None, &h(XLSX_CONTENT_TYPE)).unwrap(), Some(Format::Xlsx));
    assert_eq!(declared_format(None, &HeaderMap::new()).unwrap(), None);
    assert_eq!(declared_format(Some("xlsx"), &h("text/csv")).unwrap(), Some(Format::Xlsx));
    assert!(declared_format(Some("xls"), &HeaderMap::new()).is_err());
    assert!(declared_format(None, &h("application/json")).is_err());
    assert_eq!(attachment("a.csv", "发货模板.csv").to_str().unwrap(), "attachment; filename=\"a.csv\"; filename*=UTF-8''%E5%8F%91%E8%B4%A7%E6%A8%A1%E6%9D%BF.csv");
}
