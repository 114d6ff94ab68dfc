INSERT INTO marts.fact_invoice_line
    (invoice_id, line_no, invoice_number, invoice_kind, line_kind, description, billing_account_id, customer_id, subscription_id, plan_id,
     issue_date, issue_month, period_start, period_end, amount, currency, tax_category, tax_rate, informational, _version, _is_deleted, _refreshed_at)
SELECT
    l.invoice_id, toUInt16(l.line_no), i.invoice_number, i.kind, l.kind, l.description, i.billing_account_id, i.customer_id, l.subscription_id,
    ifNull(s.plan_id, toUUID('00000000-0000-0000-0000-000000000000')),
    toDate(i.issue_date), toStartOfMonth(toDate(i.issue_date)),
    if(l.period_start IS NULL, NULL, toDate(assumeNotNull(l.period_start))), if(l.period_end IS NULL, NULL, toDate(assumeNotNull(l.period_end))),
    toDecimal64(l.amount, 2), trimBoth(i.currency), ifNull(l.tax_category, ''), ifNull(toDecimal32(l.tax_rate, 4), toDecimal32(0, 4)), toUInt8(l.informational),
    {version:UInt64}, 0, {refreshed_at:DateTime64(3, 'UTC')}
FROM (SELECT invoice_id, line_no, kind, description, period_start, period_end, amount, tax_category, tax_rate, subscription_id, informational
      FROM hub.invoice_line WHERE $scope(invoice_id)) AS l
INNER JOIN (SELECT id, invoice_number, kind, billing_account_id, customer_id, issue_date, currency FROM hub.invoice WHERE $scope(id)) AS i ON i.id = l.invoice_id
LEFT JOIN (SELECT id, plan_id FROM hub.subscription) AS s ON s.id = l.subscription_id
SETTINGS join_use_nulls = 1
