-- Subscriber register: every subscription active at some time in [period_start, period_end) as known at as_of
-- (started by then), with its customer (reference number, LCO, coarse location — no personal data), plan and box.
SELECT
    c.customer_number                                   AS customer_number,
    c.lco_code                                          AS lco_code,
    c.city                                              AS city,
    c.state_or_province                                 AS state_or_province,
    c.country                                           AS country,
    toString(s.subscription_id)                         AS subscription_id,
    p.plan_code                                         AS plan_code,
    d.serial_number                                     AS box_serial,
    d.cas_id                                            AS cas_id,
    toUnixTimestamp64Milli(assumeNotNull(s.start_at_utc)) AS start_ms,
    if(s.end_at_utc IS NULL OR s.end_at_utc > {as_of:DateTime64(3, 'UTC')}, toInt64(-1), toUnixTimestamp64Milli(assumeNotNull(s.end_at_utc))) AS end_ms
FROM marts.fact_subscription AS s
LEFT JOIN (SELECT customer_id, customer_number, lco_code, city, state_or_province, country FROM marts.dim_customer FINAL) AS c ON c.customer_id = s.customer_id
LEFT JOIN (SELECT plan_id, plan_code FROM marts.dim_plan FINAL) AS p ON p.plan_id = s.plan_id
LEFT JOIN (SELECT device_id, serial_number, cas_id FROM marts.dim_device FINAL) AS d ON d.device_id = s.device_id
WHERE s.start_at_utc IS NOT NULL
  AND s.start_at_utc < {period_end:DateTime64(3, 'UTC')}
  AND s.start_at_utc <= {as_of:DateTime64(3, 'UTC')}
  AND (s.end_at_utc IS NULL OR s.end_at_utc >= {period_start:DateTime64(3, 'UTC')})
ORDER BY customer_number, start_ms, subscription_id
SETTINGS join_use_nulls = 0
