-- Receivables per month × currency (local months of the reporting time zone), recomputed whole; writes only rows that differ.
-- Each invoice is followed through every month from its issue to the current one: its open amount at the month's as-of day is
-- its total − allocations made by then + credit notes issued by then (negative), 0 once written off; the as-of day is the month's
-- last day, today for the current month. Ageing = days past due at the as-of day.
INSERT INTO marts.fact_receivables_monthly
    (month, currency, as_of_date, billed_amount, credited_amount, collected_amount, written_off_amount, outstanding_amount, open_invoices,
     age_0_30_amount, age_31_60_amount, age_61_90_amount, age_over_90_amount, _version, _is_deleted, _refreshed_at)
WITH
    toDate(toTimeZone({refreshed_at:DateTime64(3, 'UTC')}, '{reporting_tz}')) AS today,
    months AS
    (
        SELECT currency, addMonths(first_month, toInt32(n)) AS month, least(addDays(addMonths(first_month, toInt32(n) + 1), -1), today) AS as_of
        FROM
        (
            SELECT currency, min(first_month) AS first_month FROM
            (
                SELECT trimBoth(currency) AS currency, toStartOfMonth(min(toDate(issue_date))) AS first_month FROM hub.invoice GROUP BY currency
                UNION ALL
                SELECT trimBoth(currency) AS currency, toStartOfMonth(min(toDate(toTimeZone(received_at, '{reporting_tz}')))) AS first_month FROM hub.payment GROUP BY currency
            )
            GROUP BY currency
        )
        ARRAY JOIN range(toUInt32(greatest(dateDiff('month', first_month, toStartOfMonth(today)), 0) + 1)) AS n
    ),
    invoices AS
    (
        SELECT id, trimBoth(currency) AS currency, toDate(issue_date) AS issue_date, toDate(due_date) AS due_date, toDecimal64(total, 2) AS total,
               status = 'written_off' AND settled_at IS NOT NULL AS written_off,
               if(settled_at IS NULL, toDate('2149-06-06'), toDate(toTimeZone(assumeNotNull(settled_at), '{reporting_tz}'))) AS settled_date
        FROM hub.invoice WHERE kind = 'invoice'
    ),
    movements AS
    (
        SELECT invoice_id, toDate(toTimeZone(allocated_at, '{reporting_tz}')) AS day, -toDecimal64(amount, 2) AS amount FROM hub.payment_allocation
        UNION ALL
        SELECT assumeNotNull(corrects_invoice_id) AS invoice_id, toDate(issue_date) AS day, toDecimal64(total, 2) AS amount FROM hub.invoice WHERE kind = 'credit_note'
    ),
    states AS
    (
        SELECT month, currency, as_of, id, due_date, written_off AND settled_date <= as_of AS gone, written_off AND toStartOfMonth(settled_date) = month AS gone_now,
               toDecimal64(total + sumIf(mv.amount, mv.day <= as_of), 2) AS open
        FROM
        (
            SELECT m.month AS month, m.currency AS currency, m.as_of AS as_of, i.id AS id, i.due_date AS due_date, i.total AS total,
                   i.written_off AS written_off, i.settled_date AS settled_date
            FROM invoices AS i INNER JOIN months AS m ON m.currency = i.currency
            WHERE i.issue_date <= m.as_of
        ) AS x
        LEFT JOIN movements AS mv ON mv.invoice_id = x.id
        GROUP BY month, currency, as_of, id, due_date, written_off, settled_date, total
    ),
    aged AS
    (
        SELECT month, currency,
               sumIf(greatest(open, toDecimal64(0, 2)), gone_now) AS a_written,
               sumIf(open, open > 0 AND NOT gone) AS a_outstanding,
               countIf(open > 0 AND NOT gone) AS a_open,
               sumIf(open, open > 0 AND NOT gone AND dateDiff('day', due_date, as_of) <= 30) AS a0,
               sumIf(open, open > 0 AND NOT gone AND dateDiff('day', due_date, as_of) BETWEEN 31 AND 60) AS a31,
               sumIf(open, open > 0 AND NOT gone AND dateDiff('day', due_date, as_of) BETWEEN 61 AND 90) AS a61,
               sumIf(open, open > 0 AND NOT gone AND dateDiff('day', due_date, as_of) > 90) AS a90
        FROM states GROUP BY month, currency
    ),
    flows AS
    (
        SELECT month, currency, sum(billed) AS f_billed, sum(credited) AS f_credited, sum(collected) AS f_collected FROM
        (
            SELECT toStartOfMonth(toDate(issue_date)) AS month, trimBoth(currency) AS currency,
                   sumIf(toDecimal64(total, 2), kind = 'invoice') AS billed, sumIf(toDecimal64(total, 2), kind = 'credit_note') AS credited,
                   toDecimal128(0, 2) AS collected
            FROM hub.invoice GROUP BY month, currency
            UNION ALL
            SELECT toStartOfMonth(toDate(toTimeZone(received_at, '{reporting_tz}'))) AS month, trimBoth(currency) AS currency,
                   toDecimal128(0, 2) AS billed, toDecimal128(0, 2) AS credited, sum(toDecimal64(amount, 2)) AS collected
            FROM hub.payment WHERE source != 'account_credit' GROUP BY month, currency  -- a negative invoice's credit is not money received
        )
        GROUP BY month, currency
    ),
    computed AS
    (
        -- Outer joins fill missing sides with zeros (join_use_nulls = 0).
        SELECT m.month AS month, m.currency AS currency, m.as_of AS n_as_of, f.f_billed AS n_billed, f.f_credited AS n_credited, f.f_collected AS n_collected,
               a.a_written AS n_written, a.a_outstanding AS n_outstanding, a.a_open AS n_open, a.a0 AS n_a0, a.a31 AS n_a31, a.a61 AS n_a61, a.a90 AS n_a90
        FROM months AS m
        LEFT JOIN flows AS f ON f.month = m.month AND f.currency = m.currency
        LEFT JOIN aged AS a ON a.month = m.month AND a.currency = m.currency
    )
SELECT
    month, currency,
    if(n_present = 1, n_as_of, o_as_of), if(n_present = 1, n_billed, o_billed), if(n_present = 1, n_credited, o_credited), if(n_present = 1, n_collected, o_collected),
    if(n_present = 1, n_written, o_written), if(n_present = 1, n_outstanding, o_outstanding), if(n_present = 1, n_open, o_open),
    if(n_present = 1, n_a0, o_a0), if(n_present = 1, n_a31, o_a31), if(n_present = 1, n_a61, o_a61), if(n_present = 1, n_a90, o_a90),
    {version:UInt64}, if(n_present = 1, 0, 1), {refreshed_at:DateTime64(3, 'UTC')}
FROM
(
    SELECT month, currency, n_as_of, n_billed, n_credited, n_collected, n_written, n_outstanding, n_open, n_a0, n_a31, n_a61, n_a90, toUInt8(1) AS n_present FROM computed
) AS n
FULL OUTER JOIN
(
    SELECT month, currency, as_of_date AS o_as_of, billed_amount AS o_billed, credited_amount AS o_credited, collected_amount AS o_collected,
           written_off_amount AS o_written, outstanding_amount AS o_outstanding, open_invoices AS o_open,
           age_0_30_amount AS o_a0, age_31_60_amount AS o_a31, age_61_90_amount AS o_a61, age_over_90_amount AS o_a90, toUInt8(1) AS o_present
    FROM marts.fact_receivables_monthly FINAL
) AS o USING (month, currency)
WHERE n_present != o_present OR n_as_of != o_as_of OR n_billed != o_billed OR n_credited != o_credited OR n_collected != o_collected OR n_written != o_written
   OR n_outstanding != o_outstanding OR n_open != o_open OR n_a0 != o_a0 OR n_a31 != o_a31 OR n_a61 != o_a61 OR n_a90 != o_a90
SETTINGS join_use_nulls = 0
