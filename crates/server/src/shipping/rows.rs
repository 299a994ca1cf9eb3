//! A shipment row, who ships it and what can be wrong with it: the row errors (with their
//! wire form and the refusal of a single-order request) and the checks that need no
//! database (empty or overlong cells, malformed ids, duplicates, carrier, number format).

use std::collections::HashMap;

use orderveil_api::carriers::{Carrier, find_carrier, normalize_tracking};
use orderveil_api::{ErrorCode, OrderStatus, SHIPMENT_COLUMNS, Shipment, ShipmentRowError};
use orderveil_cipher::OrderId;
use serde_json::{Value, json};

use super::MAX_CELL_CHARS;
use crate::clock::rfc3339;
use crate::error::AppError;
use crate::guard::{Caller, User};

/// One shipment to apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShipRow {
    /// Where the row came from, reported with its errors: the file line of an upload, 1 for
    /// a single order, the 1-based position in a list for other callers.
    pub line: u32,
    /// Order id (surrounding spaces are ignored).
    pub order_id: String,
    /// Carrier code or name, as given (see [`find_carrier`]).
    pub carrier: String,
    /// Tracking number as given (normalized with [`normalize_tracking`]).
    pub tracking_no: String,
}

/// Who applies the shipments, for the audit row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// User name (or `app:<id>`, `order-system`).
    pub name: String,
    /// User id, if a user.
    pub id: Option<i64>,
}

impl From<&User> for Actor {
    fn from(u: &User) -> Self {
        Self { name: u.username.clone(), id: Some(u.id) }
    }
}

impl From<&Caller> for Actor {
    fn from(c: &Caller) -> Self {
        Self { name: c.actor(), id: c.actor_id() }
    }
}

/// A problem with one row of [`apply_shipments`](super::apply::apply_shipments).
#[derive(Clone, Debug, PartialEq)]
pub struct RowError {
    /// The row's [`ShipRow::line`] (0: the file as a whole).
    pub line: u32,
    /// The order id as given (cut to 64 characters).
    pub order_id: String,
    /// `order_id`, `carrier`, `tracking_no`, `header` or `file`.
    pub field: &'static str,
    /// The code.
    pub code: ErrorCode,
    /// English text.
    pub message: String,
    /// Chinese text.
    pub message_zh: String,
    /// Facts (`status`, `carrier` + `format`, `first_line`).
    pub details: Option<Value>,
}

impl RowError {
    /// A problem of one row: its line, the order id as written (trimmed, cut), the column,
    /// the code and both messages.
    pub fn new(line: u32, order_id: &str, field: &'static str, code: ErrorCode, message: String, message_zh: String) -> Self {
        Self { line, order_id: cut(order_id.trim(), MAX_CELL_CHARS), field, code, message, message_zh, details: None }
    }

    pub(super) fn with(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// A problem of the whole file (line 0) or of its header (line 1).
    pub(super) fn file(line: u32, field: &'static str, code: ErrorCode, message: String, message_zh: String) -> Self {
        Self::new(line, "", field, code, message, message_zh)
    }

    /// The wire form (an item of `UPLOAD_INVALID`'s `details.errors`).
    pub fn to_api(&self) -> ShipmentRowError {
        ShipmentRowError {
            line: self.line,
            order_id: self.order_id.clone(),
            field: self.field.into(),
            code: self.code.as_str(),
            message: self.message.clone(),
            message_zh: self.message_zh.clone(),
            details: self.details.clone(),
        }
    }

    /// The refusal of a single-order request: the row's code, with its field, reason and
    /// facts in `details`.
    pub fn into_app_error(self) -> AppError {
        let mut details = json!({"field": self.field, "reason": self.message, "reason_zh": self.message_zh});
        if let (Some(Value::Object(extra)), Some(d)) = (self.details, details.as_object_mut()) {
            d.extend(extra);
        }
        // Another shop's order looks exactly like a missing one.
        if self.code == ErrorCode::OrderNotFound {
            return AppError::new(ErrorCode::OrderNotFound);
        }
        AppError::new(self.code).with(details)
    }
}

pub(super) fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The order of a row's problems: file, then the columns left to right.
pub fn field_rank(field: &str) -> u8 {
    match field {
        "file" => 0,
        "header" => 1,
        "order_id" => 2,
        "carrier" => 3,
        _ => 4,
    }
}

/// The Chinese name of a status, for messages.
pub(super) fn status_zh(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Unpaid => "待付款",
        OrderStatus::AwaitingShipment => "待发货",
        OrderStatus::Shipped => "已发货",
        OrderStatus::AfterSale => "售后中",
        OrderStatus::Completed => "已完成",
        OrderStatus::Cancelled => "已取消",
        OrderStatus::Closed => "已关闭",
    }
}

fn column_zh(field: &str) -> &'static str {
    SHIPMENT_COLUMNS.iter().find(|c| c.0 == field).map_or("", |c| c.1)
}

/// The [`Shipment`] of an order's stored columns.
pub fn shipment(carrier: String, tracking_no: String, shipped_at: i64) -> Shipment {
    let known = orderveil_api::carriers::carrier(&carrier);
    Shipment {
        carrier_name: known.map_or_else(|| carrier.clone(), |c| c.name_zh.to_string()),
        carrier_name_en: known.map_or_else(|| carrier.clone(), |c| c.name_en.to_string()),
        carrier,
        tracking_no,
        shipped_at: rfc3339(shipped_at),
    }
}

/// The problems of `rows` that need no database ([`check_cells`]'s), for a caller that
/// reports rows [`apply_shipments`](super::apply::apply_shipments) will not see.
pub fn cell_errors(rows: &[ShipRow]) -> Vec<RowError> {
    let mut errors = Vec::new();
    check_cells(rows, &mut errors);
    errors
}

/// What a row's cells say before the database is asked.
pub(super) struct Checked<'a> {
    pub(super) row: &'a ShipRow,
    pub(super) order_id: &'a str,
    pub(super) carrier: Option<&'static Carrier>,
    pub(super) tracking_no: String,
}

/// The checks that need no database: empty or overlong cells, a malformed order id, the
/// same order twice, the carrier, the number's format.
pub(super) fn check_cells<'a>(rows: &'a [ShipRow], errors: &mut Vec<RowError>) -> Vec<Checked<'a>> {
    let mut first_line: HashMap<&str, u32> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id = row.order_id.trim();
        let err = |field: &'static str, code: ErrorCode, en: String, zh: String| RowError::new(row.line, id, field, code, en, zh);
        let mut ok = true;
        for (field, value) in [("order_id", id), ("carrier", row.carrier.trim()), ("tracking_no", row.tracking_no.trim())] {
            if value.is_empty() {
                errors.push(err(field, ErrorCode::ValidationFailed, format!("The {field} cell is empty."), format!("{}为空。", column_zh(field))));
                ok = false;
            } else if value.chars().count() > MAX_CELL_CHARS {
                errors.push(err(
                    field,
                    ErrorCode::ValidationFailed,
                    format!("The {field} cell is longer than {MAX_CELL_CHARS} characters."),
                    format!("{}超过 {MAX_CELL_CHARS} 个字符。", column_zh(field)),
                ));
                ok = false;
            }
        }
        let id_ok = !id.is_empty() && id.chars().count() <= MAX_CELL_CHARS;
        if id_ok && OrderId::new(id).is_err() {
            // Not an id OrderVeil could have stored (a formula, a note): no such order.
            errors.push(err("order_id", ErrorCode::OrderNotFound, format!("Order {} was not found in this shop.", cut(id, MAX_CELL_CHARS)), format!("本店铺没有订单 {}。", cut(id, MAX_CELL_CHARS))));
            ok = false;
        } else if id_ok {
            match first_line.get(id) {
                Some(&first) => {
                    errors.push(
                        err("order_id", ErrorCode::ValidationFailed, format!("Order {id} is listed twice (first on line {first})."), format!("订单 {id} 重复出现（第 {first} 行已有）。"))
                            .with(json!({"first_line": first})),
                    );
                    ok = false;
                }
                None => {
                    first_line.insert(id, row.line);
                }
            }
        }
        let carrier_text = row.carrier.trim();
        let carrier = if carrier_text.is_empty() || carrier_text.chars().count() > MAX_CELL_CHARS {
            None
        } else {
            let c = find_carrier(carrier_text);
            if c.is_none() {
                let shown = cut(carrier_text, 32);
                errors.push(err(
                    "carrier",
                    ErrorCode::CarrierUnknown,
                    format!("Unknown carrier \"{shown}\"; use a code or name from the carrier list (e.g. SF or 顺丰速运)."),
                    format!("未知的快递公司“{shown}”，请填写快递公司列表中的代码或名称（如 SF 或 顺丰速运）。"),
                ));
                ok = false;
            }
            c
        };
        let tracking_no = normalize_tracking(&row.tracking_no);
        if let Some(c) = carrier
            && !tracking_no.is_empty()
            && row.tracking_no.trim().chars().count() <= MAX_CELL_CHARS
            && !c.accepts(&tracking_no)
        {
            // Excel shows a long all-digit number as 7.73123E+11 and saves it so in a CSV.
            let sci = tracking_no.contains("E+") && tracking_no.bytes().all(|b| b.is_ascii_digit() || b".E+".contains(&b));
            let (hint, hint_zh) = if sci {
                (" It looks like a number a spreadsheet shortened (1.23E+11): format the column as text and type it again.", "看起来被表格软件显示成了科学计数法（如 1.23E+11），请将该列设为文本格式后重新填写。")
            } else {
                ("", "")
            };
            errors.push(
                err(
                    "tracking_no",
                    ErrorCode::TrackingNumberInvalid,
                    format!("The tracking number does not match {}'s format ({}).{hint}", c.name_en, c.format_hint()),
                    format!("运单号与{}的格式不符（{}）。{hint_zh}", c.name_zh, c.format_hint_zh()),
                )
                .with(json!({"carrier": c.code, "format": c.format_hint(), "format_zh": c.format_hint_zh()})),
            );
            ok = false;
        }
        out.push(Checked { row, order_id: id, carrier: if ok { carrier } else { None }, tracking_no });
    }
    out
}
