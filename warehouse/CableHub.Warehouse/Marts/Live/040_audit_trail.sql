-- The audit log for auditors: hub.audit_log (append-only and hash-chained in PostgreSQL, streamed like every hub table)
-- with local times. Before/after are the redacted JSON the log holds (no encrypted field, blind index, secret or
-- remittance text). Retention: the raw table has no TTL and the hub never deletes audit rows, so the warehouse keeps
-- them as long as PostgreSQL does (≥ 2 years required; forever by construction). Check the chain in PostgreSQL
-- (`./cablehub audit verify`); here chain_seq orders the sealed rows (NULL = not sealed yet).

CREATE OR REPLACE VIEW marts.audit_trail AS
SELECT
    a.id                                   AS audit_id,
    a.chain_seq                            AS chain_seq,
    a.at                                   AS at_utc,
    toTimeZone(a.at, '{reporting_tz}')     AS at_local,
    toDate(toTimeZone(a.at, '{reporting_tz}')) AS audit_date,
    a.actor                                AS actor,
    a.action                               AS action,
    a.table_name                           AS table_name,
    a.row_key                              AS row_key,
    a.customer_id                          AS customer_id,
    a.before                               AS before,
    a.after                                AS after,
    a.detail                               AS detail
FROM hub.audit_log AS a
COMMENT 'Every audited change and export (who, when, what, before/after redacted). Grain: one audit row. Kept without TTL.';
