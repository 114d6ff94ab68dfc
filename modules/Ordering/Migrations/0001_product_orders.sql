-- replaces: CableHub.Core.Store.Migrations.0001_operational_model.sql
-- Ordering module: TMF622 product orders, items, state history (from the operational model, split by owner).

CREATE SCHEMA IF NOT EXISTS hub;

-- TMF622 productOrder: one order, its items and its state history.
CREATE TABLE hub.product_order (
    id               uuid PRIMARY KEY,
    external_id      text,
    state            text NOT NULL CHECK (state IN ('acknowledged', 'rejected', 'pending', 'held', 'inProgress', 'cancelled', 'completed', 'failed', 'partial')),
    state_reason     text,
    customer_id      uuid NOT NULL REFERENCES hub.customer (id),
    billing_account_id uuid REFERENCES hub.billing_account (id),
    channel          text NOT NULL DEFAULT 'api',
    correlation_id   text NOT NULL,
    requested_at     timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_order_customer_idx ON hub.product_order (customer_id);
CREATE UNIQUE INDEX product_order_external_idx ON hub.product_order (external_id) WHERE external_id IS NOT NULL;

CREATE TABLE hub.product_order_item (
    order_id    uuid NOT NULL REFERENCES hub.product_order (id) ON DELETE CASCADE,
    item_id     text NOT NULL,
    action      text NOT NULL CHECK (action IN ('add', 'modify', 'delete', 'noChange')),
    plan_id     uuid NOT NULL REFERENCES hub.plan (id),
    quantity    integer NOT NULL DEFAULT 1 CHECK (quantity > 0),
    state       text NOT NULL,
    PRIMARY KEY (order_id, item_id)
);

CREATE TABLE hub.product_order_state_change (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   uuid NOT NULL REFERENCES hub.product_order (id) ON DELETE CASCADE,
    state      text NOT NULL,
    reason     text,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_order_state_change_order_idx ON hub.product_order_state_change (order_id);

