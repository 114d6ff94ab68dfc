-- Activation / deactivation register: every entitlement start (activation) and end (deactivation) in
-- [period_start, period_end) up to as_of, one row per box, subscription, instant and event, with the channels it covered.
SELECT
    toUnixTimestamp64Milli(e.at)                                   AS at_ms,
    e.event                                                        AS event,
    toString(e.device_id)                                          AS device_id,
    any(d.serial_number)                                           AS box_serial,
    any(d.cas_id)                                                  AS cas_id,
    any(c.customer_number)                                         AS customer_number,
    any(p.plan_code)                                               AS plan_code,
    toString(e.subscription_id)                                    AS subscription_id,
    count()                                                        AS channels,
    arrayStringConcat(arraySort(groupArray(ch.channel_code)), ' ') AS channel_codes
FROM
(
    SELECT toDateTime64(valid_from, 3, 'UTC') AS at, 'activation' AS event, device_id, subscription_id, channel_id
    FROM hub.entitlement
    WHERE valid_from >= {period_start:DateTime64(3, 'UTC')} AND valid_from < {period_end:DateTime64(3, 'UTC')} AND valid_from <= {as_of:DateTime64(3, 'UTC')}
    UNION ALL
    SELECT toDateTime64(assumeNotNull(valid_to), 3, 'UTC') AS at, 'deactivation' AS event, device_id, subscription_id, channel_id
    FROM hub.entitlement
    WHERE valid_to IS NOT NULL AND valid_to >= {period_start:DateTime64(3, 'UTC')} AND valid_to < {period_end:DateTime64(3, 'UTC')} AND valid_to <= {as_of:DateTime64(3, 'UTC')}
) AS e
LEFT JOIN (SELECT channel_id, channel_code FROM marts.dim_channel FINAL) AS ch ON ch.channel_id = e.channel_id
LEFT JOIN (SELECT subscription_id, customer_id, plan_id FROM marts.fact_subscription) AS s ON s.subscription_id = e.subscription_id
LEFT JOIN (SELECT customer_id, customer_number FROM marts.dim_customer FINAL) AS c ON c.customer_id = s.customer_id
LEFT JOIN (SELECT plan_id, plan_code FROM marts.dim_plan FINAL) AS p ON p.plan_id = s.plan_id
LEFT JOIN (SELECT device_id, serial_number, cas_id FROM marts.dim_device FINAL) AS d ON d.device_id = e.device_id
GROUP BY e.at, e.event, e.device_id, e.subscription_id
ORDER BY at_ms, event, device_id, subscription_id
SETTINGS join_use_nulls = 0
