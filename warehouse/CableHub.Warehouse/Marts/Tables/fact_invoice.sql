CREATE TABLE IF NOT EXISTS marts.fact_invoice
(
    invoice_id            UUID                     COMMENT 'Invoice or credit note id (hub.invoice.id, TMF678 customerBill)',
    invoice_number        String                   COMMENT 'Gapless number in its series (INV-…, CN-…)',
    kind                  LowCardinality(String)   COMMENT 'invoice | credit_note',
    series                LowCardinality(String)   COMMENT 'Number series (INV, CN)',
    billing_account_id    UUID                     COMMENT 'Billing account billed',
    customer_id           UUID                     COMMENT 'Customer (marts.dim_customer)',
    bill_run_id           Nullable(UUID)           COMMENT 'Bill run that issued it (NULL = issued ad hoc or a credit note)',
    corrects_invoice_id   Nullable(UUID)           COMMENT 'Credit notes: the invoice they correct',
    period_start          Nullable(Date)           COMMENT 'First day of the billed period (local date in {reporting_tz})',
    period_end            Nullable(Date)           COMMENT 'Last day of the billed period (local date)',
    issue_date            Date                     COMMENT 'Issue date (local date in the reporting time zone {reporting_tz})',
    issue_month           Date                     COMMENT 'First day of the issue month (local)',
    due_date              Date                     COMMENT 'Payment due date (local date)',
    currency              LowCardinality(String)   COMMENT 'ISO 4217 currency of every amount of the row',
    subtotal              Decimal(18, 2)           COMMENT 'Sum of the lines before tax (negative for credit notes)',
    tax_total             Decimal(18, 2)           COMMENT 'Sum of the tax lines',
    total                 Decimal(18, 2)           COMMENT 'subtotal + tax_total: what was billed (or credited, negative)',
    open_amount           Decimal(18, 2)           COMMENT 'What is still unpaid (0 once paid, credited or written off)',
    settled_amount        Decimal(18, 2)           COMMENT 'Invoices: total − open_amount (paid or credited so far); credit notes: 0',
    status                LowCardinality(String)   COMMENT 'issued | partially_paid | paid | credited | written_off',
    regulatory_profile    LowCardinality(String)   COMMENT 'IN | US | EU: the rules the invoice was rated under',
    tax_jurisdiction      LowCardinality(String)   COMMENT 'Tax jurisdiction of the account',
    issued_at_utc         DateTime64(6, 'UTC')     COMMENT 'When it was issued (UTC)',
    settled_at_utc        Nullable(DateTime64(6, 'UTC')) COMMENT 'When its open amount reached zero (UTC)',
    days_to_settle        Nullable(Int32)          COMMENT 'Local days from issue to settlement',
    days_past_due         Int32                    COMMENT 'Open invoices: local days past the due date at refresh (0 when not due or settled): ageing',
    _version              UInt64                   COMMENT 'Refresh that wrote the row; FINAL keeps the highest',
    _is_deleted           UInt8                    COMMENT '1 = the invoice no longer exists (FINAL hides it)',
    _refreshed_at         DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
PARTITION BY toYYYYMM(issue_date)
ORDER BY (issue_date, invoice_id)
COMMENT 'Grain: one row per invoice or credit note (hub.invoice), amounts as Decimal with their currency, dates local to the reporting time zone. Incremental by watermark on invoice (payments change status and open amount). Read with FINAL.'
