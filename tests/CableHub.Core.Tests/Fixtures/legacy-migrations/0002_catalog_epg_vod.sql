-- Catalog (SD/HD pairing, bouquet price and validity, effective-dated prices, price-change notices),
-- EPG (sources, channel mapping, imports, programmes) and VOD (titles, rights windows, offers,
-- purchases) plus one-time charges for billing. Every table has a primary key (CDC → warehouse).
-- Regulatory rules (bouquet floor, SD/HD, notice periods) are checked by core/Catalog/CatalogRules.cs,
-- not by constraints: they depend on the configured regulatory profile.

-- Channels: the HD (or UHD) version of an SD channel names it, so "SD and HD of the same channel" is
-- a fact, not a guess from names. Validity for launches and closures.
ALTER TABLE hub.channel
    ADD COLUMN hd_of_channel_id  uuid REFERENCES hub.channel (id),
    ADD COLUMN status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    ADD COLUMN valid_from        timestamptz,
    ADD COLUMN valid_to          timestamptz,
    ADD COLUMN updated_at        timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT channel_hd_not_self CHECK (hd_of_channel_id IS NULL OR hd_of_channel_id <> id),
    ADD CONSTRAINT channel_validity CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from);
CREATE INDEX channel_hd_of_idx ON hub.channel (hd_of_channel_id) WHERE hd_of_channel_id IS NOT NULL;

-- Bouquets (packages) get a price, a billing period and validity (TMF620 validFor).
ALTER TABLE hub.package
    ADD COLUMN description     text NOT NULL DEFAULT '',
    ADD COLUMN price           numeric(12, 2) CHECK (price IS NULL OR price >= 0),
    ADD COLUMN currency        char(3),
    ADD COLUMN billing_period  text NOT NULL DEFAULT 'monthly' CHECK (billing_period IN ('monthly', 'quarterly', 'semiannual', 'annual')),
    ADD COLUMN status          text NOT NULL DEFAULT 'active' CHECK (status IN ('draft', 'active', 'retired')),
    ADD COLUMN valid_from      timestamptz,
    ADD COLUMN valid_to        timestamptz,
    ADD COLUMN updated_at      timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT package_price_currency CHECK ((price IS NULL) = (currency IS NULL)),
    ADD CONSTRAINT package_validity CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from);
CREATE INDEX package_channel_channel_idx ON hub.package_channel (channel_id);

-- Effective-dated prices of channels (à la carte) and bouquets: the timeline behind TMF620
-- productOfferingPrice. hub.channel.a_la_carte_price / hub.package.price hold the price in force now
-- (kept in step by the price scheduler); reads for an instant use this table.
CREATE TABLE hub.catalog_price (
    id              uuid PRIMARY KEY,
    channel_id      uuid REFERENCES hub.channel (id) ON DELETE CASCADE,
    package_id      uuid REFERENCES hub.package (id) ON DELETE CASCADE,
    amount          numeric(12, 2) NOT NULL CHECK (amount >= 0),
    currency        char(3) NOT NULL,
    effective_from  timestamptz NOT NULL,
    announced_at    timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'in_force', 'cancelled')),
    applied_at      timestamptz,
    reason          text,
    created_by      text,
    CONSTRAINT catalog_price_one_item CHECK ((channel_id IS NULL) <> (package_id IS NULL))
);
CREATE UNIQUE INDEX catalog_price_channel_idx ON hub.catalog_price (channel_id, effective_from) WHERE channel_id IS NOT NULL AND status <> 'cancelled';
CREATE UNIQUE INDEX catalog_price_package_idx ON hub.catalog_price (package_id, effective_from) WHERE package_id IS NOT NULL AND status <> 'cancelled';
CREATE INDEX catalog_price_due_idx ON hub.catalog_price (effective_from) WHERE status = 'scheduled';

-- A price change announced to the subscribers who receive the channel / bouquet: durable, visible, and
-- the work list of the notification side (status pending → sent).
CREATE TABLE hub.price_change_notice (
    id                    uuid PRIMARY KEY,
    catalog_price_id      uuid NOT NULL UNIQUE REFERENCES hub.catalog_price (id),
    item_kind             text NOT NULL CHECK (item_kind IN ('channel', 'bouquet')),
    channel_id            uuid REFERENCES hub.channel (id) ON DELETE CASCADE,
    package_id            uuid REFERENCES hub.package (id) ON DELETE CASCADE,
    item_code             text NOT NULL,
    item_name             text NOT NULL,
    old_amount            numeric(12, 2),
    new_amount            numeric(12, 2) NOT NULL,
    currency              char(3) NOT NULL,
    effective_from        timestamptz NOT NULL,
    announced_at          timestamptz NOT NULL,
    notice_days           integer NOT NULL,
    regulatory_profile    text NOT NULL,
    affected_subscribers  integer NOT NULL,
    status                text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'cancelled')),
    sent_at               timestamptz
);
CREATE INDEX price_change_notice_pending_idx ON hub.price_change_notice (announced_at) WHERE status = 'pending';

-- EPG: a source (provider) with the zone of its offset-less times and its overlap policy; its channel
-- ids mapped to the line-up.
CREATE TABLE hub.epg_source (
    code                       text PRIMARY KEY,
    name                       text NOT NULL,
    time_zone                  text NOT NULL DEFAULT 'UTC',
    overlap_policy             text NOT NULL DEFAULT 'trim' CHECK (overlap_policy IN ('keep', 'trim', 'drop')),
    default_duration_minutes   integer CHECK (default_duration_minutes IS NULL OR default_duration_minutes > 0),
    created_at                 timestamptz NOT NULL DEFAULT now()
);
INSERT INTO hub.epg_source (code, name) VALUES ('default', 'Default XMLTV source');

CREATE TABLE hub.epg_channel_map (
    source_code        text NOT NULL REFERENCES hub.epg_source (code) ON DELETE CASCADE,
    source_channel_id  text NOT NULL,
    channel_id         uuid NOT NULL REFERENCES hub.channel (id) ON DELETE CASCADE,
    PRIMARY KEY (source_code, source_channel_id)
);

-- One row per import attempt (failed ones too): counts, window, the full check report.
CREATE TABLE hub.epg_import (
    id                   uuid PRIMARY KEY,
    source_code          text NOT NULL REFERENCES hub.epg_source (code),
    file_name            text NOT NULL,
    status               text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at           timestamptz NOT NULL,
    finished_at          timestamptz,
    programmes_in_file   bigint NOT NULL DEFAULT 0,
    programmes_inserted  bigint NOT NULL DEFAULT 0,
    programmes_replaced  bigint NOT NULL DEFAULT 0,
    programmes_skipped   bigint NOT NULL DEFAULT 0,
    channels             integer NOT NULL DEFAULT 0,
    unknown_channels     integer NOT NULL DEFAULT 0,
    window_from          timestamptz,
    window_to            timestamptz,
    errors               integer NOT NULL DEFAULT 0,
    warnings             integer NOT NULL DEFAULT 0,
    error                text,
    error_line           integer,
    report               jsonb
);
CREATE INDEX epg_import_started_idx ON hub.epg_import (started_at DESC);

-- The guide. Times UTC; texts per language as jsonb objects {"lang": "text"} ("" = no language);
-- title = the first title of the source; details = the source programme in full (for lossless export).
CREATE TABLE hub.epg_programme (
    id                 uuid PRIMARY KEY,
    channel_id         uuid NOT NULL REFERENCES hub.channel (id) ON DELETE CASCADE,
    start_at           timestamptz NOT NULL,
    stop_at            timestamptz NOT NULL,
    title              text NOT NULL,
    titles             jsonb NOT NULL,
    sub_title          text,
    descriptions       jsonb,
    categories         text[],
    episode_ns         text,
    season             integer,
    episode            integer,
    episode_onscreen   text,
    rating             text,
    icon_url           text,
    previously_shown   boolean NOT NULL DEFAULT false,
    premiere           boolean NOT NULL DEFAULT false,
    is_new             boolean NOT NULL DEFAULT false,
    details            jsonb,
    import_id          uuid,
    source_channel_id  text,
    CONSTRAINT epg_programme_positive CHECK (stop_at > start_at)
);
CREATE INDEX epg_programme_channel_start_idx ON hub.epg_programme (channel_id, start_at);

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
