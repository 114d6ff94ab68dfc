-- Facts and ready-made answers.

CREATE OR REPLACE VIEW marts.fact_subscription AS
SELECT
    s.id                 AS subscription_id,
    s.customer_id        AS customer_id,
    s.plan_id            AS plan_id,
    s.device_id          AS device_id,
    s.order_id           AS order_id,
    s.status             AS status,
    s.start_at           AS start_at_utc,
    s.end_at             AS end_at_utc,
    toDate(toTimeZone(s.start_at, '{reporting_tz}')) AS start_date,
    toDate(toTimeZone(s.end_at, '{reporting_tz}'))   AS end_date
FROM hub.subscription AS s
COMMENT 'One row per subscription (TMF637 product): plan, box, status, start and end.';

CREATE OR REPLACE VIEW marts.active_subscribers_per_plan AS
SELECT
    p.code           AS plan_code,
    p.name           AS plan_name,
    p.billing_period AS billing_period,
    p.price          AS price,
    p.currency       AS currency,
    count()          AS active_subscribers
FROM hub.subscription AS s
INNER JOIN hub.plan AS p ON p.id = s.plan_id
WHERE s.status = 'active'
GROUP BY p.code, p.name, p.billing_period, p.price, p.currency
COMMENT 'Active subscriptions per plan, now.';

CREATE OR REPLACE VIEW marts.fact_product_order AS
SELECT
    o.id            AS order_id,
    o.external_id   AS external_id,
    o.customer_id   AS customer_id,
    o.state         AS state,
    o.channel       AS sales_channel,
    o.requested_at  AS requested_at_utc,
    o.completed_at  AS completed_at_utc,
    toDate(toTimeZone(o.requested_at, '{reporting_tz}')) AS requested_date,
    if(o.completed_at IS NULL, NULL, dateDiff('millisecond', o.requested_at, o.completed_at) / 1000.0) AS seconds_to_complete
FROM hub.product_order AS o
COMMENT 'Product orders (TMF622) with their outcome and time to completion.';

CREATE OR REPLACE VIEW marts.active_subscribers_per_channel AS
SELECT
    ch.code        AS channel_code,
    ch.name        AS channel_name,
    b.name         AS broadcaster_name,
    ch.definition  AS definition,
    uniqExact(e.device_id) AS active_boxes
FROM hub.entitlement AS e
INNER JOIN hub.channel AS ch ON ch.id = e.channel_id
LEFT JOIN hub.broadcaster AS b ON b.id = ch.broadcaster_id
WHERE e.valid_to IS NULL OR e.valid_to > now64(6)
GROUP BY ch.code, ch.name, b.name, ch.definition
COMMENT 'Boxes entitled to each channel now (the basis of per-broadcaster subscription reports).';
