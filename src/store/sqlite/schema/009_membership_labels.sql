-- Security labels per user (docs/security.md): the label access an administrator granted a
-- user's membership of a tenant. '' none, 'R' restricted, 'V' very restricted (and restricted).
-- A user's token holds security-label/R or /V only when both this and the app's registration
-- allow it.

ALTER TABLE auth_membership ADD COLUMN label_access TEXT NOT NULL DEFAULT '';
