CREATE TABLE IF NOT EXISTS marts.dim_bouquet
(
    bouquet_id         UUID                     COMMENT 'Bouquet id (hub.package.id)',
    bouquet_code       String                   COMMENT 'Bouquet code',
    bouquet_name       String                   COMMENT 'Bouquet name',
    kind               LowCardinality(String)   COMMENT 'base | broadcaster_bouquet | distributor_bouquet | add_on',
    broadcaster_id     Nullable(UUID)           COMMENT 'Broadcaster of a broadcaster bouquet, NULL for distributor bouquets',
    broadcaster_code   LowCardinality(String)   COMMENT 'Broadcaster code ('''' when none)',
    price              Nullable(Decimal(18, 2)) COMMENT 'Bouquet price per billing period in force now (NULL = only inside plans)',
    currency           LowCardinality(String)   COMMENT 'ISO 4217 currency of price ('''' when no price)',
    billing_period     LowCardinality(String)   COMMENT 'monthly | quarterly | semiannual | annual',
    status             LowCardinality(String)   COMMENT 'draft | active | retired',
    channels           UInt32                   COMMENT 'Channels in the bouquet',
    pay_channels       UInt32                   COMMENT 'Of channels, those that are not free-to-air',
    a_la_carte_sum     Decimal(18, 2)           COMMENT 'Sum of the à-la-carte prices of its channels (the base of the 85% bouquet rule)',
    valid_from_utc     Nullable(DateTime64(6, 'UTC')) COMMENT 'Start of sale (UTC), NULL = always',
    valid_to_utc       Nullable(DateTime64(6, 'UTC')) COMMENT 'End of sale (UTC), NULL = open-ended',
    _version           UInt64                   COMMENT 'Refresh that wrote the row; FINAL keeps the highest',
    _is_deleted        UInt8                    COMMENT '1 = the bouquet no longer exists (FINAL hides it)',
    _refreshed_at      DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
ORDER BY bouquet_id
COMMENT 'Grain: one row per bouquet (hub.package: base packs, broadcaster and distributor bouquets, add-ons), current state. Incremental by watermark on package, package_channel, channel, broadcaster. Read with FINAL.'
