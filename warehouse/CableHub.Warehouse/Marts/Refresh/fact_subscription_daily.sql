-- Recomputes every day × plan × LCO from the subscriptions' start and end dates (reporting time zone) with a running
-- sum over a dense calendar per plan and LCO, compares with what the mart holds, and writes only the rows that differ
-- (changed counts as new versions; groups that vanished as deleted rows). Runs only when subscriptions or customers
-- changed since the watermark, or the reporting day rolled over.
INSERT INTO marts.fact_subscription_daily
    (snapshot_date, plan_id, lco_id, active_subscriptions, started, ended, _version, _is_deleted, _refreshed_at)
WITH
    toDate(toTimeZone({refreshed_at:DateTime64(3, 'UTC')}, '{reporting_tz}')) AS today,
    intervals AS
    (
        SELECT s.plan_id AS plan_id, c.lco_id AS lco_id,
               toDate(toTimeZone(assumeNotNull(s.start_at), '{reporting_tz}')) AS start_date,
               if(s.end_at IS NULL, NULL, toDate(toTimeZone(assumeNotNull(s.end_at), '{reporting_tz}'))) AS end_date
        FROM (SELECT customer_id, plan_id, start_at, end_at FROM hub.subscription WHERE start_at IS NOT NULL) AS s
        LEFT JOIN (SELECT customer_id, lco_id FROM marts.dim_customer FINAL) AS c ON c.customer_id = s.customer_id
    ),
    per_day AS
    (
        SELECT plan_id, lco_id, day, sum(s) AS started, sum(e) AS ended
        FROM
        (
            SELECT plan_id, lco_id, start_date AS day, toUInt64(1) AS s, toUInt64(0) AS e FROM intervals WHERE start_date <= today
            UNION ALL
            SELECT plan_id, lco_id, greatest(start_date, assumeNotNull(end_date)) AS day, toUInt64(0) AS s, toUInt64(1) AS e
            FROM intervals WHERE end_date IS NOT NULL AND greatest(start_date, assumeNotNull(end_date)) <= today
        )
        GROUP BY plan_id, lco_id, day
    ),
    grid AS
    (
        SELECT plan_id, lco_id, addDays(first_day, n) AS day
        FROM (SELECT plan_id, lco_id, min(day) AS first_day FROM per_day GROUP BY plan_id, lco_id)
        ARRAY JOIN range(toUInt32(dateDiff('day', first_day, today) + 1)) AS n
    ),
    computed AS
    (
        SELECT g.day AS snapshot_date, g.plan_id AS plan_id, g.lco_id AS lco_id,
               toUInt64(sum(toInt64(pd.started) - toInt64(pd.ended))
                   OVER (PARTITION BY g.plan_id, g.lco_id ORDER BY g.day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS n_active,
               pd.started AS n_started, pd.ended AS n_ended
        FROM grid AS g
        LEFT JOIN per_day AS pd ON pd.plan_id = g.plan_id AND pd.lco_id = g.lco_id AND pd.day = g.day
    )
SELECT
    snapshot_date, plan_id, lco_id,
    if(n_present = 1, n_active, o_active), if(n_present = 1, n_started, o_started), if(n_present = 1, n_ended, o_ended),
    {version:UInt64}, if(n_present = 1, 0, 1), {refreshed_at:DateTime64(3, 'UTC')}
FROM
(
    SELECT snapshot_date, plan_id, lco_id, n_active, n_started, n_ended, toUInt8(1) AS n_present
    FROM computed WHERE n_active > 0 OR n_started > 0 OR n_ended > 0
) AS n
FULL OUTER JOIN
(
    SELECT snapshot_date, plan_id, lco_id, active_subscriptions AS o_active, started AS o_started, ended AS o_ended, toUInt8(1) AS o_present
    FROM marts.fact_subscription_daily FINAL
) AS o USING (snapshot_date, plan_id, lco_id)
WHERE n_present != o_present OR n_active != o_active OR n_started != o_started OR n_ended != o_ended
SETTINGS join_use_nulls = 0
