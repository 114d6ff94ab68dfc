SELECT invoice_id FROM raw.hub_dunning_step WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
