-- replaces: CableHub.Core.Store.Migrations.0001_operational_model.sql
-- Inventory module: stock locations and serial-level devices (from the operational model, split by owner).

CREATE SCHEMA IF NOT EXISTS hub;

-- Equipment: stock locations and serial-level devices (STBs, smart cards).
CREATE TABLE hub.stock_location (
    id          uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('warehouse', 'van', 'premises'))
);

CREATE TABLE hub.device (
    id                 uuid PRIMARY KEY,
    serial_number      text NOT NULL UNIQUE,
    kind               text NOT NULL CHECK (kind IN ('stb', 'smart_card')),
    model_code         text NOT NULL,
    cas_id             text UNIQUE,
    status             text NOT NULL CHECK (status IN ('ordered', 'in_transit', 'in_stock', 'reserved', 'installed', 'returned', 'refurbishing', 'rma', 'scrapped')),
    activation_state   text NOT NULL DEFAULT 'inactive' CHECK (activation_state IN ('inactive', 'active', 'suspended')),
    location_id        uuid REFERENCES hub.stock_location (id),
    paired_device_id   uuid REFERENCES hub.device (id),
    customer_id        uuid REFERENCES hub.customer (id),
    reserved_for       uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_stock_idx ON hub.device (kind, status, location_id);
CREATE INDEX device_customer_idx ON hub.device (customer_id);

