-- Plans whose row may differ since {since}: the plan, its bouquets, their channels. Raw tables without FINAL:
-- every version counts (a superset is harmless; a changed key is only recomputed).
SELECT id FROM raw.hub_plan WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION DISTINCT
SELECT plan_id FROM raw.hub_plan_package WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION DISTINCT
SELECT plan_id FROM raw.hub_plan_package WHERE package_id IN
(
    SELECT package_id FROM raw.hub_package_channel WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
    UNION DISTINCT
    SELECT package_id FROM raw.hub_package_channel WHERE channel_id IN (SELECT id FROM raw.hub_channel WHERE _ingested_at >= {since:DateTime64(3, 'UTC')})
)
