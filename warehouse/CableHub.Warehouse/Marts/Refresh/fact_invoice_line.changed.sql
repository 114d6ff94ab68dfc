SELECT invoice_id FROM raw.hub_invoice_line WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION DISTINCT
SELECT id FROM raw.hub_invoice WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
