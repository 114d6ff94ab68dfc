CREATE TABLE IF NOT EXISTS marts.fact_dunning_step
(
    invoice_id            UUID                     COMMENT 'Invoice dunned (marts.fact_invoice)',
    step                  String                   COMMENT 'Step id, unique per invoice: reminder:1, reminder:2, late_fee, suspension, write_off, restore, settled',
    kind                  LowCardinality(String)   COMMENT 'reminder | late_fee | suspension | write_off | restore | settled',
    invoice_number        String                   COMMENT 'Number of the invoice dunned',
    billing_account_id    UUID                     COMMENT 'Billing account of the invoice',
    customer_id           UUID                     COMMENT 'Customer (marts.dim_customer)',
    due_date              Date                     COMMENT 'The invoice''s due date (local date in {reporting_tz})',
    day                   Nullable(Int32)          COMMENT 'Days after the due date the step was taken; NULL for restore and settled (not on the policy''s calendar)',
    amount                Nullable(Decimal(18, 2)) COMMENT 'Late fee charged or amount written off; NULL for the other steps',
    currency              LowCardinality(String)   COMMENT 'ISO 4217 currency of amount (the invoice''s)',
    detail                String                   COMMENT 'What the step did, as the saga logged it (e.g. notification outcome)',
    taken_date            Date                     COMMENT 'Day the step was taken (local date)',
    taken_at_utc          DateTime64(6, 'UTC')     COMMENT 'When the step was taken (UTC, the dunning clock)',
    _version              UInt64                   COMMENT 'Refresh that wrote the row; FINAL keeps the highest',
    _is_deleted           UInt8                    COMMENT '1 = the step no longer exists (FINAL hides it)',
    _refreshed_at         DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
PARTITION BY toYYYYMM(taken_date)
ORDER BY (taken_date, invoice_id, step)
COMMENT 'Grain: one row per dunning step per invoice (hub.dunning_step), with the invoice''s number, account and due date. Steps are immutable; refreshed per invoice with steps recorded since the watermark. Read with FINAL.'
