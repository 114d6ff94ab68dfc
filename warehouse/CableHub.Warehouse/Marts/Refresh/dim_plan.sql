-- Rows of the plans in scope. $scope(column) becomes 1 (full build) or column IN (<the .changed.sql keys>).
INSERT INTO marts.dim_plan
    (plan_id, plan_code, plan_name, billing_period, price, currency, status, bouquets, channels, pay_channels,
     created_at_utc, created_date, _version, _is_deleted, _refreshed_at)
SELECT
    p.id, p.code, p.name, p.billing_period, p.price, p.currency, p.status,
    pb.bouquets, pc.channels, pc.pay_channels,
    p.created_at, toDate(toTimeZone(p.created_at, '{reporting_tz}')),
    {version:UInt64}, 0, {refreshed_at:DateTime64(3, 'UTC')}
FROM (SELECT id, code, name, billing_period, price, currency, status, created_at FROM hub.plan WHERE $scope(id)) AS p
LEFT JOIN
(
    SELECT plan_id, uniqExact(package_id) AS bouquets FROM hub.plan_package WHERE $scope(plan_id) GROUP BY plan_id
) AS pb ON pb.plan_id = p.id
LEFT JOIN
(
    SELECT pp.plan_id AS plan_id, uniqExact(x.channel_id) AS channels, uniqExactIf(x.channel_id, NOT ch.free_to_air) AS pay_channels
    FROM hub.plan_package AS pp
    INNER JOIN hub.package_channel AS x ON x.package_id = pp.package_id
    INNER JOIN hub.channel AS ch ON ch.id = x.channel_id
    WHERE $scope(pp.plan_id)
    GROUP BY pp.plan_id
) AS pc ON pc.plan_id = p.id
