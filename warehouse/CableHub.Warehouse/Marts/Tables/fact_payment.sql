CREATE TABLE IF NOT EXISTS marts.fact_payment
(
    payment_id            UUID                     COMMENT 'Payment id (hub.payment.id, TMF676 payment)',
    source                LowCardinality(String)   COMMENT 'card | bank_transfer | direct_debit | cash | cheque',
    reference             String                   COMMENT 'Unique per source: gateway payment id, bank transaction reference',
    gateway               LowCardinality(String)   COMMENT 'Card gateway (stripe) or empty',
    card_brand            LowCardinality(String)   COMMENT 'Card brand or empty (no card number is ever stored)',
    billing_account_id    Nullable(UUID)           COMMENT 'Billing account the money belongs to (NULL while in suspense)',
    customer_id           Nullable(UUID)           COMMENT 'Customer of that account (marts.dim_customer); NULL while in suspense',
    status                LowCardinality(String)   COMMENT 'applied | suspense (waiting for a clerk to name the account)',
    received_date         Date                     COMMENT 'Day the money was received (local date in {reporting_tz})',
    received_month        Date                     COMMENT 'First day of the receipt month (local)',
    currency              LowCardinality(String)   COMMENT 'ISO 4217 currency of every amount of the row',
    amount                Decimal(18, 2)           COMMENT 'Amount received',
    allocated_amount      Decimal(18, 2)           COMMENT 'Part put on invoices so far (sum of hub.payment_allocation)',
    unallocated_amount    Decimal(18, 2)           COMMENT 'Part not on an invoice: the account''s credit (or all of it in suspense)',
    invoices_paid         UInt32                   COMMENT 'How many invoices this payment paid part of',
    received_at_utc       DateTime64(6, 'UTC')     COMMENT 'When the money was received (UTC)',
    recorded_at_utc       DateTime64(6, 'UTC')     COMMENT 'When the hub recorded it (UTC)',
    last_allocated_at_utc Nullable(DateTime64(6, 'UTC')) COMMENT 'Latest allocation to an invoice (UTC); NULL when none',
    _version              UInt64                   COMMENT 'Refresh that wrote the row; FINAL keeps the highest',
    _is_deleted           UInt8                    COMMENT '1 = the payment no longer exists (FINAL hides it)',
    _refreshed_at         DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
PARTITION BY toYYYYMM(received_date)
ORDER BY (received_date, payment_id)
COMMENT 'Grain: one row per payment (hub.payment) with what it allocated (hub.payment_allocation), Decimal amounts with their currency, dates local to the reporting time zone. Incremental per payment changed or allocated since the watermark. Read with FINAL.'
