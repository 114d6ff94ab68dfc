INSERT INTO marts.fact_order
    (order_id, external_id, customer_id, lco_id, billing_account_id, state, sales_channel,
     items, plan_id, plan_codes, actions, recurring_amount, currency,
     requested_at_utc, completed_at_utc, requested_date, requested_hour, completed_date, seconds_to_complete,
     _version, _is_deleted, _refreshed_at)
SELECT
    o.id, ifNull(o.external_id, ''), o.customer_id, ifNull(c.lco_id, toUUID('00000000-0000-0000-0000-000000000000')), o.billing_account_id,
    o.state, o.channel,
    i.items, if(i.items = 0, NULL, i.first_plan), i.plan_codes, i.actions, i.amount, i.currency,
    o.requested_at, o.completed_at,
    toDate(toTimeZone(o.requested_at, '{reporting_tz}')), toHour(toTimeZone(o.requested_at, '{reporting_tz}')),
    if(o.completed_at IS NULL, NULL, toDate(toTimeZone(assumeNotNull(o.completed_at), '{reporting_tz}'))),
    if(o.completed_at IS NULL, NULL, dateDiff('millisecond', o.requested_at, assumeNotNull(o.completed_at)) / 1000.0),
    {version:UInt64}, 0, {refreshed_at:DateTime64(3, 'UTC')}
FROM
(
    SELECT id, external_id, customer_id, billing_account_id, state, channel, requested_at, completed_at
    FROM hub.product_order WHERE $scope(id)
) AS o
LEFT JOIN
(
    SELECT customer_id, lco_id FROM marts.dim_customer FINAL
    WHERE customer_id IN (SELECT customer_id FROM hub.product_order WHERE $scope(id))
) AS c ON c.customer_id = o.customer_id
LEFT JOIN
(
    SELECT it.order_id AS order_id,
           toUInt16(count()) AS items,
           argMin(it.plan_id, it.item_id) AS first_plan,
           arrayMap(x -> x.2, arraySort(groupArray((it.item_id, p.plan_code)))) AS plan_codes,
           arrayMap(x -> x.2, arraySort(groupArray((it.item_id, it.action)))) AS actions,
           sum(p.price * it.quantity) AS amount,
           any(p.currency) AS currency
    FROM (SELECT order_id, item_id, plan_id, action, quantity FROM hub.product_order_item WHERE $scope(order_id)) AS it
    LEFT JOIN (SELECT plan_id, plan_code, price, currency FROM marts.dim_plan FINAL) AS p ON p.plan_id = it.plan_id
    GROUP BY it.order_id
) AS i ON i.order_id = o.id
