-- The steps of the invoices with steps recorded since the watermark, with the invoice's number, account, customer and due date.
INSERT INTO marts.fact_dunning_step
    (invoice_id, step, kind, invoice_number, billing_account_id, customer_id, due_date, day, amount, currency, detail, taken_date, taken_at_utc,
     _version, _is_deleted, _refreshed_at)
SELECT
    d.invoice_id, d.step, d.kind, i.invoice_number, d.billing_account_id, i.customer_id, toDate(i.due_date),
    if(d.day IS NULL, NULL, toInt32(assumeNotNull(d.day))), if(d.amount IS NULL, NULL, toDecimal64(assumeNotNull(d.amount), 2)), trimBoth(i.currency), d.detail,
    toDate(toTimeZone(d.taken_at, '{reporting_tz}')), d.taken_at,
    {version:UInt64}, 0, {refreshed_at:DateTime64(3, 'UTC')}
FROM (SELECT invoice_id, step, kind, billing_account_id, day, amount, detail, taken_at FROM hub.dunning_step WHERE $scope(invoice_id)) AS d
INNER JOIN (SELECT id, invoice_number, customer_id, due_date, currency FROM hub.invoice WHERE $scope(id)) AS i ON i.id = d.invoice_id
SETTINGS join_use_nulls = 1
