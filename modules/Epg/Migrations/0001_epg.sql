-- replaces: CableHub.Core.Store.Migrations.0002_catalog_epg_vod.sql
-- EPG module: sources, channel mapping, imports, programmes.

CREATE SCHEMA IF NOT EXISTS hub;

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

