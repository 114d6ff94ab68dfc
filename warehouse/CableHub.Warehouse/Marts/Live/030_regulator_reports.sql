-- Monthly subscriber reports for broadcasters and the regulator (TRAI: the average of the counts on the 7th, 14th,
-- 21st and 28th at the configured evening time). Subscribers = boxes. Read from marts.fact_entitlement_snapshot_count
-- (distinct boxes per snapshot × broadcaster × channel / bouquet, counted once when the snapshot is taken), not from the
-- snapshot rows themselves: a few thousand rows per month whatever the number of subscribers.

CREATE OR REPLACE VIEW marts.report_channel_subscribers_monthly AS
SELECT
    toStartOfMonth(snapshot_date)                     AS month,
    broadcaster_code,
    subject_code                                      AS channel_code,
    any(definition)                                   AS definition,
    count()                                           AS snapshots,
    round(avg(subscribers))                           AS average_subscribers,
    arraySort(groupArray((snapshot_date, subscribers))) AS per_snapshot
FROM marts.fact_entitlement_snapshot_count
WHERE subject = 'channel'
GROUP BY month, broadcaster_code, channel_code
COMMENT 'Per month and channel: boxes entitled at each snapshot (per_snapshot) and their average (the reported figure). Grain: month × channel.';

CREATE OR REPLACE VIEW marts.report_bouquet_subscribers_monthly AS
SELECT
    month,
    bouquet_code,
    any(bouquet_kind)                                 AS bouquet_kind,
    count()                                           AS snapshots,
    round(avg(subscribers))                           AS average_subscribers,
    arraySort(groupArray((snapshot_date, subscribers))) AS per_snapshot
FROM
(
    -- one row per broadcaster with a channel in the bouquet, all with the same count: one per snapshot and bouquet
    SELECT toStartOfMonth(snapshot_date) AS month, snapshot_date, subject_id, any(subject_code) AS bouquet_code,
           any(bouquet_kind) AS bouquet_kind, max(subscribers) AS subscribers
    FROM marts.fact_entitlement_snapshot_count
    WHERE subject = 'bouquet'
    GROUP BY month, snapshot_date, subject_id
)
GROUP BY month, bouquet_code
COMMENT 'Per month and bouquet: boxes holding the bouquet at each snapshot and their average. Grain: month × bouquet.';
