CREATE TABLE IF NOT EXISTS marts.dim_channel
(
    channel_id         UUID                     COMMENT 'Channel id (hub.channel.id)',
    channel_code       String                   COMMENT 'Channel code',
    channel_name       String                   COMMENT 'Channel name',
    broadcaster_id     UUID                     COMMENT 'Broadcaster id (hub.broadcaster.id)',
    broadcaster_code   LowCardinality(String)   COMMENT 'Broadcaster code',
    broadcaster_name   LowCardinality(String)   COMMENT 'Broadcaster name (the party regulatory subscription reports go to)',
    genre              LowCardinality(String)   COMMENT 'Genre',
    language           LowCardinality(String)   COMMENT 'Language',
    definition         LowCardinality(String)   COMMENT 'SD | HD | UHD',
    hd_of_channel_id   Nullable(UUID)           COMMENT 'For an HD/UHD channel: the SD channel it is the HD version of',
    lcn                Int32                    COMMENT 'Logical channel number on the boxes',
    a_la_carte_price   Nullable(Decimal(18, 2)) COMMENT 'À-la-carte price per month in force now (NULL = not sold alone)',
    currency           LowCardinality(String)   COMMENT 'ISO 4217 currency of a_la_carte_price',
    free_to_air        Bool                     COMMENT 'Free-to-air channel (no broadcaster fee)',
    status             LowCardinality(String)   COMMENT 'active | retired',
    valid_from_utc     Nullable(DateTime64(6, 'UTC')) COMMENT 'Launch (UTC), NULL = always',
    valid_to_utc       Nullable(DateTime64(6, 'UTC')) COMMENT 'Closure (UTC), NULL = open-ended',
    _version           UInt64                   COMMENT 'Refresh that wrote the row; FINAL keeps the highest',
    _is_deleted        UInt8                    COMMENT '1 = the channel no longer exists (FINAL hides it)',
    _refreshed_at      DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
ORDER BY channel_id
COMMENT 'Grain: one row per channel of the line-up (current state). Incremental by watermark on channel, broadcaster. Read with FINAL.'
