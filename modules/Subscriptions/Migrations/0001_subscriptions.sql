-- replaces: CableHub.Core.Store.Migrations.0001_operational_model.sql
-- Subscriptions module: subscriptions and device × channel entitlements (from the operational model, split by owner).

CREATE SCHEMA IF NOT EXISTS hub;

-- TMF637 product inventory: the customer's subscription to a plan.
CREATE TABLE hub.subscription (
    id                  uuid PRIMARY KEY,
    customer_id         uuid NOT NULL REFERENCES hub.customer (id),
    billing_account_id  uuid NOT NULL REFERENCES hub.billing_account (id),
    plan_id             uuid NOT NULL REFERENCES hub.plan (id),
    order_id            uuid REFERENCES hub.product_order (id),
    device_id           uuid REFERENCES hub.device (id),
    status              text NOT NULL CHECK (status IN ('created', 'pending_active', 'active', 'suspended', 'terminated', 'cancelled')),
    start_at            timestamptz,
    end_at              timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscription_customer_idx ON hub.subscription (customer_id);
CREATE INDEX subscription_plan_status_idx ON hub.subscription (plan_id, status);

-- Entitlements: device × channel with validity (what the CAS was told).
CREATE TABLE hub.entitlement (
    id               uuid PRIMARY KEY,
    device_id        uuid NOT NULL REFERENCES hub.device (id),
    channel_id       uuid NOT NULL REFERENCES hub.channel (id),
    subscription_id  uuid NOT NULL REFERENCES hub.subscription (id),
    valid_from       timestamptz NOT NULL,
    valid_to         timestamptz,
    UNIQUE (device_id, channel_id, subscription_id, valid_from)
);
CREATE INDEX entitlement_device_idx ON hub.entitlement (device_id) WHERE valid_to IS NULL;
CREATE INDEX entitlement_subscription_idx ON hub.entitlement (subscription_id);

