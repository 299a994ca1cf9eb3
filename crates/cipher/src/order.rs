//! The one-call ingest: everything the server stores for one order's receiver.

use alloc::string::String;
use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{
    CryptoError, Dek, FieldCiphertext, FieldKind, IndexKey, Kek, OrderId, ShopId, WrappedDek,
    mask,
};

/// Plaintext receiver information as the order system sends it. Zeroized on drop; `Debug`
/// prints only masks.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Receiver {
    /// Receiver name.
    pub name: String,
    /// Receiver phone number.
    pub phone: String,
    /// Receiver address.
    pub address: String,
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("name", &crate::mask_name(&self.name))
            .field("phone", &crate::mask_phone(&self.phone))
            .field("address", &crate::mask_address(&self.address))
            .finish()
    }
}

impl Receiver {
    /// The plaintext of one field.
    pub fn field(&self, kind: FieldKind) -> &str {
        match kind {
            FieldKind::Phone => &self.phone,
            FieldKind::Name => &self.name,
            FieldKind::Address => &self.address,
        }
    }
}

/// One encrypted field with its masked text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedField {
    /// The ciphertext (its `Display` is the text form).
    pub ciphertext: FieldCiphertext,
    /// The masked text shown in lists.
    pub masked: String,
}

/// What the server stores for an order's receiver: no plaintext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedReceiver {
    /// The order's DEK wrapped under the primary master key.
    pub wrapped_dek: WrappedDek,
    /// Phone.
    pub phone: EncryptedField,
    /// Name.
    pub name: EncryptedField,
    /// Address.
    pub address: EncryptedField,
    /// Per-shop merge key of the receiver (Doudian's `open_address_id`).
    pub receiver_key: String,
}

impl EncryptedReceiver {
    /// The encrypted field of a kind.
    pub fn field(&self, kind: FieldKind) -> &EncryptedField {
        match kind {
            FieldKind::Phone => &self.phone,
            FieldKind::Name => &self.name,
            FieldKind::Address => &self.address,
        }
    }
}

/// Encrypt one order's receiver: a fresh DEK wrapped under `kek`, the three fields under
/// their field keys with search indexes from the shop's `index_key`, masks, and the
/// receiver key. The DEK is zeroized before returning.
pub fn encrypt_receiver(
    kek: &Kek,
    index_key: &IndexKey,
    shop: &ShopId,
    order: &OrderId,
    receiver: &Receiver,
) -> Result<EncryptedReceiver, CryptoError> {
    let dek = Dek::generate()?;
    let wrapped_dek = kek.wrap(&dek, order)?;
    let field = |kind: FieldKind| -> Result<EncryptedField, CryptoError> {
        let plain = receiver.field(kind);
        let ciphertext = FieldCiphertext::encrypt(
            &dek.field_key(kind),
            shop,
            order,
            plain,
            index_key.index_for(kind, plain),
        )?;
        Ok(EncryptedField { ciphertext, masked: mask(kind, plain) })
    };
    Ok(EncryptedReceiver {
        wrapped_dek,
        phone: field(FieldKind::Phone)?,
        name: field(FieldKind::Name)?,
        address: field(FieldKind::Address)?,
        receiver_key: index_key.receiver_key(&receiver.name, &receiver.phone, &receiver.address),
    })
}
