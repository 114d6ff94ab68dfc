-- One snapshot: every entitlement valid at {snapshot_at} (point in time from the validity intervals), with the
-- route through which the channel is entitled — each bouquet of the subscription's plan that holds the channel,
-- or à la carte when none does. The refresher drops the snapshot day's partition first, so a retake replaces it.
INSERT INTO marts.fact_entitlement_snapshot
    (snapshot_date, snapshot_at, device_id, customer_id, lco_id, lco_code, subscription_id, plan_id,
     channel_id, channel_code, definition, free_to_air, broadcaster_id, broadcaster_code,
     entitled_via, bouquet_id, bouquet_code, bouquet_kind, _refresh_version, _refreshed_at)
SELECT
    toDate(toTimeZone({snapshot_at:DateTime64(3, 'UTC')}, '{reporting_tz}')),
    toDateTime({snapshot_at:DateTime64(3, 'UTC')}, '{reporting_tz}'),
    e.device_id, s.customer_id, c.lco_id, c.lco_code, e.subscription_id, s.plan_id,
    e.channel_id, ch.channel_code, ch.definition, ch.free_to_air, ch.broadcaster_id, ch.broadcaster_code,
    if(r.bouquet_id = toUUID('00000000-0000-0000-0000-000000000000'), 'a_la_carte', 'bouquet'),
    r.bouquet_id, r.bouquet_code, r.bouquet_kind,
    {version:UInt64}, {refreshed_at:DateTime64(3, 'UTC')}
FROM
(
    SELECT device_id, channel_id, subscription_id FROM hub.entitlement
    WHERE valid_from <= {snapshot_at:DateTime64(3, 'UTC')} AND (valid_to IS NULL OR valid_to > {snapshot_at:DateTime64(3, 'UTC')})
) AS e
INNER JOIN (SELECT id, customer_id, plan_id FROM hub.subscription) AS s ON s.id = e.subscription_id
INNER JOIN
(
    SELECT channel_id, channel_code, definition, free_to_air, broadcaster_id, broadcaster_code FROM marts.dim_channel FINAL
) AS ch ON ch.channel_id = e.channel_id
LEFT JOIN (SELECT customer_id, lco_id, lco_code FROM marts.dim_customer FINAL) AS c ON c.customer_id = s.customer_id
LEFT JOIN
(
    SELECT pp.plan_id AS plan_id, x.channel_id AS channel_id, x.package_id AS bouquet_id, b.bouquet_code AS bouquet_code, b.kind AS bouquet_kind
    FROM hub.plan_package AS pp
    INNER JOIN hub.package_channel AS x ON x.package_id = pp.package_id
    INNER JOIN (SELECT bouquet_id, bouquet_code, kind FROM marts.dim_bouquet FINAL) AS b ON b.bouquet_id = x.package_id
) AS r ON r.plan_id = s.plan_id AND r.channel_id = e.channel_id
SETTINGS join_use_nulls = 0
