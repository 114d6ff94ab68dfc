-- Subscriber counts of one snapshot day, from its partition of marts.fact_entitlement_snapshot: per channel (boxes
-- receiving it by any route), per channel à la carte, and per bouquet (boxes holding it, repeated for every
-- broadcaster with a channel in the bouquet). The refresher drops the day's partition first, so a retake replaces it.
INSERT INTO marts.fact_entitlement_snapshot_count
    (snapshot_date, snapshot_at, broadcaster_id, broadcaster_code, subject, subject_id, subject_code, definition, bouquet_kind, subscribers, _refresh_version)
SELECT snapshot_date, any(snapshot_at), broadcaster_id, any(broadcaster_code), 'channel', channel_id, any(channel_code), any(definition), '',
       uniqExact(device_id), {version:UInt64}
FROM marts.fact_entitlement_snapshot
WHERE snapshot_date = {snapshot_date:Date}
GROUP BY snapshot_date, broadcaster_id, channel_id
UNION ALL
SELECT snapshot_date, any(snapshot_at), broadcaster_id, any(broadcaster_code), 'a_la_carte', channel_id, any(channel_code), any(definition), '',
       uniqExact(device_id), {version:UInt64}
FROM marts.fact_entitlement_snapshot
WHERE snapshot_date = {snapshot_date:Date} AND entitled_via = 'a_la_carte'
GROUP BY snapshot_date, broadcaster_id, channel_id
UNION ALL
SELECT b.snapshot_date, b.snapshot_at, x.broadcaster_id, x.broadcaster_code, 'bouquet', b.bouquet_id, b.bouquet_code, '', b.bouquet_kind,
       b.subscribers, {version:UInt64}
FROM
(
    SELECT snapshot_date, any(snapshot_at) AS snapshot_at, bouquet_id, any(bouquet_code) AS bouquet_code, any(bouquet_kind) AS bouquet_kind,
           uniqExact(device_id) AS subscribers
    FROM marts.fact_entitlement_snapshot
    WHERE snapshot_date = {snapshot_date:Date} AND entitled_via = 'bouquet'
    GROUP BY snapshot_date, bouquet_id
) AS b
INNER JOIN
(
    SELECT DISTINCT bouquet_id, broadcaster_id, broadcaster_code
    FROM marts.fact_entitlement_snapshot
    WHERE snapshot_date = {snapshot_date:Date} AND entitled_via = 'bouquet'
) AS x ON x.bouquet_id = b.bouquet_id
