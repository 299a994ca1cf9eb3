//! [`Owner`]: whose row a table holds, a shop's or a factory's.

/// Whose row: a shop's or a factory's (an e-waybill account, a top-up, an app's authorization).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner<'a> {
    /// A shop.
    Shop(&'a str),
    /// A factory (厂商代发).
    Factory(&'a str),
}

impl<'a> Owner<'a> {
    pub(crate) fn column(self) -> &'static str {
        match self {
            Self::Shop(_) => "shop_id",
            Self::Factory(_) => "factory_id",
        }
    }
    pub(crate) fn id(self) -> &'a str {
        match self {
            Self::Shop(s) | Self::Factory(s) => s,
        }
    }
    pub(crate) fn split(self) -> (Option<&'a str>, Option<&'a str>) {
        match self {
            Self::Shop(s) => (Some(s), None),
            Self::Factory(f) => (None, Some(f)),
        }
    }
}
