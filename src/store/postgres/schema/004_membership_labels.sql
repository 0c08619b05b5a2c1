-- Security labels per user (docs/security.md), as SQLite's 009: the label access an
-- administrator granted a user's membership of a tenant. '' none, 'R' restricted, 'V' very
-- restricted (and restricted).
ALTER TABLE auth_membership ADD COLUMN label_access text NOT NULL DEFAULT '';
