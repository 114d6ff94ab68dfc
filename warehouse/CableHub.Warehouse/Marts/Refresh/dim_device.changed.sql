SELECT id FROM raw.hub_device WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION DISTINCT
SELECT id FROM raw.hub_device WHERE model_code IN (SELECT code FROM raw.hub_equipment_model WHERE _ingested_at >= {since:DateTime64(3, 'UTC')})
UNION DISTINCT
SELECT id FROM raw.hub_device WHERE location_id IN (SELECT id FROM raw.hub_stock_location WHERE _ingested_at >= {since:DateTime64(3, 'UTC')})
UNION DISTINCT
SELECT id FROM raw.hub_device WHERE customer_id IN (SELECT id FROM raw.hub_customer WHERE _ingested_at >= {since:DateTime64(3, 'UTC')})
