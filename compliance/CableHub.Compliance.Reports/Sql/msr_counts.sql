-- The month's per-snapshot subscriber counts (a few rows per channel and bouquet; built when each snapshot was taken).
SELECT toString(broadcaster_id) AS broadcaster_id, broadcaster_code, subject, toString(subject_id) AS subject_id, subject_code,
       definition, bouquet_kind, toString(snapshot_date) AS day, subscribers
FROM marts.fact_entitlement_snapshot_count
WHERE snapshot_date >= {from:Date} AND snapshot_date <= {to:Date}
