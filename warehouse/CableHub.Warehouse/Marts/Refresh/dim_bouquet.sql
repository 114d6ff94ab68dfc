INSERT INTO marts.dim_bouquet
    (bouquet_id, bouquet_code, bouquet_name, kind, broadcaster_id, broadcaster_code, price, currency, billing_period, status,
     channels, pay_channels, a_la_carte_sum, valid_from_utc, valid_to_utc, _version, _is_deleted, _refreshed_at)
SELECT
    p.id, p.code, p.name, p.kind, p.broadcaster_id, b.code, p.price, ifNull(p.currency, ''), p.billing_period, p.status,
    x.channels, x.pay_channels, x.a_la_carte_sum, p.valid_from, p.valid_to,
    {version:UInt64}, 0, {refreshed_at:DateTime64(3, 'UTC')}
FROM
(
    SELECT id, code, name, kind, broadcaster_id, price, currency, billing_period, status, valid_from, valid_to
    FROM hub.package WHERE $scope(id)
) AS p
LEFT JOIN hub.broadcaster AS b ON b.id = p.broadcaster_id
LEFT JOIN
(
    SELECT pc.package_id AS package_id, count() AS channels, countIf(NOT ch.free_to_air) AS pay_channels,
           sum(ifNull(ch.a_la_carte_price, 0)) AS a_la_carte_sum
    FROM hub.package_channel AS pc
    INNER JOIN hub.channel AS ch ON ch.id = pc.channel_id
    WHERE $scope(pc.package_id)
    GROUP BY pc.package_id
) AS x ON x.package_id = p.id
