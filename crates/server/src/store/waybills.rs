//! E-waybill accounts, top-ups, allocation and print grants.
