CREATE TABLE IF NOT EXISTS marts.dim_customer
(
    customer_id         UUID                     COMMENT 'Customer id (hub.customer.id, TMF629 customer)',
    customer_number     String                   COMMENT 'Customer number (C0000001): a reference, not personal data',
    status              LowCardinality(String)   COMMENT 'prospective | active | suspended | inactive | terminated',
    preferred_language  LowCardinality(String)   COMMENT 'Preferred language (ISO 639-1)',
    lco_id              UUID                     COMMENT 'Local cable operator serving the customer (zero UUID = none)',
    lco_code            LowCardinality(String)   COMMENT 'LCO code ('''' = none)',
    lco_name            LowCardinality(String)   COMMENT 'LCO name',
    lco_region          LowCardinality(String)   COMMENT 'LCO region',
    city                LowCardinality(String)   COMMENT 'City of the current postal address (coarse location only; street and house stay encrypted in PostgreSQL)',
    state_or_province   LowCardinality(String)   COMMENT 'State or province of the current postal address',
    country             LowCardinality(String)   COMMENT 'ISO 3166-1 alpha-2 country of the current postal address',
    billing_accounts    UInt16                   COMMENT 'Billing accounts of the customer',
    prepaid             Bool                     COMMENT 'The (first) billing account is prepaid',
    payment_method      LowCardinality(String)   COMMENT 'Payment method of the (first) billing account',
    created_at_utc      DateTime64(6, 'UTC')     COMMENT 'When the customer was created (UTC)',
    created_date        Date                     COMMENT 'Sign-up date in the reporting time zone ({reporting_tz})',
    _version            UInt64                   COMMENT 'Refresh that wrote the row; FINAL keeps the highest',
    _is_deleted         UInt8                    COMMENT '1 = the customer no longer exists (FINAL hides it)',
    _refreshed_at       DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
ORDER BY customer_id
COMMENT 'Grain: one row per customer (current state). No personal data: names, birth date, e-mail, phone and street are encrypted in PostgreSQL and never copied here. Incremental by watermark on customer, contact_medium, billing_account, lco. Read with FINAL.'
