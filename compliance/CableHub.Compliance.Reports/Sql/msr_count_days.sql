-- Snapshot days whose subscriber counts exist, with the snapshot instant.
SELECT toString(snapshot_date) AS day, toInt64(toUnixTimestamp(any(snapshot_at))) AS at_s
FROM marts.fact_entitlement_snapshot_count
WHERE snapshot_date >= {from:Date} AND snapshot_date <= {to:Date}
GROUP BY snapshot_date
