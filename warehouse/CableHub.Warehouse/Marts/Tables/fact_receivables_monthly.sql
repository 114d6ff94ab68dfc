CREATE TABLE IF NOT EXISTS marts.fact_receivables_monthly
(
    month                 Date                     COMMENT 'First day of the month in the reporting time zone ({reporting_tz})',
    currency              LowCardinality(String)   COMMENT 'ISO 4217 currency of every amount of the row',
    as_of_date            Date                     COMMENT 'Day the outstanding amounts and ageing are taken at: the last day of the month, today for the current month (local)',
    billed_amount         Decimal(18, 2)           COMMENT 'Totals (tax included) of the invoices issued in the month',
    credited_amount       Decimal(18, 2)           COMMENT 'Totals of the credit notes issued in the month (≤ 0)',
    collected_amount      Decimal(18, 2)           COMMENT 'Money received in the month (hub.payment by local receipt day; suspense money included)',
    written_off_amount    Decimal(18, 2)           COMMENT 'Open amounts of the invoices written off in the month',
    outstanding_amount    Decimal(18, 2)           COMMENT 'Open at the end of as_of_date: invoice totals issued by then − allocations by then + credit notes by then; written-off invoices count 0 from their write-off day',
    open_invoices         UInt64                   COMMENT 'Invoices with an outstanding amount at as_of_date',
    age_0_30_amount       Decimal(18, 2)           COMMENT 'Outstanding of invoices 0–30 days past due at as_of_date (not yet due included)',
    age_31_60_amount      Decimal(18, 2)           COMMENT 'Outstanding of invoices 31–60 days past due at as_of_date',
    age_61_90_amount      Decimal(18, 2)           COMMENT 'Outstanding of invoices 61–90 days past due at as_of_date',
    age_over_90_amount    Decimal(18, 2)           COMMENT 'Outstanding of invoices more than 90 days past due at as_of_date',
    _version              UInt64                   COMMENT 'Refresh that wrote the row; FINAL keeps the highest',
    _is_deleted           UInt8                    COMMENT '1 = the month × currency has no data any more (FINAL hides it)',
    _refreshed_at         DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
PARTITION BY toYear(month)
ORDER BY (month, currency)
COMMENT 'Grain: month × currency, from the first invoice month to the current month: billed, credited, collected, written off in the month, and what is outstanding at its end in ageing buckets (days past due), local dates in the reporting time zone. Recomputed when invoices, payments or allocations changed since the watermark or the day rolled over; only rows that differ are written. Read with FINAL.'
