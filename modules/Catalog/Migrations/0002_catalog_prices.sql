-- replaces: CableHub.Core.Store.Migrations.0002_catalog_epg_vod.sql
-- Catalog module: SD/HD pairing, bouquet price and validity, effective-dated prices, price-change notices.
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

