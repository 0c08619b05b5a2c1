-- private_key_jwt clients whose keys are published at a URL (SMART Backend Services' jwks_url,
-- docs/security.md) rather than registered: the URL, fetched when an assertion needs it; '' for
-- none. As in PostgreSQL's 005.

ALTER TABLE auth_client ADD COLUMN jwks_uri TEXT NOT NULL DEFAULT '';
