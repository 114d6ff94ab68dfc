INSERT INTO marts.fact_invoice
    (invoice_id, invoice_number, kind, series, billing_account_id, customer_id, bill_run_id, corrects_invoice_id, period_start, period_end,
     issue_date, issue_month, due_date, currency, subtotal, tax_total, total, open_amount, settled_amount, status, regulatory_profile, tax_jurisdiction,
     issued_at_utc, settled_at_utc, days_to_settle, days_past_due, _version, _is_deleted, _refreshed_at)
WITH toDate(toTimeZone({refreshed_at:DateTime64(3, 'UTC')}, '{reporting_tz}')) AS today
SELECT
    i.id, i.invoice_number, i.kind, i.series, i.billing_account_id, i.customer_id, i.bill_run_id, i.corrects_invoice_id,
    if(i.period_start IS NULL, NULL, toDate(assumeNotNull(i.period_start))), if(i.period_end IS NULL, NULL, toDate(assumeNotNull(i.period_end))),
    toDate(i.issue_date), toStartOfMonth(toDate(i.issue_date)), toDate(i.due_date), trimBoth(i.currency),
    toDecimal64(i.subtotal, 2), toDecimal64(i.tax_total, 2), toDecimal64(i.total, 2), toDecimal64(i.open_amount, 2),
    if(i.kind = 'invoice', toDecimal64(i.total, 2) - toDecimal64(i.open_amount, 2), toDecimal64(0, 2)),
    i.status, i.regulatory_profile, i.tax_jurisdiction, i.issued_at, i.settled_at,
    if(i.settled_at IS NULL, NULL, toInt32(dateDiff('day', toDate(i.issue_date), toDate(toTimeZone(assumeNotNull(i.settled_at), '{reporting_tz}'))))),
    if(toDecimal64(i.open_amount, 2) > 0 AND toDate(i.due_date) < today, toInt32(dateDiff('day', toDate(i.due_date), today)), 0),
    {version:UInt64}, 0, {refreshed_at:DateTime64(3, 'UTC')}
FROM
(
    SELECT id, invoice_number, kind, series, billing_account_id, customer_id, bill_run_id, corrects_invoice_id, period_start, period_end,
           issue_date, due_date, currency, subtotal, tax_total, total, open_amount, status, regulatory_profile, tax_jurisdiction, issued_at, settled_at
    FROM hub.invoice WHERE $scope(id)
) AS i
