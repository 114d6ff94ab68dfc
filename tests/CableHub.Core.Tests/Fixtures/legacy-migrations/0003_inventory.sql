-- Equipment inventory and supplier EDI: equipment models, suppliers, serial-level lifecycle with every movement
-- recorded, STB↔card pairing history, non-serialised stock (cable, …), reorder points and low-stock alerts,
-- purchase orders (X12 850 out), ship notices (X12 856 / EDIFACT DESADV in) turned into receipts with their
-- discrepancies, the EDI file register (inbox, quarantine, duplicates) and the outbound EDI files (850, 997).
-- Every table has a primary key (CDC to the warehouse). Time is timestamptz (UTC).

-- ---------------------------------------------------------------------------------------------------------
-- Devices: more kinds, where they came from.
ALTER TABLE hub.device DROP CONSTRAINT IF EXISTS device_kind_check;
ALTER TABLE hub.device ADD CONSTRAINT device_kind_check CHECK (kind IN ('stb', 'smart_card', 'modem', 'remote', 'cable'));
ALTER TABLE hub.device ADD COLUMN purchase_order_id uuid;
ALTER TABLE hub.device ADD COLUMN receipt_id uuid;
CREATE INDEX device_model_idx ON hub.device (model_code, status, location_id);
CREATE INDEX device_purchase_order_idx ON hub.device (purchase_order_id) WHERE purchase_order_id IS NOT NULL;

ALTER TABLE hub.stock_location ADD COLUMN customer_id uuid REFERENCES hub.customer (id);
ALTER TABLE hub.stock_location ADD COLUMN active boolean NOT NULL DEFAULT true;
ALTER TABLE hub.stock_location ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

-- ---------------------------------------------------------------------------------------------------------
-- Suppliers and the equipment models they sell.
CREATE TABLE hub.supplier (
    id                uuid PRIMARY KEY,
    code              text NOT NULL UNIQUE,
    name              text NOT NULL,
    -- X12 ISA05/ISA06 (and GS02) of the supplier; EDIFACT UNB sender id.
    x12_qualifier     text NOT NULL DEFAULT 'ZZ',
    x12_id            text NOT NULL,
    edifact_id        text,
    currency          char(3) NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hub.equipment_model (
    code              text PRIMARY KEY,            -- our model code, = hub.device.model_code
    kind              text NOT NULL CHECK (kind IN ('stb', 'smart_card', 'modem', 'remote', 'cable')),
    name              text NOT NULL,
    manufacturer      text NOT NULL DEFAULT '',
    serialized        boolean NOT NULL DEFAULT true,   -- false: counted by quantity (cable, …)
    supplier_id       uuid REFERENCES hub.supplier (id),
    supplier_part     text,                            -- the supplier's code (X12 LIN/PO1 VP)
    gtin              text,
    unit_price        numeric(12, 2) NOT NULL DEFAULT 0 CHECK (unit_price >= 0),
    currency          char(3) NOT NULL DEFAULT 'INR',
    unit              text NOT NULL DEFAULT 'EA',
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX equipment_model_supplier_part_idx ON hub.equipment_model (supplier_id, supplier_part) WHERE supplier_part IS NOT NULL;

-- ---------------------------------------------------------------------------------------------------------
-- Lifecycle of a serialised item: the allowed status changes (the hub's code reads the same table; a trigger
-- rejects any other change, whoever makes it).
CREATE TABLE hub.device_transition (
    from_status  text NOT NULL,
    to_status    text NOT NULL,
    PRIMARY KEY (from_status, to_status)
);
INSERT INTO hub.device_transition (from_status, to_status) VALUES
    ('ordered', 'in_transit'), ('ordered', 'in_stock'), ('ordered', 'scrapped'),
    ('in_transit', 'in_stock'), ('in_transit', 'returned'), ('in_transit', 'scrapped'),
    ('in_stock', 'reserved'), ('in_stock', 'installed'), ('in_stock', 'in_transit'), ('in_stock', 'refurbishing'),
    ('in_stock', 'rma'), ('in_stock', 'scrapped'),
    ('reserved', 'in_stock'), ('reserved', 'installed'),
    ('installed', 'returned'),
    ('returned', 'in_stock'), ('returned', 'refurbishing'), ('returned', 'rma'), ('returned', 'scrapped'),
    ('refurbishing', 'in_stock'), ('refurbishing', 'rma'), ('refurbishing', 'scrapped'),
    ('rma', 'in_transit'), ('rma', 'in_stock'), ('rma', 'scrapped');

-- Every change of status or location of a device (and every quantity moved for non-serialised models).
-- who / why / reference come from the transaction's settings cablehub.actor, cablehub.reason and
-- cablehub.reference (set_config(..., true)); 'system' when nobody said.
CREATE TABLE hub.stock_movement (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id         uuid REFERENCES hub.device (id) ON DELETE CASCADE,
    model_code        text NOT NULL,
    quantity          integer NOT NULL DEFAULT 1,
    from_location_id  uuid,
    to_location_id    uuid,
    from_status       text,
    to_status         text,
    actor             text NOT NULL,
    reason            text NOT NULL,
    reference         text,
    at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_movement_device_idx ON hub.stock_movement (device_id, id);
CREATE INDEX stock_movement_at_idx ON hub.stock_movement (at);

CREATE FUNCTION hub.device_check_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status
       AND NOT EXISTS (SELECT 1 FROM hub.device_transition t WHERE t.from_status = OLD.status AND t.to_status = NEW.status) THEN
        RAISE EXCEPTION 'device % cannot go from % to %', OLD.serial_number, OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'device_lifecycle', TABLE = 'device', SCHEMA = 'hub',
                  DETAIL = format('allowed from %s: %s', OLD.status,
                      coalesce((SELECT string_agg(to_status, ', ' ORDER BY to_status) FROM hub.device_transition WHERE from_status = OLD.status), 'nothing'));
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER device_check_transition BEFORE UPDATE OF status ON hub.device
    FOR EACH ROW EXECUTE FUNCTION hub.device_check_transition();

CREATE FUNCTION hub.device_record_movement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.location_id IS DISTINCT FROM OLD.location_id THEN
        INSERT INTO hub.stock_movement (device_id, model_code, quantity, from_location_id, to_location_id, from_status, to_status, actor, reason, reference)
        VALUES (NEW.id, NEW.model_code, 1,
                CASE WHEN TG_OP = 'UPDATE' THEN OLD.location_id END, NEW.location_id,
                CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
                coalesce(nullif(current_setting('cablehub.actor', true), ''), 'system'),
                coalesce(nullif(current_setting('cablehub.reason', true), ''), CASE WHEN TG_OP = 'INSERT' THEN 'created' ELSE 'status change' END),
                nullif(current_setting('cablehub.reference', true), ''));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER device_record_movement AFTER INSERT OR UPDATE OF status, location_id ON hub.device
    FOR EACH ROW EXECUTE FUNCTION hub.device_record_movement();

-- STB ↔ smart card pairing history (the current pair is hub.device.paired_device_id on both devices).
CREATE TABLE hub.device_pairing (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stb_id      uuid NOT NULL REFERENCES hub.device (id) ON DELETE CASCADE,
    card_id     uuid NOT NULL REFERENCES hub.device (id) ON DELETE CASCADE,
    action      text NOT NULL CHECK (action IN ('paired', 'unpaired')),
    actor       text NOT NULL,
    reason      text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_pairing_stb_idx ON hub.device_pairing (stb_id, id);
CREATE INDEX device_pairing_card_idx ON hub.device_pairing (card_id, id);

-- Non-serialised stock (cable in metres, …): quantity per model and location.
CREATE TABLE hub.stock_quantity (
    model_code   text NOT NULL REFERENCES hub.equipment_model (code),
    location_id  uuid NOT NULL REFERENCES hub.stock_location (id),
    quantity     integer NOT NULL CHECK (quantity >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_code, location_id)
);

-- Stock per model and location: serialised devices by status, plus non-serialised quantities (as in_stock).
CREATE VIEW hub.stock_level AS
SELECT model_code, location_id,
       sum(in_stock)::integer AS in_stock, sum(reserved)::integer AS reserved, sum(in_transit)::integer AS in_transit,
       sum(returned)::integer AS returned, sum(refurbishing)::integer AS refurbishing, sum(rma)::integer AS rma
FROM (
    SELECT model_code, location_id,
           count(*) FILTER (WHERE status = 'in_stock') AS in_stock,
           count(*) FILTER (WHERE status = 'reserved') AS reserved,
           count(*) FILTER (WHERE status = 'in_transit') AS in_transit,
           count(*) FILTER (WHERE status = 'returned') AS returned,
           count(*) FILTER (WHERE status = 'refurbishing') AS refurbishing,
           count(*) FILTER (WHERE status = 'rma') AS rma
    FROM hub.device
    WHERE location_id IS NOT NULL AND status IN ('in_stock', 'reserved', 'in_transit', 'returned', 'refurbishing', 'rma')
    GROUP BY model_code, location_id
    UNION ALL
    SELECT model_code, location_id, quantity, 0, 0, 0, 0, 0 FROM hub.stock_quantity
) s
GROUP BY model_code, location_id;

-- ---------------------------------------------------------------------------------------------------------
-- Reorder points and low-stock alerts.
CREATE TABLE hub.reorder_point (
    model_code        text NOT NULL REFERENCES hub.equipment_model (code),
    location_id       uuid NOT NULL REFERENCES hub.stock_location (id),
    min_quantity      integer NOT NULL CHECK (min_quantity >= 0),   -- alert when in stock < this
    reorder_quantity  integer NOT NULL CHECK (reorder_quantity > 0),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_code, location_id)
);

CREATE TABLE hub.stock_alert (
    id                 uuid PRIMARY KEY,
    model_code         text NOT NULL REFERENCES hub.equipment_model (code),
    location_id        uuid NOT NULL REFERENCES hub.stock_location (id),
    status             text NOT NULL CHECK (status IN ('open', 'ordered', 'resolved')),
    in_stock           integer NOT NULL,
    min_quantity       integer NOT NULL,
    purchase_order_id  uuid,
    raised_at          timestamptz NOT NULL DEFAULT now(),
    resolved_at        timestamptz
);
-- One unresolved alert per model and location.
CREATE UNIQUE INDEX stock_alert_active_idx ON hub.stock_alert (model_code, location_id) WHERE status <> 'resolved';

-- Inventory events (what happened, for people and for the integration topics): LowStockDetected,
-- PurchaseOrderSent, ShipNoticeReceived, EdiFileQuarantined, …
CREATE TABLE hub.inventory_event (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type        text NOT NULL,
    subject_id  text NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inventory_event_type_idx ON hub.inventory_event (type, id);

-- ---------------------------------------------------------------------------------------------------------
-- Purchase orders: draft → sent → partially_received → received; draft/sent/partially_received → cancelled.
CREATE SEQUENCE hub.purchase_order_number_seq;

CREATE TABLE hub.purchase_order (
    id                    uuid PRIMARY KEY,
    number                text NOT NULL UNIQUE,
    supplier_id           uuid NOT NULL REFERENCES hub.supplier (id),
    ship_to_location_id   uuid NOT NULL REFERENCES hub.stock_location (id),
    status                text NOT NULL CHECK (status IN ('draft', 'sent', 'partially_received', 'received', 'cancelled')),
    currency              char(3) NOT NULL,
    order_date            date NOT NULL,
    requested_delivery    date,
    created_by            text NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    sent_at               timestamptz,
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX purchase_order_status_idx ON hub.purchase_order (status);

CREATE TABLE hub.purchase_order_line (
    purchase_order_id   uuid NOT NULL REFERENCES hub.purchase_order (id) ON DELETE CASCADE,
    line_number         integer NOT NULL,
    model_code          text NOT NULL REFERENCES hub.equipment_model (code),
    quantity            integer NOT NULL CHECK (quantity > 0),
    unit_price          numeric(12, 2) NOT NULL CHECK (unit_price >= 0),
    received_quantity   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (purchase_order_id, line_number)
);

CREATE TABLE hub.purchase_order_state_change (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purchase_order_id   uuid NOT NULL REFERENCES hub.purchase_order (id) ON DELETE CASCADE,
    status              text NOT NULL,
    actor               text NOT NULL,
    reason              text,
    at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX purchase_order_state_change_po_idx ON hub.purchase_order_state_change (purchase_order_id, id);

-- ---------------------------------------------------------------------------------------------------------
-- EDI files received (inbox folder, upload, CLI): content-addressed by SHA-256, processed once.
CREATE TABLE hub.edi_file (
    id                 uuid PRIMARY KEY,
    sha256             text NOT NULL UNIQUE,
    size_bytes         bigint NOT NULL,
    original_name      text NOT NULL,
    source             text NOT NULL,
    format             text,                 -- X12 / EDIFACT / null (not EDI)
    status             text NOT NULL CHECK (status IN ('processing', 'processed', 'quarantined')),
    reason             text,                 -- why it was quarantined
    interchange_control text,
    sender_id          text,
    ship_notices       integer NOT NULL DEFAULT 0,
    received_at        timestamptz NOT NULL DEFAULT now(),
    processed_at       timestamptz
);
CREATE INDEX edi_file_status_idx ON hub.edi_file (status, received_at);

-- Every arrival of a file, the first and the duplicates.
CREATE TABLE hub.edi_file_arrival (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    edi_file_id    uuid NOT NULL REFERENCES hub.edi_file (id) ON DELETE CASCADE,
    original_name  text NOT NULL,
    source         text NOT NULL,
    duplicate      boolean NOT NULL,
    at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX edi_file_arrival_file_idx ON hub.edi_file_arrival (edi_file_id);

-- Receipts: one ship notice against one purchase order (or none, when the notice names an unknown PO).
CREATE TABLE hub.receipt (
    id                     uuid PRIMARY KEY,
    edi_file_id            uuid REFERENCES hub.edi_file (id),
    purchase_order_id      uuid REFERENCES hub.purchase_order (id),
    purchase_order_number  text,
    shipment_id            text NOT NULL,
    source_format          text NOT NULL,
    location_id            uuid REFERENCES hub.stock_location (id),
    status                 text NOT NULL CHECK (status IN ('clean', 'discrepancies', 'unmatched')),
    serials_received       integer NOT NULL DEFAULT 0,
    received_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX receipt_po_idx ON hub.receipt (purchase_order_id);
CREATE INDEX receipt_file_idx ON hub.receipt (edi_file_id);

CREATE TABLE hub.receipt_line (
    receipt_id           uuid NOT NULL REFERENCES hub.receipt (id) ON DELETE CASCADE,
    line_number          integer NOT NULL,
    model_code           text NOT NULL,
    ordered              integer NOT NULL,
    previously_received  integer NOT NULL,
    shipped              integer NOT NULL,
    status               text NOT NULL CHECK (status IN ('received', 'short', 'over')),
    PRIMARY KEY (receipt_id, line_number)
);

CREATE TABLE hub.receipt_discrepancy (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    receipt_id      uuid NOT NULL REFERENCES hub.receipt (id) ON DELETE CASCADE,
    kind            text NOT NULL,   -- short, over, unknown_serial, wrong_model, duplicate_serial, serial_count_mismatch, unknown_purchase_order, purchase_order_not_open
    message         text NOT NULL,
    model_code      text,
    serial_number   text,
    sscc            text,
    quantity        integer
);
CREATE INDEX receipt_discrepancy_receipt_idx ON hub.receipt_discrepancy (receipt_id);

-- EDI files for suppliers (850 purchase orders, 997 acknowledgements), also exported to the outbox folder.
CREATE SEQUENCE hub.edi_interchange_control_seq MINVALUE 1 MAXVALUE 999999999 CYCLE;
CREATE SEQUENCE hub.edi_group_control_seq MINVALUE 1 MAXVALUE 999999999 CYCLE;

CREATE TABLE hub.edi_outbound (
    id                          uuid PRIMARY KEY,
    kind                        text NOT NULL CHECK (kind IN ('850', '997')),
    supplier_id                 uuid REFERENCES hub.supplier (id),
    purchase_order_id           uuid REFERENCES hub.purchase_order (id),
    edi_file_id                 uuid REFERENCES hub.edi_file (id),
    interchange_control_number  bigint NOT NULL,
    file_name                   text NOT NULL UNIQUE,
    content                     bytea NOT NULL,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    exported_at                 timestamptz
);
CREATE INDEX edi_outbound_pending_idx ON hub.edi_outbound (created_at) WHERE exported_at IS NULL;

-- Stock takes (counts imported from the back office): what was counted, what the system said.
CREATE TABLE hub.stock_take (
    id            uuid PRIMARY KEY,
    location_id   uuid NOT NULL REFERENCES hub.stock_location (id),
    source_name   text NOT NULL,
    actor         text NOT NULL,
    counted       integer NOT NULL,
    confirmed     integer NOT NULL,
    moved_here    integer NOT NULL,
    missing       integer NOT NULL,
    at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hub.stock_take_line (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stock_take_id   uuid NOT NULL REFERENCES hub.stock_take (id) ON DELETE CASCADE,
    line_number     integer NOT NULL,           -- CSV line, or 0 for devices the system expected and nobody counted
    serial_number   text,
    model_code      text NOT NULL,
    quantity        integer NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('confirmed', 'moved_here', 'missing', 'quantity_adjusted'))
);
CREATE INDEX stock_take_line_take_idx ON hub.stock_take_line (stock_take_id);
