-- Only non-personal columns are read: names, birth date and contact values (*_enc, *_hash) never leave hub.*.
INSERT INTO marts.dim_customer
    (customer_id, customer_number, status, preferred_language, lco_id, lco_code, lco_name, lco_region,
     city, state_or_province, country, billing_accounts, prepaid, payment_method, created_at_utc, created_date,
     _version, _is_deleted, _refreshed_at)
SELECT
    c.id, c.customer_number, c.status, c.preferred_language,
    ifNull(c.lco_id, toUUID('00000000-0000-0000-0000-000000000000')), l.code, l.name, l.region,
    a.city, a.state_or_province, a.country,
    ba.accounts, ba.prepaid, ba.payment_method,
    c.created_at, toDate(toTimeZone(c.created_at, '{reporting_tz}')),
    {version:UInt64}, 0, {refreshed_at:DateTime64(3, 'UTC')}
FROM (SELECT id, customer_number, status, preferred_language, lco_id, created_at FROM hub.customer WHERE $scope(id)) AS c
LEFT JOIN (SELECT id, code, name, region FROM hub.lco) AS l ON l.id = c.lco_id
LEFT JOIN
(
    SELECT customer_id,
           ifNull(argMax(city, valid_from), '') AS city,
           ifNull(argMax(state_or_province, valid_from), '') AS state_or_province,
           ifNull(argMax(country, valid_from), '') AS country
    FROM hub.contact_medium
    WHERE medium_type = 'postal_address' AND valid_to IS NULL AND $scope(customer_id)
    GROUP BY customer_id
) AS a ON a.customer_id = c.id
LEFT JOIN
(
    SELECT customer_id, toUInt16(count()) AS accounts, argMin(prepaid, created_at) AS prepaid, argMin(payment_method, created_at) AS payment_method
    FROM hub.billing_account
    WHERE $scope(customer_id)
    GROUP BY customer_id
) AS ba ON ba.customer_id = c.id
