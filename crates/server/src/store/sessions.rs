//! Login sessions.
