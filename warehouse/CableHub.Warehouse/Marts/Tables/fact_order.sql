CREATE TABLE IF NOT EXISTS marts.fact_order
(
    order_id              UUID                     COMMENT 'Product order id (hub.product_order.id, TMF622)',
    external_id           String                   COMMENT 'Caller''s order reference ('''' = none)',
    customer_id           UUID                     COMMENT 'Ordering customer (marts.dim_customer)',
    lco_id                UUID                     COMMENT 'LCO of the customer (zero UUID = none)',
    billing_account_id    Nullable(UUID)           COMMENT 'Billing account charged',
    state                 LowCardinality(String)   COMMENT 'acknowledged | rejected | pending | held | inProgress | cancelled | completed | failed | partial',
    sales_channel         LowCardinality(String)   COMMENT 'Where the order came from (api, portal, lco, …)',
    items                 UInt16                   COMMENT 'Order items',
    plan_id               Nullable(UUID)           COMMENT 'Plan of the first item (marts.dim_plan)',
    plan_codes            Array(LowCardinality(String)) COMMENT 'Plan codes of all items, in item order',
    actions               Array(LowCardinality(String)) COMMENT 'Item actions (add | modify | delete | noChange), in item order',
    recurring_amount      Decimal(18, 2)           COMMENT 'Sum of the items'' plan prices × quantity (per the plans'' billing periods)',
    currency              LowCardinality(String)   COMMENT 'ISO 4217 currency of recurring_amount',
    requested_at_utc      DateTime64(6, 'UTC')     COMMENT 'When the order was received (UTC)',
    completed_at_utc      Nullable(DateTime64(6, 'UTC')) COMMENT 'When it reached a final state (UTC)',
    requested_date        Date                     COMMENT 'Order date in the reporting time zone ({reporting_tz})',
    requested_hour        UInt8                    COMMENT 'Hour of day (0–23) of the order in the reporting time zone',
    completed_date        Nullable(Date)           COMMENT 'Completion date in the reporting time zone',
    seconds_to_complete   Nullable(Float64)        COMMENT 'completed_at − requested_at in seconds',
    _version              UInt64                   COMMENT 'Refresh that wrote the row; FINAL keeps the highest',
    _is_deleted           UInt8                    COMMENT '1 = the order no longer exists (FINAL hides it)',
    _refreshed_at         DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
PARTITION BY toYYYYMM(requested_date)
ORDER BY (requested_date, order_id)
COMMENT 'Grain: one row per product order (TMF622), with its items summarised. No state reason: it can be text a requester typed (a cancellation reason), which stays in PostgreSQL. Incremental by watermark on product_order, product_order_item. Read with FINAL.'
