-- One row per payment changed (status, credit) or allocated since the watermark; allocations summed per payment.
INSERT INTO marts.fact_payment
    (payment_id, source, reference, gateway, card_brand, billing_account_id, customer_id, status, received_date, received_month, currency,
     amount, allocated_amount, unallocated_amount, invoices_paid, received_at_utc, recorded_at_utc, last_allocated_at_utc, _version, _is_deleted, _refreshed_at)
SELECT
    p.id, p.source, p.reference, ifNull(p.gateway, ''), ifNull(p.card_brand, ''), p.billing_account_id, bp.customer_id, p.status,
    toDate(toTimeZone(p.received_at, '{reporting_tz}')), toStartOfMonth(toDate(toTimeZone(p.received_at, '{reporting_tz}'))), trimBoth(p.currency),
    toDecimal64(p.amount, 2), ifNull(a.allocated, toDecimal64(0, 2)), toDecimal64(p.unallocated, 2), toUInt32(ifNull(a.invoices, 0)),
    p.received_at, p.recorded_at, a.last_at,
    {version:UInt64}, 0, {refreshed_at:DateTime64(3, 'UTC')}
FROM (SELECT id, source, reference, gateway, card_brand, billing_account_id, status, received_at, recorded_at, currency, amount, unallocated
      FROM hub.payment WHERE $scope(id)) AS p
LEFT JOIN (SELECT payment_id, sum(toDecimal64(amount, 2)) AS allocated, count() AS invoices, max(allocated_at) AS last_at
           FROM hub.payment_allocation WHERE $scope(payment_id) GROUP BY payment_id) AS a ON a.payment_id = p.id
LEFT JOIN (SELECT billing_account_id, customer_id FROM hub.billing_profile) AS bp ON bp.billing_account_id = p.billing_account_id
SETTINGS join_use_nulls = 1
