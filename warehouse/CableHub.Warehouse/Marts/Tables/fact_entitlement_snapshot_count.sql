CREATE TABLE IF NOT EXISTS marts.fact_entitlement_snapshot_count
(
    snapshot_date      Date                     COMMENT 'Snapshot day in the reporting time zone (marts.fact_entitlement_snapshot.snapshot_date)',
    snapshot_at        DateTime('{reporting_tz}') COMMENT 'Snapshot instant, shown in the reporting time zone ({reporting_tz})',
    broadcaster_id     UUID                     COMMENT 'Broadcaster the row is reported to: the channel''s broadcaster, or for a bouquet each broadcaster with a channel in it',
    broadcaster_code   LowCardinality(String)   COMMENT 'Broadcaster code',
    subject            LowCardinality(String)   COMMENT 'channel = boxes receiving the channel by any route; a_la_carte = boxes with the channel à la carte; bouquet = boxes holding the bouquet',
    subject_id         UUID                     COMMENT 'Channel id (channel, a_la_carte) or bouquet id (bouquet)',
    subject_code       String                   COMMENT 'Channel or bouquet code',
    definition         LowCardinality(String)   COMMENT 'SD | HD | UHD for channels; '''' for bouquets',
    bouquet_kind       LowCardinality(String)   COMMENT 'base | broadcaster_bouquet | distributor_bouquet | add_on for bouquets; '''' for channels',
    subscribers        UInt64                   COMMENT 'Distinct boxes (regulator subscribers) at the snapshot instant',
    _refresh_version   UInt64                   COMMENT 'Refresh that took the snapshot (marts._refresh_log.version)'
)
ENGINE = MergeTree
PARTITION BY snapshot_date
ORDER BY (snapshot_date, broadcaster_id, subject, subject_id)
COMMENT 'Grain: one row per snapshot × broadcaster × subject (channel, channel à la carte, bouquet). Counted from marts.fact_entitlement_snapshot when the snapshot is taken (same partition, replaced with it), so the monthly subscription report reads a few thousand rows instead of the snapshot rows.'
