-- Monthly subscriber reports for broadcasters and the regulator (TRAI: the average of the counts on the 7th, 14th,
-- 21st and 28th at the configured evening time), counted from marts.fact_entitlement_snapshot. Subscribers = boxes.

CREATE OR REPLACE VIEW marts.report_channel_subscribers_monthly AS
SELECT
    month,
    broadcaster_code,
    channel_code,
    any(definition)                                   AS definition,
    count()                                           AS snapshots,
    round(avg(subscribers))                           AS average_subscribers,
    arraySort(groupArray((snapshot_date, subscribers))) AS per_snapshot
FROM
(
    SELECT toStartOfMonth(snapshot_date) AS month, snapshot_date, broadcaster_code, channel_code,
           any(definition) AS definition, uniqExact(device_id) AS subscribers
    FROM marts.fact_entitlement_snapshot
    GROUP BY month, snapshot_date, broadcaster_code, channel_code
)
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
    SELECT toStartOfMonth(snapshot_date) AS month, snapshot_date, bouquet_code, any(bouquet_kind) AS bouquet_kind,
           uniqExact(device_id) AS subscribers
    FROM marts.fact_entitlement_snapshot
    WHERE entitled_via = 'bouquet'
    GROUP BY month, snapshot_date, bouquet_code
)
GROUP BY month, bouquet_code
COMMENT 'Per month and bouquet: boxes holding the bouquet at each snapshot and their average. Grain: month × bouquet.';
