SELECT id FROM raw.hub_invoice WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
