//! Shipping by hand and by batch upload (issue 7): a carrier and a tracking number per order,
//! typed in (`POST /api/v1/orders/{id}/ship`) or uploaded as a CSV or XLSX file of
//! `order_id, carrier, tracking_no` (`POST /api/v1/shipments/upload`), plus the list of
//! carriers and the upload templates.
//!
//! Both go through [`apply_shipments`], which the e-waybill path reuses: it checks every row
//! (order of the shop, awaiting shipment, not twice, known carrier, tracking number of the
//! carrier's format) and either applies all of them — orders `shipped` with carrier,
//! tracking number and time, per-status counts moved, one audit row — or reports every bad
//! row and writes nothing. All of it happens in the caller's write transaction, so a
//! database failure half-way rolls everything back too.
//!
//! An uploaded file is only data: nothing in it is evaluated (a cell starting with `=` is
//! text that fails validation like any other), an XLSX is read cell by cell as stored, after
//! its declared unpacked size was checked (no zip bomb reaches calamine), and CSV text is
//! UTF-8 (with or without BOM) or GBK (what Excel in China saves).

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use orderveil_api::carriers::{Carrier, find_carrier, normalize_tracking};
use orderveil_api::{
    ApiError, CARRIERS, CarrierInfo, ErrorCode, OrderStatus, OrderView, Permission, SHIPMENT_COLUMNS, SHIPMENT_UPLOAD_MAX_ROWS, Scope, ShipRequest, Shipment,
    ShipmentRowError, ShipmentUploadErrors, ShipmentUploadResult,
};
use orderveil_cipher::OrderId;
use serde_json::{Value, json};

use crate::audit::{self, Event};
use crate::guard::User;
use crate::clock::rfc3339;
use crate::store::{Stmt, Val, WriteTx, pow2_chunks};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, BODY_LIMIT};
use crate::guard::Caller;
use crate::state::AppState;

/// The XLSX media type.
pub const XLSX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Most bytes an uploaded XLSX may unpack to (its declared entry sizes; the zip reader
/// enforces them). A 5,000-row sheet is well under 1 MiB of XML.
pub const XLSX_MAX_UNPACKED: u64 = 32 * 1024 * 1024;

/// Longest cell text kept (in characters); longer cells are refused.
const MAX_CELL_CHARS: usize = 64;

/// Orders per multi-row statement (3 values each, plus a few).
const ROWS_PER_STATEMENT: usize = 512;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/carriers", get(list_carriers))
        .route("/api/v1/orders/{id}/ship", post(ship_order))
        .route("/api/v1/shipments/upload", post(upload_shipments))
        .route("/api/v1/shipments/template.csv", get(template_csv))
        .route("/api/v1/shipments/template.xlsx", get(template_xlsx))
}

// ---------------------------------------------------------------------------------------
// The core: check and apply a set of shipments

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

/// A problem with one row of [`apply_shipments`].
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
    fn new(line: u32, order_id: &str, field: &'static str, code: ErrorCode, message: String, message_zh: String) -> Self {
        Self { line, order_id: cut(order_id.trim(), MAX_CELL_CHARS), field, code, message, message_zh, details: None }
    }

    fn with(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// A problem of the whole file (line 0) or of its header (line 1).
    fn file(line: u32, field: &'static str, code: ErrorCode, message: String, message_zh: String) -> Self {
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

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn field_rank(field: &str) -> u8 {
    match field {
        "file" => 0,
        "header" => 1,
        "order_id" => 2,
        "carrier" => 3,
        _ => 4,
    }
}

/// The Chinese name of a status, for messages.
fn status_zh(s: OrderStatus) -> &'static str {
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

/// What a row's cells say before the database is asked.
struct Checked<'a> {
    row: &'a ShipRow,
    order_id: &'a str,
    carrier: Option<&'static Carrier>,
    tracking_no: String,
}

/// The checks that need no database: empty or overlong cells, a malformed order id, the
/// same order twice, the carrier, the number's format.
fn check_cells<'a>(rows: &'a [ShipRow], errors: &mut Vec<RowError>) -> Vec<Checked<'a>> {
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

/// Check `rows` against the shop's orders and, if every row is good, ship them all: status
/// `shipped`, carrier code, normalized tracking number, `shipped_at = updated_at = now`, the
/// shop's per-status counts moved, and ONE audit row (`action`, the order ids, the count,
/// carriers; carrier and number too for a single row) — all inside `tx`, which the caller
/// commits (or drops, to apply nothing).
///
/// Returns `Ok(Ok(order ids in row order))` when applied, `Ok(Err(every problem, by line))`
/// when any row is bad — then NOTHING was written — and `Err` for a database failure (drop
/// the transaction: whatever was written is rolled back with it).
///
/// Set-based whatever the row count: the orders are read (and on PostgreSQL locked, in
/// order-id order, so concurrent shippers never deadlock and never ship an order twice) with
/// one `IN (…)` query per 512 ids, updated with one `UPDATE … FROM (VALUES …)` per 512 rows,
/// the counts with one upsert, the audit with one row. Orders of other shops are "not found".
///
/// ```ignore
/// let mut tx = state.db.begin_write().await?;
/// let rows = [ShipRow { line: 1, order_id: id.into(), carrier: "SF".into(), tracking_no: no.into() }];
/// match apply_shipments(&mut tx, shop, &rows, &Actor::from(&user), "ship", state.now()).await? {
///     Ok(_ids) => tx.commit().await?,
///     Err(errors) => return Err(errors.swap_remove(0).into_app_error()), // tx dropped: nothing applied
/// }
/// ```
pub async fn apply_shipments(tx: &mut WriteTx<'_>, shop: &str, rows: &[ShipRow], actor: &Actor, action: &str, now: i64) -> AppResult<Result<Vec<String>, Vec<RowError>>> {
    let mut errors = Vec::new();
    let checked = check_cells(rows, &mut errors);

    // The orders named, this shop's only, locked on PostgreSQL.
    let mut ids: Vec<&str> = checked.iter().map(|c| c.order_id).filter(|id| OrderId::new(id).is_ok()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut found: HashMap<String, String> = HashMap::with_capacity(ids.len());
    for chunk in pow2_chunks(&ids, ROWS_PER_STATEMENT) {
        let mut st = Stmt::new(tx, "SELECT order_id, status FROM orders WHERE shop_id = ");
        st.arg(Val::S(shop.into())).sql(" AND order_id IN (").list(chunk.iter().map(|id| Val::S((*id).into()))).sql(") ORDER BY order_id");
        if tx.backend_name().eq_ignore_ascii_case("postgresql") {
            st.sql(" FOR UPDATE");
        }
        found.extend(st.fetch_all::<(String, String)>(tx).await?);
    }
    for c in &checked {
        if c.order_id.is_empty() || OrderId::new(c.order_id).is_err() {
            continue;
        }
        let id = c.order_id;
        match found.get(id).map(|s| OrderStatus::parse(s)) {
            None => errors.push(RowError::new(c.row.line, id, "order_id", ErrorCode::OrderNotFound, format!("Order {id} was not found in this shop."), format!("本店铺没有订单 {id}。"))),
            Some(Some(OrderStatus::AwaitingShipment)) => {}
            Some(status) => {
                let name = status.map_or("unknown", OrderStatus::as_str);
                let zh = status.map_or("未知", status_zh);
                errors.push(
                    RowError::new(
                        c.row.line,
                        id,
                        "order_id",
                        ErrorCode::OrderNotShippable,
                        format!("Order {id} is {}; only orders awaiting shipment can be shipped.", name.replace('_', " ")),
                        format!("订单 {id} 当前状态为{zh}，只有待发货的订单可以发货。"),
                    )
                    .with(json!({"status": name})),
                );
            }
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.line, field_rank(e.field)));
        return Ok(Err(errors));
    }

    // Every row is good (and every carrier known): apply.
    let good: Vec<(&str, &'static Carrier, &str)> = checked.iter().filter_map(|c| Some((c.order_id, c.carrier?, c.tracking_no.as_str()))).collect();
    if good.len() != rows.len() {
        return Err(AppError::internal("a shipment row passed the checks without a carrier"));
    }
    let sqlite = tx.backend_name().eq_ignore_ascii_case("sqlite");
    let mut updated = 0u64;
    for chunk in pow2_chunks(&good, ROWS_PER_STATEMENT) {
        let mut st = Stmt::new(tx, "WITH v (order_id, carrier, tracking_no) AS (VALUES ");
        st.rows(chunk, |s, (id, c, no)| {
            s.list([Val::S((*id).into()), Val::S(c.code.into()), Val::S((*no).into())]);
        });
        // `OR FAIL`: no statement journal on SQLite; any error rolls the transaction back.
        st.sql(if sqlite { ") UPDATE OR FAIL orders" } else { ") UPDATE orders" });
        st.sql(" SET status = 'shipped', carrier = v.carrier, tracking_no = v.tracking_no, shipped_at = ").arg(Val::I(now)).sql(", updated_at = ").arg(Val::I(now));
        st.sql(" FROM v WHERE orders.order_id = v.order_id AND orders.shop_id = ").arg(Val::S(shop.into())).sql(" AND orders.status = 'awaiting_shipment'");
        updated += st.execute(tx).await?;
    }
    if updated != good.len() as u64 {
        // Cannot happen under the row locks / the single SQLite writer; never commit a partial set.
        return Err(AppError::internal(format!("shipping updated {updated} of {} orders", good.len())));
    }
    let n = i64::try_from(good.len()).map_err(AppError::internal)?;
    // Keys in sorted order (as ingest does), so concurrent writers lock them in one order.
    let mut st = Stmt::new(tx, "INSERT INTO shop_order_counts (shop_id, status, n) VALUES ");
    st.rows([(OrderStatus::AwaitingShipment, -n), (OrderStatus::Shipped, n)], |s, (status, d)| {
        s.list([Val::S(shop.into()), Val::S(status.as_str().into()), Val::I(d)]);
    });
    st.sql(" ON CONFLICT (shop_id, status) DO UPDATE SET n = shop_order_counts.n + excluded.n");
    st.execute(tx).await?;

    let mut carriers: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, c, _) in &good {
        *carriers.entry(c.code).or_default() += 1;
    }
    let mut ev = Event::new(&actor.name, actor.id, Some(shop), action, "ok");
    ev.order_ids = good.iter().map(|g| g.0.to_string()).collect();
    ev.details = json!({"count": good.len(), "carriers": carriers});
    if let [(_, c, no)] = good.as_slice() {
        ev.details["carrier"] = json!(c.code);
        ev.details["tracking_no"] = json!(no);
    }
    audit::append(tx, now, &ev).await?;
    Ok(Ok(ev.order_ids))
}

// ---------------------------------------------------------------------------------------
// Ship by hand

/// The shop a caller ships for: owners, staff with `ship`, apps (warehouses, print
/// software) with the `ship` scope; FORBIDDEN / SCOPE_MISSING for everyone else.
pub fn shipping_shop(caller: &Caller) -> AppResult<String> {
    caller.acting_shop(Permission::Ship, Scope::Ship)
}

/// Ship one order of the caller's shop; returns the order as it is now.
pub async fn ship(state: &AppState, caller: &Caller, order_id: &str, req: ShipRequest) -> AppResult<OrderView> {
    let shop = shipping_shop(caller)?;
    let shop = shop.as_str();
    let now = state.now();
    let rows = [ShipRow { line: 1, order_id: order_id.to_string(), carrier: req.carrier, tracking_no: req.tracking_no }];
    let mut tx = state.db.begin_write().await?;
    if let Err(errors) = apply_shipments(&mut tx, shop, &rows, &Actor::from(caller), "ship", now).await? {
        let first = errors.into_iter().next().ok_or_else(|| AppError::internal("a refused shipment without a reason"))?;
        return Err(first.into_app_error());
    }
    let view = crate::orders::view_in(&mut tx, order_id.trim(), now).await?.ok_or_else(|| AppError::internal("the shipped order vanished"))?;
    tx.commit().await?;
    Ok(view)
}

// ---------------------------------------------------------------------------------------
// Upload: reading CSV and XLSX files

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
fn declared_format(q: Option<&str>, headers: &HeaderMap) -> AppResult<Option<Format>> {
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

fn upload_invalid(errors: &[RowError], rows: u32) -> AppError {
    let details = ShipmentUploadErrors { errors: errors.iter().map(RowError::to_api).collect(), rows };
    AppError::new(ErrorCode::UploadInvalid).with(serde_json::to_value(details).unwrap_or_else(|_| json!({"errors": [], "rows": rows})))
}

/// Check a whole uploaded file and apply it in one transaction, or refuse it with every
/// problem and apply nothing.
pub async fn upload(state: &AppState, caller: &Caller, declared: Option<Format>, body: Bytes) -> AppResult<ShipmentUploadResult> {
    let shop = shipping_shop(caller)?;
    let parsed = tokio::task::spawn_blocking(move || parse_upload(body.to_vec(), declared)).await.map_err(AppError::internal)?;
    if !parsed.errors.is_empty() {
        return Err(upload_invalid(&parsed.errors, parsed.count));
    }
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    match apply_shipments(&mut tx, &shop, &parsed.rows, &Actor::from(caller), "ship_batch", now).await? {
        Ok(order_ids) => {
            tx.commit().await?;
            Ok(ShipmentUploadResult { applied: u32::try_from(order_ids.len()).unwrap_or(u32::MAX), order_ids })
        }
        Err(errors) => Err(upload_invalid(&errors, parsed.count)),
    }
}

// ---------------------------------------------------------------------------------------
// Templates

/// The template's example row: an order id to replace, a carrier and a valid SF number.
pub const TEMPLATE_EXAMPLE: [&str; 3] = ["DD202611280001", "顺丰速运", "SF1234567890123"];

/// The CSV template: UTF-8 with BOM (so Excel shows the Chinese header), header, example row.
pub fn template_csv_bytes() -> Vec<u8> {
    let header = SHIPMENT_COLUMNS.iter().map(|c| c.1).collect::<Vec<_>>().join(",");
    format!("\u{feff}{header}\r\n{}\r\n", TEMPLATE_EXAMPLE.join(",")).into_bytes()
}

/// The XLSX template: the same header and example, every column formatted as text (so Excel
/// keeps long numbers as typed).
pub fn template_xlsx_bytes() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut book = Workbook::new();
    let text = XFormat::new().set_num_format("@");
    let bold = XFormat::new().set_bold().set_num_format("@");
    let sheet = book.add_worksheet();
    sheet.set_name("发货")?;
    for (col, ((_, zh), example)) in (0u16..).zip(SHIPMENT_COLUMNS.iter().zip(TEMPLATE_EXAMPLE)) {
        sheet.set_column_width(col, 22)?;
        sheet.set_column_format(col, &text)?;
        sheet.write_string_with_format(0, col, *zh, &bold)?;
        sheet.write_string_with_format(1, col, example, &text)?;
    }
    book.save_to_buffer()
}

/// `attachment` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987).
fn attachment(ascii: &str, utf8: &str) -> HeaderValue {
    let encoded: String = utf8.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

fn download(bytes: Vec<u8>, content_type: &'static str, ascii: &str, utf8: &str) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_DISPOSITION, attachment(ascii, utf8));
    resp
}

// ---------------------------------------------------------------------------------------
// Handlers

/// A raw request body whose rejections are coded errors.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> AppResult<Self> {
        Bytes::from_request(req, state).await.map(Self).map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::new(ErrorCode::PayloadTooLarge).with(json!({"max_bytes": BODY_LIMIT}))
            } else {
                AppError::new(ErrorCode::BadRequest).with(json!({"reason": "the body could not be read"}))
            }
        })
    }
}

/// `POST /api/v1/shipments/upload` query.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// `csv` or `xlsx`, when the `Content-Type` does not say.
    pub format: Option<String>,
}

/// The carriers OrderVeil knows, with their tracking-number formats.
#[utoipa::path(get, path = "/api/v1/carriers", responses((status = 200, body = Vec<CarrierInfo>), (status = 401, body = ApiError)))]
pub async fn list_carriers(_user: User) -> Json<Vec<CarrierInfo>> {
    Json(CARRIERS.iter().map(Carrier::info).collect())
}

/// Ship an order awaiting shipment by hand (owners, staff with `ship`): carrier (code or
/// name) and tracking number, checked against the carrier's formats. Audited.
#[utoipa::path(post, path = "/api/v1/orders/{id}/ship", params(("id" = String, Path)), request_body = ShipRequest,
    responses((status = 200, body = OrderView), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 409, body = ApiError, description = "ORDER_NOT_SHIPPABLE, details.status"),
              (status = 422, body = ApiError, description = "CARRIER_UNKNOWN, TRACKING_NUMBER_INVALID (details.format), VALIDATION_FAILED")))]
pub async fn ship_order(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<String>, ApiJson(req): ApiJson<ShipRequest>) -> AppResult<Json<OrderView>> {
    ship(&state, &caller, &id, req).await.map(Json)
}

/// Ship many orders from a CSV or XLSX file (owners, staff with `ship`): the raw file as the
/// body, a header row naming `order_id, carrier, tracking_no` (or `订单号, 快递公司, 运单号`)
/// in any order, at most 5,000 rows. Every row is checked; if any is bad, nothing is applied
/// and `UPLOAD_INVALID` lists every problem (`details`: `ShipmentUploadErrors`). Otherwise
/// all rows apply in one transaction with one audit row.
#[utoipa::path(post, path = "/api/v1/shipments/upload", params(UploadQuery),
    request_body(content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
                 description = "The file: CSV (UTF-8 with or without BOM, or GBK) or XLSX (first sheet)."),
    responses((status = 200, body = ShipmentUploadResult), (status = 403, body = ApiError), (status = 413, body = ApiError),
              (status = 422, body = ApiError, description = "UPLOAD_INVALID with details = ShipmentUploadErrors; VALIDATION_FAILED for an unknown format")))]
pub async fn upload_shipments(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<UploadQuery>, headers: HeaderMap, RawBody(body): RawBody) -> AppResult<Json<ShipmentUploadResult>> {
    let declared = declared_format(q.format.as_deref(), &headers)?;
    upload(&state, &caller, declared, body).await.map(Json)
}

/// The upload template as CSV (UTF-8 with BOM): header and one example row.
#[utoipa::path(get, path = "/api/v1/shipments/template.csv", responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ApiError)))]
pub async fn template_csv(_user: User) -> Response {
    download(template_csv_bytes(), "text/csv; charset=utf-8", "shipment-template.csv", "发货模板.csv")
}

/// The upload template as XLSX: header and one example row, columns formatted as text.
#[utoipa::path(get, path = "/api/v1/shipments/template.xlsx",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 401, body = ApiError)))]
pub async fn template_xlsx(_user: User) -> AppResult<Response> {
    let bytes = template_xlsx_bytes().map_err(AppError::internal)?;
    Ok(download(bytes, XLSX_CONTENT_TYPE, "shipment-template.xlsx", "发货模板.xlsx"))
}

/// The OpenAPI paths of shipping.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_carriers, ship_order, upload_shipments, template_csv, template_xlsx),
    components(schemas(CarrierInfo, ShipRequest, Shipment, ShipmentUploadResult, ShipmentUploadErrors, ShipmentRowError))
)]
pub struct ShippingDoc;

#[cfg(test)]
mod tests {
    use super::*;

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
}
