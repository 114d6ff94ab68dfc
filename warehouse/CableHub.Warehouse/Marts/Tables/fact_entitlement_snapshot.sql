CREATE TABLE IF NOT EXISTS marts.fact_entitlement_snapshot
(
    snapshot_date      Date                     COMMENT 'Snapshot day in the reporting time zone (the 7th, 14th, 21st, 28th for the monthly regulator report)',
    snapshot_at        DateTime('{reporting_tz}') COMMENT 'Snapshot instant, shown in the reporting time zone ({reporting_tz}); entitlements valid at this instant are counted',
    device_id          UUID                     COMMENT 'Entitled set-top box / card (marts.dim_device); regulator reports count subscribers as boxes',
    customer_id        UUID                     COMMENT 'Customer of the subscription (marts.dim_customer)',
    lco_id             UUID                     COMMENT 'LCO of the customer (zero UUID = none)',
    lco_code           LowCardinality(String)   COMMENT 'LCO code',
    subscription_id    UUID                     COMMENT 'Subscription the entitlement belongs to',
    plan_id            UUID                     COMMENT 'Plan of the subscription (marts.dim_plan)',
    channel_id         UUID                     COMMENT 'Channel (marts.dim_channel)',
    channel_code       LowCardinality(String)   COMMENT 'Channel code',
    definition         LowCardinality(String)   COMMENT 'SD | HD | UHD',
    free_to_air        Bool                     COMMENT 'Free-to-air channel',
    broadcaster_id     UUID                     COMMENT 'Broadcaster of the channel',
    broadcaster_code   LowCardinality(String)   COMMENT 'Broadcaster code',
    entitled_via       LowCardinality(String)   COMMENT 'bouquet = through a bouquet of the plan; a_la_carte = the channel alone',
    bouquet_id         UUID                     COMMENT 'The bouquet (marts.dim_bouquet) through which the channel is entitled; zero UUID for à la carte',
    bouquet_code       LowCardinality(String)   COMMENT 'Bouquet code ('''' for à la carte)',
    bouquet_kind       LowCardinality(String)   COMMENT 'base | broadcaster_bouquet | distributor_bouquet | add_on ('''' for à la carte)',
    _refresh_version   UInt64                   COMMENT 'Refresh that took the snapshot (marts._refresh_log.version)',
    _refreshed_at      DateTime64(3, 'UTC')     COMMENT 'When the snapshot was taken (UTC); may be later than snapshot_at (point in time from entitlement validity)'
)
ENGINE = MergeTree
PARTITION BY snapshot_date
ORDER BY (snapshot_date, broadcaster_id, channel_id, bouquet_id, device_id)
COMMENT 'Grain: one row per snapshot × device × channel × entitlement route (bouquet, or à la carte), for entitlements valid at snapshot_at. Point in time from validity intervals; taken once per configured day and local time (Marts:Snapshot); a partition is one snapshot, replaced whole when retaken. No FINAL needed.'
