-- TOTP replay protection (RFC 6238 §5.2): the time step of the last accepted one-time password. A code is accepted only
-- for a later step, so a code seen once (observed, phished, replayed) cannot sign in again within its validity window.
ALTER TABLE hub.identity_user ADD COLUMN totp_last_step bigint;
