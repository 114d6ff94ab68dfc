-- State of the simulated conditional-access system. It plays an OUTSIDE vendor system: the hub never
-- writes here in its own transactions; only SimulatedConditionalAccessSystem does, on its own connection.
-- Idempotent: runs at every start of the simulator.

CREATE SCHEMA IF NOT EXISTS cas_sim;

-- Every command the CAS received, in arrival order, including duplicates and refusals.
-- outcome: applied   = first command with this idempotency key, took effect
--          rejected  = first command with this key, refused (rejection_reason says why)
--          duplicate = a key seen before; no effect, answered with the first command's result
--                      (original_id points at it)
CREATE TABLE IF NOT EXISTS cas_sim.command_log (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key    text NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('activate', 'deactivate', 'update_entitlements')),
    cas_device_id      text NOT NULL,
    smart_card_number  text,
    product_ids        text[] NOT NULL DEFAULT '{}',
    valid_from         timestamptz,
    valid_to           timestamptz,
    received_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    outcome            text NOT NULL CHECK (outcome IN ('applied', 'rejected', 'duplicate')),
    rejection_reason   text,
    vendor_reference   text,
    original_id        bigint REFERENCES cas_sim.command_log (id)
);
-- One first (non-duplicate) command per key: the key takes effect at most once.
CREATE UNIQUE INDEX IF NOT EXISTS command_log_key_once ON cas_sim.command_log (idempotency_key) WHERE outcome <> 'duplicate';
CREATE INDEX IF NOT EXISTS command_log_device_idx ON cas_sim.command_log (cas_device_id, id);

-- Boxes the CAS knows and whether it currently lets them descramble anything.
CREATE TABLE IF NOT EXISTS cas_sim.device (
    cas_device_id      text PRIMARY KEY,
    smart_card_number  text,
    state              text NOT NULL CHECK (state IN ('active', 'inactive')),
    updated_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_command_id    bigint NOT NULL REFERENCES cas_sim.command_log (id)
);

-- Current entitlements per box (what the box may descramble now).
CREATE TABLE IF NOT EXISTS cas_sim.entitlement (
    cas_device_id  text NOT NULL REFERENCES cas_sim.device (cas_device_id),
    product_id     text NOT NULL,
    valid_from     timestamptz,
    valid_to       timestamptz,
    granted_by     bigint NOT NULL REFERENCES cas_sim.command_log (id),
    PRIMARY KEY (cas_device_id, product_id)
);
