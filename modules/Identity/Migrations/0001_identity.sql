-- Identity module: staff users and subscribers' sign-in, one-time codes (activation, password reset), back-office API
-- clients with hashed secrets, and the append-only, hash-chained access audit. Customers are referenced by id only
-- (the Customers module owns hub.customer; Identity asks ICustomerDirectory).

CREATE TABLE hub.identity_user (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('staff', 'subscriber')),
    user_name        text NOT NULL UNIQUE,          -- staff: lower-case login; subscriber: the customer number
    customer_id      uuid UNIQUE,                   -- subscribers only
    display_name     text,
    email_enc        bytea,                         -- staff e-mail for password reset (AES-GCM, FieldEncryptor)
    password_hash    text,                          -- ASP.NET Core Identity PasswordHasher v3 (PBKDF2-SHA512); NULL until activated
    roles            text[] NOT NULL DEFAULT '{}',
    totp_secret_enc  bytea,                         -- RFC 6238 shared secret (encrypted)
    failed_count     integer NOT NULL DEFAULT 0,
    first_failed_at  timestamptz,
    locked_until     timestamptz,
    disabled_at      timestamptz,
    activated_at     timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK ((kind = 'subscriber') = (customer_id IS NOT NULL))
);

CREATE TABLE hub.identity_one_time_code (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES hub.identity_user (id),
    purpose     text NOT NULL CHECK (purpose IN ('activation', 'password_reset')),
    code_hash   bytea NOT NULL,                     -- SHA-256 of the code; the code itself is only sent
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL
);
CREATE INDEX identity_one_time_code_user_idx ON hub.identity_one_time_code (user_id, purpose);

CREATE TABLE hub.api_client (
    client_id     text PRIMARY KEY,
    display_name  text NOT NULL,
    scopes        text[] NOT NULL,
    revoked_at    timestamptz,
    created_at    timestamptz NOT NULL,
    created_by    text NOT NULL
);

-- Rotation without downtime: a new secret is added, the previous one stays valid until retired; at most two are live.
CREATE TABLE hub.api_client_secret (
    id           uuid PRIMARY KEY,
    client_id    text NOT NULL REFERENCES hub.api_client (client_id),
    secret_hash  text NOT NULL,
    created_at   timestamptz NOT NULL,
    retired_at   timestamptz
);
CREATE INDEX api_client_secret_client_idx ON hub.api_client_secret (client_id) WHERE retired_at IS NULL;

-- The access audit: sign-ins, failures, lockouts, token issuance, denied requests, personal-data reads, user, role and
-- client changes. Append-only (triggers refuse UPDATE, DELETE and TRUNCATE) and hash-chained: row_hash =
-- SHA-256(prev_hash || the row's fields), prev_hash = row_hash of the row before (by id); id and hashes are set by the
-- insert trigger under an advisory lock, so the chain has one order whoever inserts.
CREATE TABLE hub.access_audit (
    id              bigint PRIMARY KEY,
    at              timestamptz NOT NULL,
    event           text NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    actor           text,
    subject         text,
    source_address  text,
    route           text,
    status          integer,
    detail          text,
    prev_hash       bytea NOT NULL,
    row_hash        bytea NOT NULL
);
CREATE INDEX access_audit_at_idx ON hub.access_audit (at);

CREATE FUNCTION hub.access_audit_hash(prev bytea, id bigint, at timestamptz, event text, outcome text, actor text, subject text,
                                      source_address text, route text, status integer, detail text) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev || convert_to(concat_ws(chr(31), id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        event, outcome, coalesce(actor, ''), coalesce(subject, ''), coalesce(source_address, ''), coalesce(route, ''),
        coalesce(status::text, ''), coalesce(detail, '')), 'UTF8'))
$$;

CREATE FUNCTION hub.access_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_id bigint;
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('hub.access_audit'));
    SELECT a.id, a.row_hash INTO last_id, last_hash FROM hub.access_audit a ORDER BY a.id DESC LIMIT 1;
    NEW.id := coalesce(last_id, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, '\x'::bytea);
    NEW.row_hash := hub.access_audit_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.event, NEW.outcome, NEW.actor, NEW.subject,
                                          NEW.source_address, NEW.route, NEW.status, NEW.detail);
    RETURN NEW;
END $$;

CREATE FUNCTION hub.access_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'hub.access_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER access_audit_chain BEFORE INSERT ON hub.access_audit FOR EACH ROW EXECUTE FUNCTION hub.access_audit_chain();
CREATE TRIGGER access_audit_no_change BEFORE UPDATE OR DELETE ON hub.access_audit FOR EACH ROW EXECUTE FUNCTION hub.access_audit_append_only();
CREATE TRIGGER access_audit_no_truncate BEFORE TRUNCATE ON hub.access_audit FOR EACH STATEMENT EXECUTE FUNCTION hub.access_audit_append_only();
