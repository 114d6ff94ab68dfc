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

-- Catalog: broadcasters, channels, packages (bouquets), plans (TMF620 productOffering + price).
CREATE TABLE hub.broadcaster (
    id          uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL
);

CREATE TABLE hub.channel (
    id                 uuid PRIMARY KEY,
    code               text NOT NULL UNIQUE,
    name               text NOT NULL,
    broadcaster_id     uuid NOT NULL REFERENCES hub.broadcaster (id),
    genre              text NOT NULL,
    language           text NOT NULL,
    definition         text NOT NULL CHECK (definition IN ('SD', 'HD', 'UHD')),
    lcn                integer NOT NULL UNIQUE,
    cas_product_id     text NOT NULL UNIQUE,
    a_la_carte_price   numeric(12, 2),
    currency           char(3) NOT NULL,
    free_to_air        boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hub.package (
    id              uuid PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    name            text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('base', 'broadcaster_bouquet', 'distributor_bouquet', 'add_on')),
    broadcaster_id  uuid REFERENCES hub.broadcaster (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hub.package_channel (
    package_id  uuid NOT NULL REFERENCES hub.package (id) ON DELETE CASCADE,
    channel_id  uuid NOT NULL REFERENCES hub.channel (id),
    PRIMARY KEY (package_id, channel_id)
);

CREATE TABLE hub.plan (
    id              uuid PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    name            text NOT NULL,
    description     text NOT NULL DEFAULT '',
    price           numeric(12, 2) NOT NULL CHECK (price >= 0),
    currency        char(3) NOT NULL,
    billing_period  text NOT NULL CHECK (billing_period IN ('monthly', 'quarterly', 'semiannual', 'annual')),
    status          text NOT NULL CHECK (status IN ('active', 'retired')),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hub.plan_package (
    plan_id     uuid NOT NULL REFERENCES hub.plan (id) ON DELETE CASCADE,
    package_id  uuid NOT NULL REFERENCES hub.package (id),
    PRIMARY KEY (plan_id, package_id)
);

-- Equipment: stock locations and serial-level devices (STBs, smart cards).
CREATE TABLE hub.stock_location (
    id          uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('warehouse', 'van', 'premises'))
);

CREATE TABLE hub.device (
    id                 uuid PRIMARY KEY,
    serial_number      text NOT NULL UNIQUE,
    kind               text NOT NULL CHECK (kind IN ('stb', 'smart_card')),
    model_code         text NOT NULL,
    cas_id             text UNIQUE,
    status             text NOT NULL CHECK (status IN ('ordered', 'in_transit', 'in_stock', 'reserved', 'installed', 'returned', 'refurbishing', 'rma', 'scrapped')),
    activation_state   text NOT NULL DEFAULT 'inactive' CHECK (activation_state IN ('inactive', 'active', 'suspended')),
    location_id        uuid REFERENCES hub.stock_location (id),
    paired_device_id   uuid REFERENCES hub.device (id),
    customer_id        uuid REFERENCES hub.customer (id),
    reserved_for       uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_stock_idx ON hub.device (kind, status, location_id);
CREATE INDEX device_customer_idx ON hub.device (customer_id);

-- TMF622 productOrder: one order, its items and its state history.
CREATE TABLE hub.product_order (
    id               uuid PRIMARY KEY,
    external_id      text,
    state            text NOT NULL CHECK (state IN ('acknowledged', 'rejected', 'pending', 'held', 'inProgress', 'cancelled', 'completed', 'failed', 'partial')),
    state_reason     text,
    customer_id      uuid NOT NULL REFERENCES hub.customer (id),
    billing_account_id uuid REFERENCES hub.billing_account (id),
    channel          text NOT NULL DEFAULT 'api',
    correlation_id   text NOT NULL,
    requested_at     timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_order_customer_idx ON hub.product_order (customer_id);
CREATE UNIQUE INDEX product_order_external_idx ON hub.product_order (external_id) WHERE external_id IS NOT NULL;

CREATE TABLE hub.product_order_item (
    order_id    uuid NOT NULL REFERENCES hub.product_order (id) ON DELETE CASCADE,
    item_id     text NOT NULL,
    action      text NOT NULL CHECK (action IN ('add', 'modify', 'delete', 'noChange')),
    plan_id     uuid NOT NULL REFERENCES hub.plan (id),
    quantity    integer NOT NULL DEFAULT 1 CHECK (quantity > 0),
    state       text NOT NULL,
    PRIMARY KEY (order_id, item_id)
);

CREATE TABLE hub.product_order_state_change (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   uuid NOT NULL REFERENCES hub.product_order (id) ON DELETE CASCADE,
    state      text NOT NULL,
    reason     text,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_order_state_change_order_idx ON hub.product_order_state_change (order_id);

-- TMF637 product inventory: the customer's subscription to a plan.
CREATE TABLE hub.subscription (
    id                  uuid PRIMARY KEY,
    customer_id         uuid NOT NULL REFERENCES hub.customer (id),
    billing_account_id  uuid NOT NULL REFERENCES hub.billing_account (id),
    plan_id             uuid NOT NULL REFERENCES hub.plan (id),
    order_id            uuid REFERENCES hub.product_order (id),
    device_id           uuid REFERENCES hub.device (id),
    status              text NOT NULL CHECK (status IN ('created', 'pending_active', 'active', 'suspended', 'terminated', 'cancelled')),
    start_at            timestamptz,
    end_at              timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscription_customer_idx ON hub.subscription (customer_id);
CREATE INDEX subscription_plan_status_idx ON hub.subscription (plan_id, status);

-- Entitlements: device × channel with validity (what the CAS was told).
CREATE TABLE hub.entitlement (
    id               uuid PRIMARY KEY,
    device_id        uuid NOT NULL REFERENCES hub.device (id),
    channel_id       uuid NOT NULL REFERENCES hub.channel (id),
    subscription_id  uuid NOT NULL REFERENCES hub.subscription (id),
    valid_from       timestamptz NOT NULL,
    valid_to         timestamptz,
    UNIQUE (device_id, channel_id, subscription_id, valid_from)
);
CREATE INDEX entitlement_device_idx ON hub.entitlement (device_id) WHERE valid_to IS NULL;
CREATE INDEX entitlement_subscription_idx ON hub.entitlement (subscription_id);

-- Human-facing numbers (customer C0000001, account A0000001) without gaps in normal operation.
CREATE SEQUENCE hub.customer_number_seq;
CREATE SEQUENCE hub.account_number_seq;
