-- Rows per snapshot day of the month in the snapshot table (answered from part metadata: count() by the partition key).
SELECT toString(snapshot_date) AS day, count() AS rows
FROM marts.fact_entitlement_snapshot
WHERE snapshot_date >= {from:Date} AND snapshot_date <= {to:Date}
GROUP BY snapshot_date
