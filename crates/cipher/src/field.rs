//! Field kinds.

use core::fmt;

/// A kind of receiver field. Each kind has its own delimiter in the text format, its own
/// per-order field key and its own masking and search rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FieldKind {
    /// Receiver phone number; delimiter `$`.
    Phone,
    /// Receiver name; delimiter `#`.
    Name,
    /// Receiver address; delimiter `~`.
    Address,
}

impl FieldKind {
    /// Every kind, in a fixed order.
    pub const ALL: [FieldKind; 3] = [FieldKind::Phone, FieldKind::Name, FieldKind::Address];

    /// The lower-case name used in AAD strings, key derivation info and JSON: `phone`,
    /// `name`, `address`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Name => "name",
            Self::Address => "address",
        }
    }

    /// Parse the lower-case name.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "phone" => Some(Self::Phone),
            "name" => Some(Self::Name),
            "address" => Some(Self::Address),
            _ => None,
        }
    }

    /// The delimiter of this kind in the text format.
    pub const fn delimiter(self) -> char {
        match self {
            Self::Phone => '$',
            Self::Name => '#',
            Self::Address => '~',
        }
    }

    /// The kind whose delimiter is `c`.
    pub fn from_delimiter(c: char) -> Option<Self> {
        match c {
            '$' => Some(Self::Phone),
            '#' => Some(Self::Name),
            '~' => Some(Self::Address),
            _ => None,
        }
    }

    /// The one-byte code used inside sealed grants (Doudian's `data_type`: 1 address,
    /// 2 name, 3 phone).
    pub(crate) const fn code(self) -> u8 {
        match self {
            Self::Address => 1,
            Self::Name => 2,
            Self::Phone => 3,
        }
    }

    pub(crate) fn from_code(c: u8) -> Option<Self> {
        match c {
            1 => Some(Self::Address),
            2 => Some(Self::Name),
            3 => Some(Self::Phone),
            _ => None,
        }
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for FieldKind {
    type Err = UnknownFieldKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s).ok_or(UnknownFieldKind)
    }
}

/// The string names no field kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownFieldKind;

impl fmt::Display for UnknownFieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown field kind (expected phone, name or address)")
    }
}

impl core::error::Error for UnknownFieldKind {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_delimiters_and_codes_round_trip() {
        for k in FieldKind::ALL {
            assert_eq!(FieldKind::from_name(k.as_str()), Some(k));
            assert_eq!(FieldKind::from_delimiter(k.delimiter()), Some(k));
            assert_eq!(FieldKind::from_code(k.code()), Some(k));
        }
        assert_eq!(FieldKind::from_name("Phone"), None);
        assert_eq!(FieldKind::from_delimiter('%'), None);
        assert_eq!(FieldKind::from_code(0), None);
    }
}
