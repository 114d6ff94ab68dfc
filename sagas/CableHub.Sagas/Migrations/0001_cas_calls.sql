-- New with the module split (it replaces none of the old scripts).
-- Sagas: the CAS commands a saga step sends. A step records its call here (with a lease) in a short transaction,
-- calls the CAS outside any transaction, then records the outcome in another short one. Steps for the same box take
-- turns through these rows (a deactivation waits while an activation's lease runs, an activation is skipped once a
-- deactivation started), instead of holding a row lock across the vendor call.

CREATE SCHEMA IF NOT EXISTS sagas;

CREATE TABLE sagas.cas_call (
    idempotency_key   text PRIMARY KEY,                 -- the key sent to the CAS: onboarding:{order}:{kind}:{box}
    order_id          uuid NOT NULL,
    device_id         uuid NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('activate', 'deactivate')),
    attempts          integer NOT NULL DEFAULT 1,
    started_at        timestamptz NOT NULL,
    lease_until       timestamptz NOT NULL,             -- a call not finished by then is over (timed out or its process died)
    finished_at       timestamptz,
    outcome           text CHECK (outcome IN ('accepted', 'rejected', 'unavailable')),
    vendor_reference  text,
    reason            text
);
CREATE INDEX cas_call_order_device_idx ON sagas.cas_call (order_id, device_id);
