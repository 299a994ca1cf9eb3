//! `GET /api/v1/audit`: filtered reads of the audit trail.

use orderveil_api::{AuditEntry, AuditPage, AuditQuery, ErrorCode, Role};
use serde_json::json;

use crate::auth::User;
use crate::clock::{parse_rfc3339, rfc3339};
use crate::db::{Arg, bind_all};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

type Row = (i64, String, i64, i64, String, Option<String>, String, String, Option<String>, String, String, String);

/// List events visible to `user`.
pub async fn list(state: &AppState, user: &User, q: AuditQuery) -> AppResult<AuditPage> {
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<Arg> = Vec::new();
    let add = |conds: &mut Vec<String>, args: &mut Vec<Arg>, sql: &str, v: Arg| {
        args.push(v);
        conds.push(sql.replace('?', &format!("${}", args.len())));
    };
    match user.role {
        Role::Admin => {
            if let Some(s) = q.shop_id {
                add(&mut conds, &mut args, "shop_id = ?", Arg::S(s));
            }
        }
        Role::Owner => add(&mut conds, &mut args, "shop_id = ?", Arg::S(user.own_shop()?.to_string())),
        _ => return Err(ErrorCode::Forbidden.into()),
    }
    if let Some(a) = q.actor {
        add(&mut conds, &mut args, "actor = ?", Arg::S(a));
    }
    if let Some(a) = q.action {
        add(&mut conds, &mut args, "action = ?", Arg::S(a));
    }
    if let Some(o) = q.outcome {
        add(&mut conds, &mut args, "outcome = ?", Arg::S(o));
    }
    if let Some(o) = q.order_id {
        // order_ids is a JSON array of ids; ids cannot contain quotes, and `_` (a legal id
        // character) and `%` are escaped, so this is exact.
        let o = o.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        add(&mut conds, &mut args, "order_ids LIKE ? ESCAPE '\\'", Arg::S(format!("%\"{o}\"%")));
    }
    for (name, v, op) in [("from", &q.from, ">="), ("to", &q.to, "<")] {
        if let Some(v) = v {
            let t = parse_rfc3339(v).ok_or_else(|| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": name})))?;
            add(&mut conds, &mut args, &format!("at {op} ?"), Arg::I(t));
        }
    }
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(50);
    if !(1..=200).contains(&per_page) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "per_page"})));
    }
    let where_ = if conds.is_empty() { "1 = 1".to_string() } else { conds.join(" AND ") };
    let count_sql = format!("SELECT COUNT(*) FROM audit WHERE {where_}");
    let (total,) = bind_all(sqlx::query_as::<_, (i64,)>(&count_sql), &args).fetch_one(&state.db.pool).await?;
    let sql = format!(
        "SELECT id, chain, seq, at, actor, shop_id, action, outcome, code, order_ids, details, hash FROM audit WHERE {where_} \
         ORDER BY at DESC, id DESC LIMIT {per_page} OFFSET {}",
        i64::from(page - 1) * i64::from(per_page)
    );
    let rows = bind_all(sqlx::query_as::<_, Row>(&sql), &args).fetch_all(&state.db.pool).await?;
    let entries = rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.0,
            chain: r.1,
            seq: r.2,
            at: rfc3339(r.3),
            actor: r.4,
            shop_id: r.5,
            action: r.6,
            outcome: r.7,
            code: r.8,
            order_ids: serde_json::from_str(&r.9).unwrap_or_default(),
            details: serde_json::from_str(&r.10).unwrap_or_default(),
            hash: r.11,
        })
        .collect();
    Ok(AuditPage { entries, page, per_page, total: u64::try_from(total).unwrap_or(0) })
}
