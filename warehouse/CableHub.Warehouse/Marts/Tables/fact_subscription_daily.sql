CREATE TABLE IF NOT EXISTS marts.fact_subscription_daily
(
    snapshot_date          Date                     COMMENT 'Day in the reporting time zone ({reporting_tz}); counts are at the end of that day',
    plan_id                UUID                     COMMENT 'Plan (marts.dim_plan)',
    lco_id                 UUID                     COMMENT 'LCO of the customers (marts.dim_customer.lco_id; zero UUID = none)',
    active_subscriptions   UInt64                   COMMENT 'Subscriptions started on or before the day and not ended by its end',
    started                UInt64                   COMMENT 'Subscriptions that started that day (activations)',
    ended                  UInt64                   COMMENT 'Subscriptions that ended that day (churn: terminated or cancelled after start)',
    _version               UInt64                   COMMENT 'Refresh that wrote the row; FINAL keeps the highest',
    _is_deleted            UInt8                    COMMENT '1 = no subscription of this plan and LCO on that day any more (FINAL hides it)',
    _refreshed_at          DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
PARTITION BY toYYYYMM(snapshot_date)
ORDER BY (snapshot_date, plan_id, lco_id)
COMMENT 'Grain: one row per day × plan × LCO with at least one active, started or ended subscription, from the subscriptions'' start/end (reporting time zone). Suspensions count as active (the source keeps no suspension history). Recomputed when subscriptions or customers changed since the watermark; only rows that differ are written. Read with FINAL.'
