//! Identifiers that can only hold valid values ("parse, don't validate").
//!
//! Shop and order ids are embedded in AAD strings separated by `|`, so their alphabet is
//! restricted to `[A-Za-z0-9_-]`, 1 to 64 characters: the AAD is unambiguous.

use alloc::string::String;
use core::fmt;

/// Why a string is not a valid shop or order id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdError {
    /// Empty.
    Empty,
    /// Longer than 64 bytes.
    TooLong,
    /// Contains a character outside `[A-Za-z0-9_-]`.
    InvalidChar,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "id is empty",
            Self::TooLong => "id is longer than 64 characters",
            Self::InvalidChar => "id may contain only A-Z, a-z, 0-9, '_' and '-'",
        })
    }
}

impl core::error::Error for IdError {}

/// Maximum length of an id, in bytes.
pub(crate) const MAX_ID_LEN: usize = 64;

fn check(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong);
    }
    if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(IdError::InvalidChar);
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Parse an id; see the module docs for the alphabet.
            pub fn new(s: &str) -> Result<Self, IdError> {
                check(s)?;
                Ok(Self(String::from(s)))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl core::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A shop id, e.g. `shop1` or `S20210801`.
    ShopId
);
id_type!(
    /// An order id, e.g. `6921345678901234567`.
    OrderId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_only_the_safe_alphabet() {
        assert!(OrderId::new("6921345678901234567").is_ok());
        assert!(ShopId::new("shop_1-a").is_ok());
        assert_eq!(OrderId::new(""), Err(IdError::Empty));
        assert_eq!(OrderId::new("a|b"), Err(IdError::InvalidChar));
        assert_eq!(OrderId::new("订单1"), Err(IdError::InvalidChar));
        assert_eq!(OrderId::new("a b"), Err(IdError::InvalidChar));
        assert!(OrderId::new(&"9".repeat(64)).is_ok());
        assert_eq!(OrderId::new(&"9".repeat(65)), Err(IdError::TooLong));
    }
}
