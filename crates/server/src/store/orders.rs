//! Orders: ingest writes, the masked list and its filters, reads by id, status.
