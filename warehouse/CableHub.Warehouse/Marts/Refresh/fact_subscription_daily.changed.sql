-- Anything that can move a day's counts: subscriptions, and customers (their LCO).
SELECT 1 FROM raw.hub_subscription WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION ALL
SELECT 1 FROM raw.hub_customer WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
