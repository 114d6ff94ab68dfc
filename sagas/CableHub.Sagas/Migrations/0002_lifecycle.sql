-- Subscriber lifecycle sagas (issue 10): the CAS commands a lifecycle change sends, the lease that lets one change at a time
-- work on a subscription, and CAS reconciliation (runs and every difference found, with its age; compliance reports on it).

-- One row per CAS command of a change (plan change, add-on, suspension, restore, disconnect, swap, repair). Recorded before the
-- call (with a lease), answered after it; the compensation reverses the rows that may have taken effect.
CREATE TABLE sagas.lifecycle_cas_op (
    idempotency_key  text PRIMARY KEY,              -- lifecycle:{change}:{seq}:{op}:{box}
    change_id        uuid NOT NULL,
    seq              integer NOT NULL,
    device_id        uuid NOT NULL,
    cas_device_id    text NOT NULL,
    op               text NOT NULL CHECK (op IN ('add', 'remove', 'activate', 'deactivate', 'message')),
    products         text[] NOT NULL DEFAULT '{}',
    compensation     boolean NOT NULL DEFAULT false,
    attempts         integer NOT NULL DEFAULT 1,
    started_at       timestamptz NOT NULL,
    lease_until      timestamptz NOT NULL,
    finished_at      timestamptz,
    outcome          text CHECK (outcome IN ('accepted', 'rejected', 'unavailable')),
    reason           text,
    UNIQUE (change_id, compensation, seq)
);

-- One change at a time per subscription: a change holds the lease from computing its CAS delta until its hub transaction commits.
CREATE TABLE sagas.lifecycle_lease (
    subscription_id  uuid PRIMARY KEY,
    change_id        uuid NOT NULL,
    until            timestamptz NOT NULL
);

CREATE TABLE sagas.cas_reconciliation_run (
    id               uuid PRIMARY KEY,
    trigger          text NOT NULL CHECK (trigger IN ('schedule', 'verb', 'api', 'test')),
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    devices_checked  integer NOT NULL DEFAULT 0,
    differences      integer NOT NULL DEFAULT 0,
    repaired         integer NOT NULL DEFAULT 0,
    repair_failed    integer NOT NULL DEFAULT 0,
    dry_run          boolean NOT NULL DEFAULT false,
    error            text
);

-- Every difference between what the hub says a box may descramble and what the CAS holds. Age = found_at - since
-- (since: the later of the hub's last change for the box and the CAS's last change of it, i.e. how long the two have disagreed
-- at least). first_seen_at carries over from the previous run that found the same difference.
CREATE TABLE sagas.cas_drift (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id           uuid NOT NULL REFERENCES sagas.cas_reconciliation_run (id),
    device_id        uuid,
    cas_device_id    text NOT NULL,
    product_id       text,
    kind             text NOT NULL CHECK (kind IN ('missing', 'extra', 'wrong_validity', 'device_inactive', 'device_unknown')),
    hub_valid_to     timestamptz,
    cas_valid_to     timestamptz,
    since            timestamptz NOT NULL,
    found_at         timestamptz NOT NULL,
    age_seconds      bigint NOT NULL,
    first_seen_at    timestamptz NOT NULL,
    repaired_at      timestamptz,
    repair_outcome   text,
    detail           text
);
CREATE INDEX cas_drift_run_idx ON sagas.cas_drift (run_id);
CREATE INDEX cas_drift_device_idx ON sagas.cas_drift (cas_device_id, product_id, kind);
