-- replaces: CableHub.Core.Store.Migrations.0002_catalog_epg_vod.sql
-- VOD module: titles, rights windows, offers, purchases, one-time charges (hub.one_time_charge moves to Billing when it exists).

CREATE SCHEMA IF NOT EXISTS hub;

-- VOD: movie | series → season → episode (episodes may also hang directly under a series).
CREATE TABLE hub.vod_title (
    id                uuid PRIMARY KEY,
    code              text NOT NULL UNIQUE,
    kind              text NOT NULL CHECK (kind IN ('movie', 'series', 'season', 'episode')),
    parent_id         uuid REFERENCES hub.vod_title (id),
    title             text NOT NULL,
    titles            jsonb NOT NULL DEFAULT '{}'::jsonb,
    synopsis          text NOT NULL DEFAULT '',
    season_number     integer,
    episode_number    integer,
    release_year      integer,
    duration_minutes  integer CHECK (duration_minutes IS NULL OR duration_minutes > 0),
    rating            text,
    rating_system     text,
    genres            text[] NOT NULL DEFAULT '{}',
    languages         text[] NOT NULL DEFAULT '{}',
    status            text NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published', 'withdrawn')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT vod_title_parent CHECK ((kind IN ('movie', 'series')) = (parent_id IS NULL))
);
CREATE INDEX vod_title_parent_idx ON hub.vod_title (parent_id);

-- Licensed availability per territory (ISO 3166-1 alpha-2, or WW for worldwide); a title without
-- windows of its own inherits its parent's.
CREATE TABLE hub.vod_rights_window (
    id               uuid PRIMARY KEY,
    title_id         uuid NOT NULL REFERENCES hub.vod_title (id) ON DELETE CASCADE,
    territory        text NOT NULL CHECK (territory ~ '^[A-Z]{2}$'),
    available_from   timestamptz NOT NULL,
    available_to     timestamptz NOT NULL,
    licensor         text,
    CONSTRAINT vod_rights_window_order CHECK (available_to > available_from)
);
CREATE INDEX vod_rights_window_title_idx ON hub.vod_rights_window (title_id, territory);

-- How a title is sold: rental (access for rental_hours), purchase (kept), or included in a plan.
CREATE TABLE hub.vod_offer (
    id            uuid PRIMARY KEY,
    title_id      uuid NOT NULL REFERENCES hub.vod_title (id) ON DELETE CASCADE,
    model         text NOT NULL CHECK (model IN ('rental', 'purchase', 'included')),
    price         numeric(12, 2) CHECK (price IS NULL OR price >= 0),
    currency      char(3),
    rental_hours  integer CHECK (rental_hours IS NULL OR rental_hours > 0),
    plan_id       uuid REFERENCES hub.plan (id),
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    valid_from    timestamptz,
    valid_to      timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT vod_offer_shape CHECK (
        (model = 'rental' AND price IS NOT NULL AND currency IS NOT NULL AND rental_hours IS NOT NULL AND plan_id IS NULL)
        OR (model = 'purchase' AND price IS NOT NULL AND currency IS NOT NULL AND rental_hours IS NULL AND plan_id IS NULL)
        OR (model = 'included' AND plan_id IS NOT NULL AND price IS NULL AND rental_hours IS NULL))
);
CREATE INDEX vod_offer_title_idx ON hub.vod_offer (title_id);

CREATE TABLE hub.vod_purchase (
    id                  uuid PRIMARY KEY,
    external_id         text UNIQUE,
    customer_id         uuid NOT NULL REFERENCES hub.customer (id),
    billing_account_id  uuid NOT NULL REFERENCES hub.billing_account (id),
    title_id            uuid NOT NULL REFERENCES hub.vod_title (id),
    offer_id            uuid NOT NULL REFERENCES hub.vod_offer (id),
    model               text NOT NULL CHECK (model IN ('rental', 'purchase', 'included')),
    amount              numeric(12, 2) NOT NULL CHECK (amount >= 0),
    currency            char(3) NOT NULL,
    territory           text NOT NULL,
    purchased_at        timestamptz NOT NULL,
    access_from         timestamptz NOT NULL,
    access_until        timestamptz,
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'refunded', 'revoked'))
);
CREATE INDEX vod_purchase_customer_idx ON hub.vod_purchase (customer_id, title_id);

-- One-time charges for billing (VOD rentals and purchases now; installation fees etc. later).
CREATE TABLE hub.one_time_charge (
    id                  uuid PRIMARY KEY,
    billing_account_id  uuid NOT NULL REFERENCES hub.billing_account (id),
    customer_id         uuid NOT NULL REFERENCES hub.customer (id),
    kind                text NOT NULL,
    source_id           uuid NOT NULL,
    description         text NOT NULL,
    amount              numeric(12, 2) NOT NULL CHECK (amount >= 0),
    currency            char(3) NOT NULL,
    charged_at          timestamptz NOT NULL,
    status              text NOT NULL DEFAULT 'unbilled' CHECK (status IN ('unbilled', 'billed', 'cancelled')),
    invoice_id          uuid,
    UNIQUE (kind, source_id)
);
CREATE INDEX one_time_charge_unbilled_idx ON hub.one_time_charge (billing_account_id) WHERE status = 'unbilled';
