-- replaces: CableHub.Core.Store.Migrations.0001_operational_model.sql
-- Customers module: LCOs, customers, contact media, consent, billing accounts (from the operational model, split by owner).
-- CableHub operational model (system of record). Names follow TM Forum resources.
-- Money: numeric + ISO 4217 currency. Time: timestamptz (UTC). Sensitive contact data: *_enc columns
-- hold AES-256-GCM ciphertext (see core/Security/FieldEncryptor.cs); *_hash columns hold a keyed
-- HMAC (blind index) for exact-match lookups without decrypting.

CREATE SCHEMA IF NOT EXISTS hub;

-- Local cable operators reselling under the MSO (reports break down per LCO).
CREATE TABLE hub.lco (
    id          uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    region      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- TMF629 customer / TMF632 individual.
CREATE TABLE hub.customer (
    id                  uuid PRIMARY KEY,
    customer_number     text NOT NULL UNIQUE,
    status              text NOT NULL CHECK (status IN ('prospective', 'active', 'suspended', 'inactive', 'terminated')),
    given_name_enc      bytea NOT NULL,
    family_name_enc     bytea NOT NULL,
    birth_date_enc      bytea,
    preferred_language  text NOT NULL DEFAULT 'en',
    lco_id              uuid REFERENCES hub.lco (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_lco_idx ON hub.customer (lco_id);

-- TMF629 contactMedium: e-mail, phone or postal address. The value is encrypted; the coarse parts of
-- an address that reports need (city, postal code, region, country) stay readable.
CREATE TABLE hub.contact_medium (
    id                  uuid PRIMARY KEY,
    customer_id         uuid NOT NULL REFERENCES hub.customer (id) ON DELETE CASCADE,
    medium_type         text NOT NULL CHECK (medium_type IN ('email', 'phone', 'postal_address')),
    preferred           boolean NOT NULL DEFAULT false,
    value_enc           bytea NOT NULL,
    value_hash          bytea NOT NULL,
    city                text,
    postal_code         text,
    state_or_province   text,
    country             char(2),
    valid_from          timestamptz NOT NULL DEFAULT now(),
    valid_to            timestamptz
);
CREATE INDEX contact_medium_customer_idx ON hub.contact_medium (customer_id);
CREATE INDEX contact_medium_hash_idx ON hub.contact_medium (medium_type, value_hash);

-- Consent per purpose (marketing e-mail/SMS, CAF recorded, data processing), last decision wins.
CREATE TABLE hub.consent (
    id           uuid PRIMARY KEY,
    customer_id  uuid NOT NULL REFERENCES hub.customer (id) ON DELETE CASCADE,
    purpose      text NOT NULL,
    granted      boolean NOT NULL,
    source       text NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (customer_id, purpose)
);

-- TMF666 billingAccount with its billing cycle.
CREATE TABLE hub.billing_account (
    id               uuid PRIMARY KEY,
    account_number   text NOT NULL UNIQUE,
    customer_id      uuid NOT NULL REFERENCES hub.customer (id),
    status           text NOT NULL CHECK (status IN ('active', 'suspended', 'closed')),
    currency         char(3) NOT NULL,
    bill_cycle_day   smallint NOT NULL CHECK (bill_cycle_day BETWEEN 1 AND 28),
    payment_method   text NOT NULL CHECK (payment_method IN ('online', 'cash', 'bank_transfer', 'direct_debit', 'card')),
    prepaid          boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX billing_account_customer_idx ON hub.billing_account (customer_id);

-- Human-facing numbers (customer C0000001, account A0000001) without gaps in normal operation.
CREATE SEQUENCE hub.customer_number_seq;
CREATE SEQUENCE hub.account_number_seq;
