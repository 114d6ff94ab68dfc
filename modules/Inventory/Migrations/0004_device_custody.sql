-- New with the CAS command log per subscriber (issue 14; it replaces none of the old scripts).
-- Who held a device when: one row per stretch of time a customer held it (reserved for their order, installed at their
-- premises, awaiting its return), from the moment hub.device.customer_id named them until it named someone else or nobody
-- (back in stock, refurbishing, RMA, scrapped). Written by a trigger on hub.device, so every writer (reservations, swaps,
-- returns, staff changes through the inventory API, CSV imports) leaves the same history. The CAS command log and the
-- warehouse's marts.cas_command attribute a box's commands to the subscriber who held it at the time: a box swapped out
-- keeps its earlier commands in the old subscriber's log, and its commands after being handed to another subscriber are theirs.

CREATE TABLE hub.device_custody (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id    uuid NOT NULL REFERENCES hub.device (id) ON DELETE CASCADE,
    customer_id  uuid NOT NULL,
    held_from    timestamptz NOT NULL,
    held_to      timestamptz,                     -- NULL: still held
    CHECK (held_to IS NULL OR held_to >= held_from)
);
CREATE UNIQUE INDEX device_custody_open_idx ON hub.device_custody (device_id) WHERE held_to IS NULL;
CREATE INDEX device_custody_customer_idx ON hub.device_custody (customer_id, held_from);
CREATE INDEX device_custody_device_idx ON hub.device_custody (device_id, held_from);

CREATE FUNCTION hub.device_record_custody() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.customer_id IS NOT DISTINCT FROM NEW.customer_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.customer_id IS NOT NULL THEN
        UPDATE hub.device_custody SET held_to = greatest(held_from, now()) WHERE device_id = NEW.id AND held_to IS NULL;
    END IF;
    IF NEW.customer_id IS NOT NULL THEN
        -- A device inserted already held (an import, the demo seed) is held since its row says; a change, from now.
        INSERT INTO hub.device_custody (device_id, customer_id, held_from)
        VALUES (NEW.id, NEW.customer_id, CASE WHEN TG_OP = 'INSERT' THEN least(coalesce(NEW.updated_at, now()), now()) ELSE now() END);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER device_record_custody AFTER INSERT OR UPDATE OF customer_id ON hub.device
    FOR EACH ROW EXECUTE FUNCTION hub.device_record_custody();

-- Devices held before this script: from the last time they left stock for a customer (reserved or installed), else since
-- they were created.
INSERT INTO hub.device_custody (device_id, customer_id, held_from)
SELECT d.id, d.customer_id,
       coalesce((SELECT max(m.at) FROM hub.stock_movement m
                 WHERE m.device_id = d.id AND m.to_status IN ('reserved', 'installed')
                   AND m.from_status IS DISTINCT FROM 'reserved' AND m.from_status IS DISTINCT FROM 'installed'), d.created_at)
FROM hub.device d
WHERE d.customer_id IS NOT NULL;
