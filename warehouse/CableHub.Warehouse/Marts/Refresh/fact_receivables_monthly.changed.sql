-- Anything that can move billed, collected or outstanding amounts: invoices, payments, allocations.
SELECT 1 FROM raw.hub_invoice WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION ALL
SELECT 1 FROM raw.hub_payment WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION ALL
SELECT 1 FROM raw.hub_payment_allocation WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
