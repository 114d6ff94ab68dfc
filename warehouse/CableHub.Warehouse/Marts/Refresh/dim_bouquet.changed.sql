SELECT id FROM raw.hub_package WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION DISTINCT
SELECT package_id FROM raw.hub_package_channel WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION DISTINCT
SELECT package_id FROM raw.hub_package_channel WHERE channel_id IN (SELECT id FROM raw.hub_channel WHERE _ingested_at >= {since:DateTime64(3, 'UTC')})
UNION DISTINCT
SELECT id FROM raw.hub_package WHERE broadcaster_id IN (SELECT id FROM raw.hub_broadcaster WHERE _ingested_at >= {since:DateTime64(3, 'UTC')})
