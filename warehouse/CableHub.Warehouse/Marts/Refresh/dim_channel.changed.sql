SELECT id FROM raw.hub_channel WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION DISTINCT
SELECT id FROM raw.hub_channel WHERE broadcaster_id IN (SELECT id FROM raw.hub_broadcaster WHERE _ingested_at >= {since:DateTime64(3, 'UTC')})
