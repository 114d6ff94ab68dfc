-- Subscriber counts of one snapshot day, from its partition of marts.fact_entitlement_snapshot, in two scans: per
-- channel (boxes receiving it by any route) and per channel à la carte (boxes taking it alone, only where there are
-- any) in one GROUP BY; per bouquet (boxes holding it), repeated for every broadcaster with a channel in the bouquet.
-- The refresher drops the day's partition first, so a retake replaces it.
INSERT INTO marts.fact_entitlement_snapshot_count
    (snapshot_date, snapshot_at, broadcaster_id, broadcaster_code, subject, subject_id, subject_code, definition, bouquet_kind, subscribers, _refresh_version)
SELECT snapshot_date, snapshot_at, broadcaster_id, broadcaster_code, counted.1, channel_id, channel_code, definition, '', counted.2, {version:UInt64}
FROM
(
    SELECT snapshot_date, any(snapshot_at) AS snapshot_at, broadcaster_id, any(broadcaster_code) AS broadcaster_code, channel_id,
           any(channel_code) AS channel_code, any(definition) AS definition,
           uniqExact(device_id) AS boxes, uniqExactIf(device_id, entitled_via = 'a_la_carte') AS a_la_carte_boxes
    FROM marts.fact_entitlement_snapshot
    WHERE snapshot_date = {snapshot_date:Date}
    GROUP BY snapshot_date, broadcaster_id, channel_id
)
ARRAY JOIN [('channel', boxes), ('a_la_carte', a_la_carte_boxes)] AS counted
WHERE counted.1 = 'channel' OR counted.2 > 0
UNION ALL
SELECT snapshot_date, snapshot_at, owner.1, owner.2, 'bouquet', bouquet_id, bouquet_code, '', bouquet_kind, subscribers, {version:UInt64}
FROM
(
    SELECT snapshot_date, any(snapshot_at) AS snapshot_at, bouquet_id, any(bouquet_code) AS bouquet_code, any(bouquet_kind) AS bouquet_kind,
           uniqExact(device_id) AS subscribers, groupUniqArray((broadcaster_id, broadcaster_code)) AS owners
    FROM marts.fact_entitlement_snapshot
    WHERE snapshot_date = {snapshot_date:Date} AND entitled_via = 'bouquet'
    GROUP BY snapshot_date, bouquet_id
)
ARRAY JOIN owners AS owner
