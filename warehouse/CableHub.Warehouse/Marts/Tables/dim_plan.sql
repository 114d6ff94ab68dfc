CREATE TABLE IF NOT EXISTS marts.dim_plan
(
    plan_id          UUID                     COMMENT 'Plan id (hub.plan.id, TMF620 productOffering id)',
    plan_code        String                   COMMENT 'Plan code shown to customers, e.g. FAMILY-M',
    plan_name        String                   COMMENT 'Plan name',
    billing_period   LowCardinality(String)   COMMENT 'monthly | quarterly | semiannual | annual',
    price            Decimal(18, 2)           COMMENT 'Recurring price per billing period (in currency)',
    currency         LowCardinality(String)   COMMENT 'ISO 4217 currency of price',
    status           LowCardinality(String)   COMMENT 'active | retired',
    bouquets         UInt32                   COMMENT 'Bouquets (hub.package) the plan includes',
    channels         UInt32                   COMMENT 'Distinct channels the plan includes through its bouquets',
    pay_channels     UInt32                   COMMENT 'Of channels, those that are not free-to-air',
    created_at_utc   DateTime64(6, 'UTC')     COMMENT 'When the plan was created (UTC)',
    created_date     Date                     COMMENT 'Creation date in the reporting time zone ({reporting_tz})',
    _version         UInt64                   COMMENT 'Refresh that wrote the row (marts._refresh_log.version); FINAL keeps the highest',
    _is_deleted      UInt8                    COMMENT '1 = the plan no longer exists (FINAL hides it)',
    _refreshed_at    DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
ORDER BY plan_id
COMMENT 'Grain: one row per plan (current state, SCD type 1). Incremental by watermark on plan, plan_package, package_channel, channel. Read with FINAL.'
