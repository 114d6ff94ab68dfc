SELECT id FROM raw.hub_product_order WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION DISTINCT
SELECT order_id FROM raw.hub_product_order_item WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
