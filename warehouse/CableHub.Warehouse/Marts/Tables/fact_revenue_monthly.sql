CREATE TABLE IF NOT EXISTS marts.fact_revenue_monthly
(
    month                 Date                     COMMENT 'First day of the issue month in the reporting time zone ({reporting_tz})',
    currency              LowCardinality(String)   COMMENT 'ISO 4217 currency of every amount of the row',
    plan_id               UUID                     COMMENT 'Plan of the billed subscription (marts.dim_plan; zero UUID = not plan-related: one-time charges, taxes)',
    tax_rate              Decimal(7, 4)            COMMENT 'Tax rate of the lines (0 = untaxed)',
    invoices              UInt64                   COMMENT 'Invoices and credit notes with a counted line in the group',
    net_amount            Decimal(18, 2)           COMMENT 'Billed before tax: non-tax lines, credits and discounts included (negative credit notes reduce it)',
    tax_amount            Decimal(18, 2)           COMMENT 'Tax lines at this rate',
    gross_amount          Decimal(18, 2)           COMMENT 'net_amount + tax_amount',
    credited_amount       Decimal(18, 2)           COMMENT 'Part of gross_amount from credit notes (≤ 0)',
    _version              UInt64                   COMMENT 'Refresh that wrote the row; FINAL keeps the highest',
    _is_deleted           UInt8                    COMMENT '1 = the group has no line any more (FINAL hides it)',
    _refreshed_at         DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
PARTITION BY toYear(month)
ORDER BY (month, currency, plan_id, tax_rate)
COMMENT 'Grain: issue month × currency × plan × tax rate: revenue billed (net, tax, gross, credited) from marts.fact_invoice_line, informational lines excluded. Recomputed when invoices or lines changed since the watermark; only rows that differ are written. Read with FINAL.'
