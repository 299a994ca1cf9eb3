-- Apps a factory authorizes: an authorization belongs to a shop or to a factory, exactly one.
-- A factory's app allocates, prints and ships for the factory's assigned orders only; it never
-- reveals (the authorization refuses the `reveal` scope).
-- postgres: ALTER TABLE isv_authorizations ALTER COLUMN shop_id DROP NOT NULL;
-- postgres: ALTER TABLE isv_authorizations ADD COLUMN factory_id TEXT REFERENCES factories(factory_id);
-- postgres: ALTER TABLE isv_authorizations ADD CONSTRAINT isv_authorizations_one_tenant CHECK ((shop_id IS NULL) <> (factory_id IS NULL));
-- sqlite: CREATE TABLE isv_authorizations_v17 (id INTEGER PRIMARY KEY AUTOINCREMENT, app_id TEXT NOT NULL REFERENCES isv_apps(app_id), shop_id TEXT REFERENCES shops(shop_id), factory_id TEXT REFERENCES factories(factory_id), scopes TEXT NOT NULL, granted_by TEXT NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT, purposes TEXT NOT NULL DEFAULT '', CHECK ((shop_id IS NULL) <> (factory_id IS NULL)));
-- sqlite: INSERT INTO isv_authorizations_v17 (id, app_id, shop_id, scopes, granted_by, created_at, revoked_at, purposes) SELECT id, app_id, shop_id, scopes, granted_by, created_at, revoked_at, purposes FROM isv_authorizations;
-- sqlite: DROP TABLE isv_authorizations;
-- sqlite: ALTER TABLE isv_authorizations_v17 RENAME TO isv_authorizations;
-- sqlite: CREATE UNIQUE INDEX isv_authorizations_live ON isv_authorizations (app_id, shop_id) WHERE revoked_at IS NULL;
-- sqlite: CREATE INDEX isv_authorizations_shop ON isv_authorizations (shop_id);
-- At most one live authorization of an app per factory.
CREATE UNIQUE INDEX isv_authorizations_live_factory ON isv_authorizations (app_id, factory_id) WHERE revoked_at IS NULL AND factory_id IS NOT NULL;
CREATE INDEX isv_authorizations_factory ON isv_authorizations (factory_id);
