-- Third-party (ISV) apps, shops' authorizations of them, and their tokens.
-- Secrets and tokens are stored only as SHA-256 hex of 32 random bytes.

CREATE TABLE isv_apps (
    app_id       TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    origins      TEXT NOT NULL,          -- JSON array of exact web origins
    disabled     BIGINT NOT NULL DEFAULT 0,
    created_by   BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE isv_authorizations (
    id          {{ID}},
    app_id      TEXT NOT NULL REFERENCES isv_apps(app_id),
    shop_id     TEXT NOT NULL REFERENCES shops(shop_id),
    scopes      TEXT NOT NULL,           -- comma-separated scope names
    granted_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
-- At most one live authorization of an app per shop.
CREATE UNIQUE INDEX isv_authorizations_live ON isv_authorizations (app_id, shop_id) WHERE revoked_at IS NULL;
CREATE INDEX isv_authorizations_shop ON isv_authorizations (shop_id);

CREATE TABLE isv_tokens (
    token_hash        TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,     -- 'access' or 'refresh'
    authorization_id  BIGINT NOT NULL REFERENCES isv_authorizations(id),
    scopes            TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL
);
CREATE INDEX isv_tokens_authorization ON isv_tokens (authorization_id);
