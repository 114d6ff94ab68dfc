-- replaces: CableHub.Core.Store.Migrations.0001_operational_model.sql
-- Catalog module: broadcasters, channels, packages (bouquets), plans (from the operational model, split by owner).

CREATE SCHEMA IF NOT EXISTS hub;

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

