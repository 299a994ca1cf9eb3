//! ISV apps, their tokens, CORS origins and shop authorizations.
