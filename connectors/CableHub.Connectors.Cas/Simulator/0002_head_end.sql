-- The simulated CAS as a head-end (issue 10): registration of boxes (unknown boxes are refused), pairing,
-- product validity per product, on-screen messages and forced tunes, a "down" switch, listing for
-- reconciliation. Runs once (cas_sim.schema_version), after 0001.

ALTER TABLE cas_sim.command_log DROP CONSTRAINT IF EXISTS command_log_kind_check;
ALTER TABLE cas_sim.command_log ADD CONSTRAINT command_log_kind_check CHECK (kind IN (
    'register', 'activate', 'deactivate', 'update_entitlements', 'add_products', 'remove_products',
    'pair', 'unpair', 'osd_message', 'force_tune'));
-- What the command addressed: a box (cas_device_id is the box id) or a smart card (cas_device_id is the card number).
ALTER TABLE cas_sim.command_log ADD COLUMN IF NOT EXISTS target_kind text NOT NULL DEFAULT 'box'
    CHECK (target_kind IN ('box', 'smart_card'));
ALTER TABLE cas_sim.command_log ADD COLUMN IF NOT EXISTS rejection_code text;
-- The rest of the command as received (per-product validity, message text, service id…).
ALTER TABLE cas_sim.command_log ADD COLUMN IF NOT EXISTS payload jsonb;
ALTER TABLE cas_sim.command_log ADD COLUMN IF NOT EXISTS correlation_id text;

-- Boxes exist in the CAS from their registration (the vendor's device import) or, in the lenient demo mode,
-- from their first activation. smart_card_number is the card paired with the box now.
ALTER TABLE cas_sim.device ADD COLUMN IF NOT EXISTS paired_at timestamptz;
ALTER TABLE cas_sim.device ADD COLUMN IF NOT EXISTS registered_at timestamptz NOT NULL DEFAULT clock_timestamp();
CREATE INDEX IF NOT EXISTS device_updated_idx ON cas_sim.device (updated_at, cas_device_id);
DO $$
BEGIN
    -- A card sits in one box at a time (created only where older data allows it).
    IF NOT EXISTS (SELECT smart_card_number FROM cas_sim.device WHERE smart_card_number IS NOT NULL
                   GROUP BY smart_card_number HAVING count(*) > 1) THEN
        CREATE UNIQUE INDEX IF NOT EXISTS device_smart_card_once ON cas_sim.device (smart_card_number)
            WHERE smart_card_number IS NOT NULL;
    END IF;
END $$;

-- valid_from was optional; granted_at gives "since when" to entitlements granted without one.
ALTER TABLE cas_sim.entitlement ADD COLUMN IF NOT EXISTS granted_at timestamptz NOT NULL DEFAULT clock_timestamp();

-- On-screen messages and forced tunes the head-end sent to a box.
CREATE TABLE IF NOT EXISTS cas_sim.screen_command (
    command_id       bigint PRIMARY KEY REFERENCES cas_sim.command_log (id),
    cas_device_id    text NOT NULL REFERENCES cas_sim.device (cas_device_id),
    kind             text NOT NULL CHECK (kind IN ('osd_message', 'force_tune')),
    message_text     text,
    priority         text,
    service_id       text,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS screen_command_device_idx ON cas_sim.screen_command (cas_device_id, command_id);

-- The switch that takes the head-end down for a while (tests, the admin endpoint, `cablehub cas-sim down`).
CREATE TABLE IF NOT EXISTS cas_sim.control (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    down_until   timestamptz,
    down_reason  text,
    changed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO cas_sim.control (id) VALUES (true) ON CONFLICT DO NOTHING;
