-- New with the subscriber lifecycle (issue 10; it replaces none of the old scripts).
-- Add-ons a subscription holds beside its plan (a bouquet or an à-la-carte channel), the suspension state, and the history
-- of every change (plan change, add-on, suspension, restore, disconnect, box swap): one row per change id, so applying a
-- change twice (a redelivered saga step) changes nothing the second time.

ALTER TABLE hub.subscription
    ADD COLUMN suspended_at       timestamptz,
    ADD COLUMN suspension_reason  text CHECK (suspension_reason IS NULL OR suspension_reason IN ('vacation', 'dunning', 'operator'));

CREATE TABLE hub.subscription_addon (
    id               uuid PRIMARY KEY,
    subscription_id  uuid NOT NULL REFERENCES hub.subscription (id),
    kind             text NOT NULL CHECK (kind IN ('bouquet', 'channel')),
    offering_id      uuid NOT NULL,                    -- hub.package.id (bouquet) or hub.channel.id (channel)
    price            numeric(12, 2),
    currency         char(3),
    valid_from       timestamptz NOT NULL,
    valid_to         timestamptz,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE UNIQUE INDEX subscription_addon_live_idx ON hub.subscription_addon (subscription_id, kind, offering_id) WHERE valid_to IS NULL;

CREATE TABLE hub.subscription_change (
    id               uuid PRIMARY KEY,                 -- the change id (the saga's id)
    subscription_id  uuid NOT NULL REFERENCES hub.subscription (id),
    order_id         uuid,
    kind             text NOT NULL CHECK (kind IN ('plan_change', 'addon_add', 'addon_remove', 'suspend', 'restore', 'disconnect', 'device_swap')),
    from_plan_id     uuid,
    to_plan_id       uuid,
    offering_kind    text,
    offering_id      uuid,
    reason           text,
    effective_at     timestamptz NOT NULL,
    channels_added   integer NOT NULL DEFAULT 0,
    channels_removed integer NOT NULL DEFAULT 0,
    recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscription_change_subscription_idx ON hub.subscription_change (subscription_id, effective_at);
CREATE INDEX entitlement_live_subscription_idx ON hub.entitlement (subscription_id) WHERE valid_to IS NULL;
