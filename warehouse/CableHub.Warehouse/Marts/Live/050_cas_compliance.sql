-- requires: hub.sagas_cas_call, hub.sagas_lifecycle_cas_op, hub.sagas_cas_reconciliation_run, hub.sagas_cas_drift, hub.device_custody, hub.device, hub.customer
-- The CAS command log and the SMS↔CAS reconciliation for compliance officers (issue 14). The sagas' own tables reach the
-- warehouse like the hub's: the change stream captures schema sagas (host setting Cdc:Schemas), the ingester lands them in
-- raw.sagas_<table> with current-state views hub.sagas_<table>. Installed only where those tables exist (a warehouse fed
-- without the sagas schema skips this script, logged). Times UTC and local ({reporting_tz}).

-- Every command the hub sent (or was sending) to the CAS: onboarding activations / deactivations (sagas.cas_call) and the
-- lifecycle's product, activation and message commands, compensations and reconciliation repairs (sagas.lifecycle_cas_op),
-- with its outcome, attributed to the subscriber who held the box when the command started (hub.device_custody, the same
-- history the hub's `cas log` uses): a box swapped out keeps its earlier commands under its old subscriber, and its commands
-- after it was handed to someone else are theirs. customer_id NULL: nobody held the box then (stock, a reconciliation repair).
CREATE OR REPLACE VIEW marts.cas_command AS
SELECT
    x.idempotency_key                          AS idempotency_key,
    x.source                                   AS source,
    x.command                                  AS command,
    x.products                                 AS products,
    x.compensation                             AS compensation,
    x.device_id                                AS device_id,
    ifNull(dv.serial_number, '')               AS serial_number,
    if(x.cas_device_id = '', ifNull(dv.cas_id, ''), x.cas_device_id) AS cas_device_id,
    x.customer_id                              AS customer_id,
    ifNull(cu.customer_number, '')             AS customer_number,
    x.started_at                               AS started_at_utc,
    toTimeZone(x.started_at, '{reporting_tz}') AS started_at_local,
    toDate(toTimeZone(x.started_at, '{reporting_tz}')) AS command_date,
    x.finished_at                              AS finished_at_utc,
    x.attempts                                 AS attempts,
    x.outcome                                  AS outcome,
    x.reason                                   AS reason,
    x.order_id                                 AS order_id,
    x.change_id                                AS change_id
FROM
(
    SELECT
        c.*,
        if(k.customer_id = toUUID('00000000-0000-0000-0000-000000000000') OR (k.held_to IS NOT NULL AND c.started_at >= assumeNotNull(k.held_to)),
           CAST(NULL, 'Nullable(UUID)'), toNullable(k.customer_id)) AS customer_id
    FROM
    (
        SELECT idempotency_key, 'onboarding' AS source, device_id, '' AS cas_device_id, kind AS command, CAST([], 'Array(String)') AS products,
               false AS compensation, attempts, started_at, finished_at, CAST(outcome, 'Nullable(String)') AS outcome, CAST(reason, 'Nullable(String)') AS reason,
               CAST(order_id, 'Nullable(UUID)') AS order_id, CAST(NULL, 'Nullable(UUID)') AS change_id
        FROM hub.sagas_cas_call
        UNION ALL
        SELECT idempotency_key, 'lifecycle' AS source, device_id, cas_device_id, op AS command, products,
               compensation, attempts, started_at, finished_at, CAST(outcome, 'Nullable(String)') AS outcome, CAST(reason, 'Nullable(String)') AS reason,
               CAST(NULL, 'Nullable(UUID)') AS order_id, CAST(change_id, 'Nullable(UUID)') AS change_id
        FROM hub.sagas_lifecycle_cas_op
    ) AS c
    ASOF LEFT JOIN (SELECT device_id, customer_id, held_from, held_to FROM hub.device_custody) AS k
        ON c.device_id = k.device_id AND c.started_at >= k.held_from
) AS x
LEFT JOIN (SELECT id, serial_number, cas_id FROM hub.device) AS dv ON dv.id = x.device_id
LEFT JOIN (SELECT id, customer_number FROM hub.customer) AS cu ON cu.id = x.customer_id
COMMENT 'CAS command log: every activation, deactivation, product and message command sent to the CAS, its outcome and times, attributed to the subscriber holding the box when it started (hub.device_custody). Grain: one command (idempotency key).';

-- Every reconciliation run (scheduled, `cas reconcile`, API) with its differences by kind, the oldest difference's age and
-- what the repairs did.
CREATE OR REPLACE VIEW marts.cas_reconciliation_run AS
SELECT
    r.id                                       AS run_id,
    r.`trigger`                                AS `trigger`,
    r.dry_run                                  AS dry_run,
    r.started_at                               AS started_at_utc,
    toTimeZone(r.started_at, '{reporting_tz}') AS started_at_local,
    toDate(toTimeZone(r.started_at, '{reporting_tz}')) AS run_date,
    r.finished_at                              AS finished_at_utc,
    r.devices_checked                          AS devices_checked,
    r.differences                              AS differences,
    ifNull(d.missing, 0)                       AS missing,
    ifNull(d.extra, 0)                         AS extra,
    ifNull(d.wrong_validity, 0)                AS wrong_validity,
    ifNull(d.device_inactive, 0)               AS device_inactive,
    ifNull(d.device_unknown, 0)                AS device_unknown,
    ifNull(d.oldest_age_seconds, 0)            AS oldest_age_seconds,
    r.repaired                                 AS repaired,
    r.repair_failed                            AS repair_failed,
    r.error                                    AS error
FROM hub.sagas_cas_reconciliation_run AS r
LEFT JOIN
(
    SELECT run_id,
           countIf(kind = 'missing') AS missing, countIf(kind = 'extra') AS extra, countIf(kind = 'wrong_validity') AS wrong_validity,
           countIf(kind = 'device_inactive') AS device_inactive, countIf(kind = 'device_unknown') AS device_unknown,
           max(age_seconds) AS oldest_age_seconds
    FROM hub.sagas_cas_drift
    GROUP BY run_id
) AS d ON d.run_id = r.id
COMMENT 'SMS↔CAS reconciliation runs: boxes checked, differences by kind (missing, extra, wrong_validity, device_inactive, device_unknown), the oldest difference''s age, repairs. Grain: one run. The goal is zero differences.';

-- Every difference a run found between the hub's entitlements and the CAS, with its age.
CREATE OR REPLACE VIEW marts.cas_difference AS
SELECT
    f.id                                       AS difference_id,
    f.run_id                                   AS run_id,
    f.kind                                     AS kind,
    f.device_id                                AS device_id,
    ifNull(dv.serial_number, '')               AS serial_number,
    f.cas_device_id                            AS cas_device_id,
    f.product_id                               AS product_id,
    f.hub_valid_to                             AS hub_valid_to_utc,
    f.cas_valid_to                             AS cas_valid_to_utc,
    f.since                                    AS since_utc,
    f.found_at                                 AS found_at_utc,
    toTimeZone(f.found_at, '{reporting_tz}')   AS found_at_local,
    f.age_seconds                              AS age_seconds,
    f.first_seen_at                            AS first_seen_at_utc,
    f.repaired_at                              AS repaired_at_utc,
    f.repair_outcome                           AS repair_outcome,
    f.detail                                   AS detail
FROM hub.sagas_cas_drift AS f
LEFT JOIN (SELECT id, serial_number FROM hub.device) AS dv ON dv.id = f.device_id
COMMENT 'SMS↔CAS differences: per box and product, what the hub and the CAS hold, since when (age), whether repaired. Grain: one difference of one run.';
