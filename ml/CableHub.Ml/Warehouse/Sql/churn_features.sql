-- Point-in-time churn features per customer at a cut-off, and the label "churned within the next N days".
--
-- Parameters (ClickHouse {name:Type}, never inlined):
--   {cutoff:DateTime64(6, 'UTC')}   the instant the features describe; only facts known then are used
--   {horizon_days:UInt32}           label horizon: churned = no subscription active at cutoff + horizon
--   {as_of:DateTime64(6, 'UTC')}    now: the label is known only when cutoff + horizon <= as_of (else NULL)
--
-- Population: customers with at least one subscription active at the cut-off (started, not yet ended).
-- No leakage: every fact is filtered by its own timestamp (start_at, end_at, valid_from/valid_to, purchased_at,
-- requested_at, announced_at, issued_at/settled_at, effective_at, creation_date) against the cut-off; hub.* "status" columns are
-- current state and are NOT used. The plan at the cut-off is rebuilt from the plan changes (hub.subscription_change):
-- hub.subscription.plan_id is the plan now.
-- Known limits, documented in ml/README.md: hub.plan.price and hub.billing_account.payment_method are current values
-- (the warehouse keeps no history of them yet), so a plan repriced or a payment method changed after the cut-off
-- shows its new value; an invoice is "paid" at settled_at (partial payments before it are not seen until payments
-- reach the warehouse).
--
-- Signals from billing (hub.invoice), dunning's late fees (hub.billing_charge), the lifecycle
-- (hub.subscription_change: suspend, device_swap, plan_change) and customer care (hub.trouble_ticket, TMF621 tickets:
-- tickets_90d, and stb_faults_90d = tickets of type stbFault naming a box) are in. A new column needs no model code
-- change: the trainer takes every column but the id columns and the label, and drops all-blank ones.

WITH
    {cutoff:DateTime64(6, 'UTC')} AS _cutoff,
    {horizon_days:UInt32} AS _horizon_days,
    {as_of:DateTime64(6, 'UTC')} AS _as_of,
    _cutoff + toIntervalDay(_horizon_days) AS _horizon_end,
    plan_history AS
    (
        -- In-place plan changes: the plan at the cut-off is the "from" plan of the first change after it, else the "to"
        -- plan of the last change before it, else the subscription's plan (never changed).
        SELECT
            subscription_id,
            argMinIf(from_plan_id, effective_at, effective_at > _cutoff) AS plan_after,
            countIf(effective_at > _cutoff AND from_plan_id IS NOT NULL) AS changes_after,
            argMaxIf(to_plan_id, effective_at, effective_at <= _cutoff) AS plan_before,
            countIf(effective_at <= _cutoff AND to_plan_id IS NOT NULL) AS changes_before
        FROM hub.subscription_change
        WHERE kind = 'plan_change'
        GROUP BY subscription_id
    ),
    subscriptions_at_cutoff AS
    (
        SELECT
            s.id AS id, s.customer_id AS customer_id, s.billing_account_id AS billing_account_id, s.start_at AS start_at, s.end_at AS end_at,
            multiIf(ifNull(ph.changes_after, 0) > 0, assumeNotNull(ph.plan_after), ifNull(ph.changes_before, 0) > 0, assumeNotNull(ph.plan_before), s.plan_id) AS plan_id
        FROM hub.subscription AS s
        LEFT JOIN plan_history AS ph ON ph.subscription_id = s.id
        WHERE s.start_at IS NOT NULL AND s.start_at <= _cutoff
    ),
    subs AS
    (
        SELECT
            s.id AS subscription_id,
            s.customer_id AS customer_id,
            s.billing_account_id AS billing_account_id,
            assumeNotNull(s.start_at) AS start_at,
            s.end_at AS end_at,
            p.code AS plan_code,
            multiIf(p.billing_period = 'monthly', 1, p.billing_period = 'quarterly', 3, p.billing_period = 'semiannual', 6, 12) AS period_months,
            toFloat64(p.price) / period_months AS monthly_price,
            toUInt8(ifNull(s.end_at > _cutoff, 1)) AS active_at_cutoff
        FROM subscriptions_at_cutoff AS s
        INNER JOIN hub.plan AS p ON p.id = s.plan_id
    ),
    plan_prices AS
    (
        SELECT id, toFloat64(price) / multiIf(billing_period = 'monthly', 1, billing_period = 'quarterly', 3, billing_period = 'semiannual', 6, 12) AS monthly_price
        FROM hub.plan
    ),
    population AS
    (
        SELECT customer_id
        FROM subs
        GROUP BY customer_id
        HAVING countIf(active_at_cutoff) > 0
    ),
    per_customer AS
    (
        SELECT
            customer_id,
            dateDiff('day', min(start_at), _cutoff) AS tenure_days,
            countIf(active_at_cutoff) AS active_subscriptions,
            sumIf(monthly_price, active_at_cutoff) AS current_monthly_price,
            maxIf(period_months, active_at_cutoff) AS current_contract_months,
            argMaxIf(plan_code, start_at, active_at_cutoff) AS current_plan_code,
            argMaxIf(billing_account_id, start_at, active_at_cutoff) AS current_billing_account_id,
            count() AS subscriptions_ever,
            countIf(ifNull(end_at <= _cutoff, 0)) AS subscriptions_ended,
            sumIf(monthly_price, start_at <= _cutoff - toIntervalDay(365) AND ifNull(end_at > _cutoff - toIntervalDay(365), 1)) AS monthly_price_365d_ago
        FROM subs
        WHERE customer_id IN (SELECT customer_id FROM population)
        GROUP BY customer_id
    ),
    plan_changes AS
    (
        -- Consecutive subscriptions of a customer, and in-place plan changes (hub.subscription_change) effective in the year
        -- before the cut-off: a higher monthly price is an upgrade, a lower one a downgrade.
        SELECT
            customer_id,
            countIf(previous_price > 0 AND new_price > previous_price) AS upgrades_365d,
            countIf(previous_price > 0 AND new_price < previous_price) AS downgrades_365d
        FROM
        (
            SELECT customer_id, start_at AS changed_at, monthly_price AS new_price,
                lagInFrame(monthly_price, 1, 0.) OVER (PARTITION BY customer_id ORDER BY start_at ASC ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous_price
            FROM subs
            UNION ALL
            SELECT s.customer_id, c.effective_at, pt.monthly_price, pf.monthly_price
            FROM hub.subscription_change AS c
            INNER JOIN hub.subscription AS s ON s.id = c.subscription_id
            INNER JOIN plan_prices AS pf ON pf.id = c.from_plan_id
            INNER JOIN plan_prices AS pt ON pt.id = c.to_plan_id
            WHERE c.kind = 'plan_change' AND c.effective_at <= _cutoff AND c.effective_at > _cutoff - toIntervalDay(365)
        )
        WHERE changed_at > _cutoff - toIntervalDay(365)
        GROUP BY customer_id
    ),
    lineup AS
    (
        -- Channel mix: what the customer's boxes were entitled to at the cut-off.
        SELECT
            s.customer_id AS customer_id,
            uniqExact(e.channel_id) AS channels,
            uniqExact(e.device_id) AS boxes,
            avg(ch.definition != 'SD') AS hd_share,
            avg(toUInt8(ch.free_to_air)) AS free_to_air_share,
            uniqExact(ch.genre) AS genres,
            topK(1)(ch.genre)[1] AS top_genre
        FROM hub.entitlement AS e
        INNER JOIN hub.subscription AS s ON s.id = e.subscription_id
        INNER JOIN hub.channel AS ch ON ch.id = e.channel_id
        WHERE e.valid_from <= _cutoff AND ifNull(e.valid_to > _cutoff, 1)
        GROUP BY s.customer_id
    ),
    price_notices AS
    (
        -- Price rises announced (by the cut-off, within a year) for channels the customer received at the cut-off.
        SELECT
            s.customer_id AS customer_id,
            uniqExact(n.id) AS price_notices_365d,
            sum(if(n.old_amount > 0, (toFloat64(n.new_amount) - toFloat64(n.old_amount)) / toFloat64(n.old_amount), 0)) AS price_increase_share_365d
        FROM hub.price_change_notice AS n
        INNER JOIN hub.entitlement AS e ON e.channel_id = n.channel_id
        INNER JOIN hub.subscription AS s ON s.id = e.subscription_id
        WHERE n.announced_at <= _cutoff AND n.announced_at > _cutoff - toIntervalDay(365)
          AND e.valid_from <= _cutoff AND ifNull(e.valid_to > _cutoff, 1)
        GROUP BY s.customer_id
    ),
    vod AS
    (
        SELECT
            customer_id,
            countIf(purchased_at > _cutoff - toIntervalDay(90)) AS vod_purchases_90d,
            sumIf(toFloat64(amount), purchased_at > _cutoff - toIntervalDay(90)) AS vod_spend_90d,
            dateDiff('day', max(purchased_at), _cutoff) AS days_since_vod
        FROM hub.vod_purchase
        WHERE purchased_at <= _cutoff
        GROUP BY customer_id
    ),
    orders AS
    (
        SELECT
            customer_id,
            countIf(requested_at > _cutoff - toIntervalDay(90)) AS orders_90d,
            countIf(requested_at > _cutoff - toIntervalDay(90) AND state IN ('failed', 'rejected') AND updated_at <= _cutoff) AS failed_orders_90d,
            argMin(channel, requested_at) AS acquisition_channel
        FROM hub.product_order
        WHERE requested_at <= _cutoff
        GROUP BY customer_id
    ),
    invoices AS
    (
        -- Invoices issued by the cut-off and due in the 180 days before it. Delay = days from the due date to settlement,
        -- or, when not settled at the cut-off, the days overdue so far (0 when not due yet).
        SELECT
            customer_id,
            avg(delay_days) AS payment_delay_days_avg_180d,
            countIf(delay_days > 0) AS invoices_paid_late_180d,
            countIf(open_at_cutoff AND due_date < toDate(_cutoff)) AS invoices_overdue_at_cutoff
        FROM
        (
            SELECT
                customer_id,
                due_date,
                ifNull(settled_at <= _cutoff, 0) = 0 AS open_at_cutoff,
                greatest(0, dateDiff('day', due_date, if(open_at_cutoff, toDate(_cutoff), toDate(assumeNotNull(settled_at))))) AS delay_days
            FROM hub.invoice
            WHERE kind = 'invoice' AND issued_at <= _cutoff
              AND due_date <= toDate(_cutoff) AND due_date > toDate(_cutoff - toIntervalDay(180))
        )
        GROUP BY customer_id
    ),
    late_fees AS
    (
        -- Dunning's late fees (issue 11): the dunning saga charges them as kind 'adjustment' with the overdue invoice as
        -- source (hub.billing_charge.source_id = hub.invoice.id; other adjustments have no invoice as source), charged in
        -- (cutoff-180d, cutoff]. The charge's status (billed, cancelled) is current state and not used.
        SELECT i.customer_id AS customer_id, sum(toFloat64(ch.amount)) AS late_fees_180d
        FROM hub.billing_charge AS ch
        INNER JOIN hub.invoice AS i ON i.id = ch.source_id
        WHERE ch.kind = 'adjustment' AND ch.charged_at <= _cutoff AND ch.charged_at > _cutoff - toIntervalDay(180)
        GROUP BY i.customer_id
    ),
    lifecycle AS
    (
        -- Suspensions (any reason; dunning ones counted apart) and box swaps (troubleshooting found the box faulty) effective
        -- by the cut-off; suspended at the cut-off = the last suspend/restore before it was a suspend.
        SELECT
            s.customer_id AS customer_id,
            countIf(c.kind = 'suspend' AND c.effective_at > _cutoff - toIntervalDay(365)) AS suspensions_365d,
            countIf(c.kind = 'suspend' AND c.reason = 'dunning' AND c.effective_at > _cutoff - toIntervalDay(365)) AS dunning_suspensions_365d,
            countIf(c.kind = 'device_swap' AND c.effective_at > _cutoff - toIntervalDay(90)) AS box_swaps_90d,
            max(c.kind = 'suspend' AND c.effective_at = last_suspend_or_restore) AS suspended_at_cutoff
        FROM hub.subscription_change AS c
        INNER JOIN hub.subscription AS s ON s.id = c.subscription_id
        LEFT JOIN
        (
            SELECT subscription_id, max(effective_at) AS last_suspend_or_restore
            FROM hub.subscription_change
            WHERE kind IN ('suspend', 'restore') AND effective_at <= _cutoff
            GROUP BY subscription_id
        ) AS lsr ON lsr.subscription_id = c.subscription_id
        WHERE c.effective_at <= _cutoff
        GROUP BY s.customer_id
    ),
    tickets AS
    (
        -- Trouble tickets (TMF621, hub.trouble_ticket) opened in (cutoff-90d, cutoff]; an STB fault is a ticket of type
        -- stbFault that names the box. Only the opening instant is used: status and resolution are current state or later facts.
        SELECT
            customer_id,
            countIf(creation_date > _cutoff - toIntervalDay(90)) AS tickets_90d,
            countIf(ticket_type = 'stbFault' AND device_id IS NOT NULL AND creation_date > _cutoff - toIntervalDay(90)) AS stb_faults_90d
        FROM hub.trouble_ticket
        WHERE creation_date <= _cutoff
        GROUP BY customer_id
    ),
    label AS
    (
        -- Disconnected or not renewed: active at the cut-off, nothing active at cut-off + horizon.
        SELECT
            customer_id,
            countIf(ifNull(start_at <= _horizon_end, 0) AND ifNull(end_at > _horizon_end, 1)) AS active_at_horizon
        FROM hub.subscription
        WHERE customer_id IN (SELECT customer_id FROM population)
        GROUP BY customer_id
    )
SELECT
    toString(c.id)                                     AS customer_id,
    c.customer_number                                  AS customer_number,
    _cutoff                                            AS cutoff,
    pc.tenure_days                                     AS tenure_days,
    pc.active_subscriptions                            AS active_subscriptions,
    round(pc.current_monthly_price, 2)                 AS monthly_price,
    round(pc.current_monthly_price - pc.monthly_price_365d_ago, 2) AS monthly_price_change_365d,
    pc.current_contract_months                         AS contract_months,
    pc.current_plan_code                               AS plan_code,
    pc.subscriptions_ever                              AS subscriptions_ever,
    pc.subscriptions_ended                             AS subscriptions_ended,
    coalesce(chg.upgrades_365d, 0)                     AS upgrades_365d,
    coalesce(chg.downgrades_365d, 0)                   AS downgrades_365d,
    coalesce(l.channels, 0)                            AS channels,
    coalesce(l.boxes, 0)                               AS boxes,
    round(coalesce(l.hd_share, 0), 4)                  AS hd_share,
    round(coalesce(l.free_to_air_share, 0), 4)         AS free_to_air_share,
    coalesce(l.genres, 0)                              AS genres,
    coalesce(l.top_genre, '')                          AS top_genre,
    coalesce(pn.price_notices_365d, 0)                 AS price_notices_365d,
    round(coalesce(pn.price_increase_share_365d, 0), 4) AS price_increase_share_365d,
    coalesce(v.vod_purchases_90d, 0)                   AS vod_purchases_90d,
    round(coalesce(v.vod_spend_90d, 0), 2)             AS vod_spend_90d,
    v.days_since_vod                                   AS days_since_vod,
    coalesce(o.orders_90d, 0)                          AS orders_90d,
    coalesce(o.failed_orders_90d, 0)                   AS failed_orders_90d,
    coalesce(o.acquisition_channel, '')                AS acquisition_channel,
    ba.payment_method                                  AS payment_method,
    ba.prepaid                                         AS prepaid,
    coalesce(lco.region, '')                           AS lco_region,
    c.preferred_language                               AS preferred_language,
    -- Blank when no invoice was due in the window (a new customer), not 0: "no history" is not "always on time".
    round(inv.payment_delay_days_avg_180d, 2)          AS payment_delay_days_avg_180d,
    coalesce(inv.invoices_paid_late_180d, 0)           AS invoices_paid_late_180d,
    coalesce(inv.invoices_overdue_at_cutoff, 0)        AS invoices_overdue_at_cutoff,
    coalesce(lc.suspensions_365d, 0)                   AS suspensions_365d,
    coalesce(lc.dunning_suspensions_365d, 0)           AS dunning_suspensions_365d,
    coalesce(lc.suspended_at_cutoff, 0)                AS suspended_at_cutoff,
    coalesce(lc.box_swaps_90d, 0)                      AS box_swaps_90d,
    round(coalesce(lf.late_fees_180d, 0), 2)           AS late_fees_180d,
    coalesce(tk.tickets_90d, 0)                        AS tickets_90d,
    coalesce(tk.stb_faults_90d, 0)                     AS stb_faults_90d,
    if(_horizon_end <= _as_of, toNullable(toUInt8(lb.active_at_horizon = 0)), NULL) AS churned
FROM per_customer AS pc
INNER JOIN hub.customer AS c ON c.id = pc.customer_id
LEFT JOIN plan_changes AS chg ON chg.customer_id = pc.customer_id
LEFT JOIN lineup AS l ON l.customer_id = pc.customer_id
LEFT JOIN price_notices AS pn ON pn.customer_id = pc.customer_id
LEFT JOIN vod AS v ON v.customer_id = pc.customer_id
LEFT JOIN orders AS o ON o.customer_id = pc.customer_id
LEFT JOIN invoices AS inv ON inv.customer_id = pc.customer_id
LEFT JOIN late_fees AS lf ON lf.customer_id = pc.customer_id
LEFT JOIN lifecycle AS lc ON lc.customer_id = pc.customer_id
LEFT JOIN tickets AS tk ON tk.customer_id = pc.customer_id
LEFT JOIN hub.billing_account AS ba ON ba.id = pc.current_billing_account_id
LEFT JOIN hub.lco AS lco ON lco.id = c.lco_id
LEFT JOIN label AS lb ON lb.customer_id = pc.customer_id
ORDER BY customer_id
SETTINGS join_use_nulls = 1
