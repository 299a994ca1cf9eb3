//! The eye-icon reveal, in the page: a fresh X25519 session per click (Wasm, `getrandom` →
//! `crypto.getRandomValues`), one grant request for all the orders and fields asked for, the
//! sealed grant opened with the session's secret (used once, then dropped), and the field
//! ciphertexts of the list response decrypted here. Plaintext exists only in the returned
//! `Zeroizing` strings: it is never logged, stored or sent anywhere.

use std::rc::Rc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orderveil_api::{OrderView, QuotaToday, ReceiverFields, RevealGrantRequest};
use orderveil_cipher::{ClientSession, FieldKind, GrantError, GrantPurpose, OpenedGrant, OrderId, SealedGrant, ShopId};
use zeroize::Zeroizing;

use crate::api::{self, ApiFailure};
use crate::components::purpose;

/// One decrypted field.
pub struct Plain {
    /// The order.
    pub order_id: String,
    /// Which field.
    pub kind: FieldKind,
    /// The plaintext, zeroized when dropped.
    pub text: Zeroizing<String>,
}

/// The three fields in display order.
pub const FIELDS: [FieldKind; 3] = [FieldKind::Name, FieldKind::Phone, FieldKind::Address];

fn pick(r: &ReceiverFields, kind: FieldKind) -> Option<&str> {
    match kind {
        FieldKind::Name => Some(&r.name),
        FieldKind::Phone => Some(&r.phone),
        FieldKind::Address => Some(&r.address),
        _ => None,
    }
}

/// The masked text of one field of an order.
pub fn masked(o: &OrderView, kind: FieldKind) -> &str {
    pick(&o.masked, kind).unwrap_or("")
}

/// The page's failure for a grant that does not open (each `GrantError` its stable code).
pub fn grant_failure(e: &GrantError) -> ApiFailure {
    let code = e.code();
    match e {
        GrantError::Expired { .. } => ApiFailure::local(
            code,
            "The decryption grant expired before it was opened (is this computer's clock right?); try again.".into(),
            "解密授权在打开前已过期（请检查本机时间），请重试。".into(),
        ),
        _ => ApiFailure::local(
            code,
            format!("The decryption grant could not be opened ({code}); nothing was shown. Try again."),
            format!("解密授权无法打开（{code}），未显示任何信息，请重试。"),
        ),
    }
}

/// What a reveal brought: the plaintexts, or why not; and the quota after it, when known.
pub struct Outcome {
    /// The fields, or the refusal.
    pub result: Result<Vec<Plain>, ApiFailure>,
    /// Today's quota after the request (also after a QUOTA_EXHAUSTED refusal).
    pub quota: Option<QuotaToday>,
}

/// Reveal `fields` of `orders` (1–50, all of `shop`) with ONE grant, for the purpose chosen
/// in the header (a missing note for "other" is refused here, before anything is sent).
pub async fn reveal(csrf: &str, shop: &str, orders: &[Rc<OrderView>], fields: &[FieldKind]) -> Outcome {
    let (purpose, purpose_note) = match purpose::chosen() {
        Ok(p) => p,
        Err(e) => return Outcome { result: Err(e), quota: None },
    };
    let (mut session, client_public) = match new_session() {
        Ok(s) => s,
        Err(e) => return Outcome { result: Err(e), quota: None },
    };
    let req = RevealGrantRequest {
        order_ids: orders.iter().map(|o| o.order_id.clone()).collect(),
        fields: fields.iter().map(|f| f.as_str().to_string()).collect(),
        client_public,
        purpose: Some(purpose.as_str().to_string()),
        purpose_note,
    };
    let resp = match api::reveal_grant(csrf, &req).await {
        Ok(r) => r,
        Err(e) => {
            let quota = e.details.as_ref().and_then(|d| d.get("quota")).and_then(|q| serde_json::from_value(q.clone()).ok());
            return Outcome { result: Err(e), quota };
        }
    };
    let result = open_and_decrypt(&mut session, &resp.sealed_grant, shop, orders, fields);
    Outcome { result, quota: Some(resp.quota) }
}

/// A fresh client session (one grant) and its public key as a grant request carries it.
pub fn new_session() -> Result<(ClientSession, String), ApiFailure> {
    let session = ClientSession::new().map_err(|e| grant_failure(&e))?;
    let public = URL_SAFE_NO_PAD.encode(session.public_key());
    Ok((session, public))
}

/// Open a sealed grant with the session's secret (used once): it must be for `shop`, the shop
/// this page is logged in to (never the one the response names), and for `purpose`.
pub fn open_grant(session: &mut ClientSession, sealed: &str, shop: &str, purpose: GrantPurpose) -> Result<OpenedGrant, ApiFailure> {
    let sealed = SealedGrant::from_base64(sealed).map_err(|e| grant_failure(&e))?;
    let shop = ShopId::new(shop).map_err(|_| grant_failure(&GrantError::WrongShop))?;
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let opened = session.open(&sealed, &shop, now).map_err(|e| grant_failure(&e))?;
    if opened.purpose() != purpose {
        return Err(grant_failure(&GrantError::OrderNotCovered));
    }
    Ok(opened)
}

fn open_and_decrypt(session: &mut ClientSession, sealed: &str, shop: &str, orders: &[Rc<OrderView>], fields: &[FieldKind]) -> Result<Vec<Plain>, ApiFailure> {
    let opened = open_grant(session, sealed, shop, GrantPurpose::Reveal)?;
    let mut out = Vec::with_capacity(orders.len() * fields.len());
    for o in orders {
        let id = OrderId::new(&o.order_id).map_err(|_| grant_failure(&GrantError::OrderNotCovered))?;
        for kind in fields {
            let ct = pick(&o.ciphertext, *kind).ok_or_else(|| grant_failure(&GrantError::FieldNotCovered))?;
            let text = opened.decrypt(&id, ct).map_err(|e| grant_failure(&e))?;
            out.push(Plain { order_id: o.order_id.clone(), kind: *kind, text });
        }
    }
    Ok(out)
}
