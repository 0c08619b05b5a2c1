-- Clients of the authorization_code grant (docs/security.md): their registered redirect URIs,
-- separated by spaces, and whether they are public (no secret; PKCE only). As in SQLite's 008.
ALTER TABLE auth_client ADD COLUMN redirect_uris text NOT NULL DEFAULT '';
ALTER TABLE auth_client ADD COLUMN public bigint NOT NULL DEFAULT 0;
