-- Every message the hub decided about, one row per idempotency key: the key is sent at most once.
-- No address or text in clear (personal data): the customer id, the template and the provider's message id
-- say what was sent to whom. Idempotent: runs at every start of the notification sender.
CREATE SCHEMA IF NOT EXISTS notification;

CREATE TABLE IF NOT EXISTS notification.message (
    idempotency_key      text PRIMARY KEY,
    channel              text NOT NULL CHECK (channel IN ('email', 'sms')),
    template_id          text NOT NULL,
    language             text,
    customer_id          text,
    -- sending = claimed by a sender until lease_until (a crashed sender's claim expires and is taken over)
    state                text NOT NULL CHECK (state IN ('sending', 'sent', 'suppressed', 'rejected')),
    reason               text,
    provider_message_id  text,
    attempts             int NOT NULL DEFAULT 0,
    correlation_id       text,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    lease_until          timestamptz,
    sent_at              timestamptz
);
CREATE INDEX IF NOT EXISTS message_customer_idx ON notification.message (customer_id, created_at);
