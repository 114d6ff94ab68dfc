-- Anything that can move a month's revenue: invoices and their lines.
SELECT 1 FROM raw.hub_invoice WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION ALL
SELECT 1 FROM raw.hub_invoice_line WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
