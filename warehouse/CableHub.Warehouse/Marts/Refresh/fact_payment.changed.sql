SELECT id FROM raw.hub_payment WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION DISTINCT
SELECT payment_id FROM raw.hub_payment_allocation WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
