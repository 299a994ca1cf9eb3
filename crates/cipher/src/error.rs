//! Error types. Crypto failures are opaque on purpose; parse failures concern public text and
//! say exactly what is wrong.

use core::fmt;

use crate::FieldKind;

/// An AEAD operation failed (wrong key, wrong AAD, tampered or truncated data), or the
/// system random generator failed. Deliberately carries no detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CryptoError;

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cryptographic operation failed")
    }
}

impl core::error::Error for CryptoError {}

/// Why a string is not a valid field ciphertext. See `docs/ciphertext-format.md`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The input is empty.
    Empty,
    /// The input is longer than [`crate::MAX_CIPHERTEXT_LEN`] bytes.
    TooLong {
        /// Length of the input in bytes.
        len: usize,
        /// The maximum accepted.
        max: usize,
    },
    /// The first character is not one of the field delimiters `$`, `#`, `~`.
    UnknownDelimiter {
        /// The character found (U+FFFD stands for "nothing").
        found: char,
    },
    /// The input does not end with the doubled delimiter (`$$`, `##`, `~~`).
    MissingTerminator,
    /// The body does not have exactly three segments (index, payload, version).
    SegmentCount {
        /// How many segments were found.
        found: usize,
    },
    /// A segment is not canonical unpadded base64url.
    InvalidBase64 {
        /// Which segment.
        segment: Segment,
    },
    /// The search-index segment has a length that the field kind does not allow.
    IndexLength {
        /// The field kind.
        kind: FieldKind,
        /// Decoded length in bytes.
        len: usize,
    },
    /// The version segment is not a decimal number from 1 to 9999 without leading zeros.
    InvalidVersion,
    /// A well-formed version that this build cannot open.
    UnsupportedVersion {
        /// The version found.
        version: u32,
    },
    /// The payload is shorter than nonce + tag.
    PayloadTooShort {
        /// Decoded length in bytes.
        len: usize,
    },
}

/// A segment of a field ciphertext.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// The search index.
    Index,
    /// The encrypted payload.
    Payload,
}

impl ParseError {
    /// Stable error code, shared with the server and the JS package.
    pub fn code(&self) -> &'static str {
        "CIPHERTEXT_INVALID"
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("ciphertext is empty"),
            Self::TooLong { len, max } => write!(f, "ciphertext is {len} bytes, more than {max}"),
            Self::UnknownDelimiter { found } => {
                write!(f, "ciphertext starts with {found:?}, not one of '$', '#', '~'")
            }
            Self::MissingTerminator => f.write_str("ciphertext does not end with its doubled delimiter"),
            Self::SegmentCount { found } => {
                write!(f, "ciphertext has {found} segments, expected 3 (index, payload, version)")
            }
            Self::InvalidBase64 { segment } => {
                write!(f, "ciphertext {segment:?} segment is not canonical unpadded base64url")
            }
            Self::IndexLength { kind, len } => {
                write!(f, "search index of {len} bytes is not valid for a {kind} field")
            }
            Self::InvalidVersion => f.write_str("ciphertext version is not a number from 1 to 9999"),
            Self::UnsupportedVersion { version } => {
                write!(f, "ciphertext version {version} is not supported")
            }
            Self::PayloadTooShort { len } => {
                write!(f, "ciphertext payload of {len} bytes is shorter than nonce and tag")
            }
        }
    }
}

impl core::error::Error for ParseError {}

/// Why a grant could not be sealed, opened or used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GrantError {
    /// The sealed grant is truncated or has an unknown wire version.
    Malformed,
    /// The peer's public key is of low order, or the shared secret is all zeros.
    WeakKey,
    /// Authentication failed: tampered, truncated, sealed to another session, or a
    /// header/body mismatch. Opaque on purpose.
    Crypto,
    /// The grant was issued for another shop than the one the page expects.
    WrongShop,
    /// The grant's expiry (unix seconds) has passed.
    Expired {
        /// When it expired, unix seconds.
        expires_at: i64,
    },
    /// The client session already opened (or tried to open) a grant; its secret is gone.
    SessionUsed,
    /// A grant body to seal breaks a limit (0 or more than 50 orders, no keys, duplicates,
    /// over-long binding).
    InvalidBody,
    /// The grant does not cover this order.
    OrderNotCovered,
    /// The grant covers the order but not this field.
    FieldNotCovered,
    /// The ciphertext does not parse.
    Ciphertext(ParseError),
    /// The ciphertext parses but does not open with the grant's key for this shop and order
    /// (moved to another order, shop or field, or tampered).
    CiphertextMismatch,
    /// The system random generator failed.
    Random,
}

impl GrantError {
    /// Stable error code, shared with the server and the JS package.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "GRANT_MALFORMED",
            Self::WeakKey => "PUBLIC_KEY_WEAK",
            Self::Crypto => "GRANT_INVALID",
            Self::WrongShop => "GRANT_SHOP_MISMATCH",
            Self::Expired { .. } => "GRANT_EXPIRED",
            Self::SessionUsed => "GRANT_SESSION_USED",
            Self::InvalidBody => "GRANT_BODY_INVALID",
            Self::OrderNotCovered => "GRANT_ORDER_NOT_COVERED",
            Self::FieldNotCovered => "GRANT_FIELD_NOT_COVERED",
            Self::Ciphertext(_) => "CIPHERTEXT_INVALID",
            Self::CiphertextMismatch => "CIPHERTEXT_MISMATCH",
            Self::Random => "RANDOM_UNAVAILABLE",
        }
    }
}

impl fmt::Display for GrantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("sealed grant is truncated or of an unknown version"),
            Self::WeakKey => f.write_str("public key is of low order or yields an all-zero secret"),
            Self::Crypto => f.write_str("grant failed authentication"),
            Self::WrongShop => f.write_str("grant was issued for another shop"),
            Self::Expired { expires_at } => write!(f, "grant expired at {expires_at}"),
            Self::SessionUsed => f.write_str("client session was already used"),
            Self::InvalidBody => f.write_str("grant body breaks a limit"),
            Self::OrderNotCovered => f.write_str("grant does not cover this order"),
            Self::FieldNotCovered => f.write_str("grant does not cover this field"),
            Self::Ciphertext(e) => write!(f, "invalid ciphertext: {e}"),
            Self::CiphertextMismatch => {
                f.write_str("ciphertext does not belong to this shop, order and field")
            }
            Self::Random => f.write_str("system random generator failed"),
        }
    }
}

impl core::error::Error for GrantError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Ciphertext(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ParseError> for GrantError {
    fn from(e: ParseError) -> Self {
        Self::Ciphertext(e)
    }
}
