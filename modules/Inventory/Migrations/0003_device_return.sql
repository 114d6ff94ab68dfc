-- New with the subscriber lifecycle (issue 10; it replaces none of the old scripts).
-- A box (and its paired card) the subscriber must send back: after a disconnect or a swap for a faulty box. The device stays
-- 'installed' (deactivated) until it arrives; receiving it moves it to 'returned' (TMF639 PATCH / inventory) and closes the row.

CREATE TABLE hub.device_return (
    id            uuid PRIMARY KEY,
    device_id     uuid NOT NULL REFERENCES hub.device (id),
    customer_id   uuid REFERENCES hub.customer (id),
    reason        text NOT NULL,
    reference     text,
    requested_at  timestamptz NOT NULL,
    received_at   timestamptz
);
CREATE UNIQUE INDEX device_return_open_idx ON hub.device_return (device_id) WHERE received_at IS NULL;
