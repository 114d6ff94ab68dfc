-- New with the subscriber lifecycle (issue 10; it replaces none of the old scripts).
-- Orders for an existing subscription (TMF622 items with action modify / add / delete naming the product): the item names
-- the subscription, the offering it adds, removes or moves to (a plan, bouquet or channel) or the status it asks for
-- (suspended / active); the order says when (now, at the next billing cycle, or a requested start date).

ALTER TABLE hub.product_order_item
    ALTER COLUMN plan_id DROP NOT NULL,
    ADD COLUMN subscription_id  uuid,
    ADD COLUMN offering_kind    text CHECK (offering_kind IS NULL OR offering_kind IN ('plan', 'bouquet', 'channel')),
    ADD COLUMN offering_id      uuid,
    ADD COLUMN target_status    text CHECK (target_status IS NULL OR target_status IN ('suspended', 'active')),
    ADD COLUMN reason           text;

ALTER TABLE hub.product_order
    ADD COLUMN kind                text NOT NULL DEFAULT 'new' CHECK (kind IN ('new', 'change')),
    ADD COLUMN requested_start_at  timestamptz;
CREATE INDEX product_order_item_subscription_idx ON hub.product_order_item (subscription_id) WHERE subscription_id IS NOT NULL;
