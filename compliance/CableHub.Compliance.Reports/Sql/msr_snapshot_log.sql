-- Snapshots the mart scheduler took (also those that found no entitlement at all), by instant.
SELECT DISTINCT toUnixTimestamp64Milli(assumeNotNull(snapshot_at)) AS at_ms
FROM marts._refresh_log
WHERE mart = 'fact_entitlement_snapshot' AND snapshot_at IS NOT NULL
  AND snapshot_at >= {from_utc:DateTime64(3, 'UTC')} AND snapshot_at < {to_utc:DateTime64(3, 'UTC')}
