CREATE TABLE IF NOT EXISTS marts.fact_invoice_line
(
    invoice_id            UUID                     COMMENT 'Invoice or credit note (marts.fact_invoice)',
    line_no               UInt16                   COMMENT 'Line number on the invoice (1…)',
    invoice_number        String                   COMMENT 'Number of the invoice',
    invoice_kind          LowCardinality(String)   COMMENT 'invoice | credit_note',
    line_kind             LowCardinality(String)   COMMENT 'recurring | proration | ncf | equipment_rental | one_time | adjustment | discount | tax | all_in_video_price | credit',
    description           String                   COMMENT 'Line text as printed (no personal data)',
    billing_account_id    UUID                     COMMENT 'Billing account billed',
    customer_id           UUID                     COMMENT 'Customer (marts.dim_customer)',
    subscription_id       Nullable(UUID)           COMMENT 'Subscription the line bills (NULL for taxes, one-time charges)',
    plan_id               UUID                     COMMENT 'Plan of that subscription now (marts.dim_plan; zero UUID = none)',
    issue_date            Date                     COMMENT 'Issue date of the invoice (local date in {reporting_tz})',
    issue_month           Date                     COMMENT 'First day of the issue month (local)',
    period_start          Nullable(Date)           COMMENT 'First day the line covers (local date)',
    period_end            Nullable(Date)           COMMENT 'Last day the line covers (local date)',
    amount                Decimal(18, 2)           COMMENT 'Line amount (negative for credits and discounts)',
    currency              LowCardinality(String)   COMMENT 'ISO 4217 currency of amount',
    tax_category          LowCardinality(String)   COMMENT 'cable_service | vod | equipment ('''' = not taxed / tax line)',
    tax_rate              Decimal(7, 4)            COMMENT 'Tax rate of the line (tax lines: the rate they levy; 0 = none)',
    informational         UInt8                    COMMENT '1 = shown but not counted in the totals (US all-in price)',
    _version              UInt64                   COMMENT 'Refresh that wrote the row; FINAL keeps the highest',
    _is_deleted           UInt8                    COMMENT '1 = the line no longer exists (FINAL hides it)',
    _refreshed_at         DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
PARTITION BY toYYYYMM(issue_date)
ORDER BY (issue_date, invoice_id, line_no)
COMMENT 'Grain: one row per invoice line (hub.invoice_line) with its invoice''s date, account and currency. Lines are immutable; refreshed per invoice changed since the watermark. Read with FINAL.'
