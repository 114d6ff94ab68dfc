-- Billing: the dunning record. Every step the dunning saga takes on an overdue invoice (reminders, late fee, suspension,
-- write-off, restore, settlement) is one row, so people and the warehouse see it (the saga's own state lives in
-- wolverine.dunning_saga and is gone when the saga ends). One row per invoice and step: a redelivered step finds its row.

CREATE TABLE hub.dunning_step (
    invoice_id          uuid NOT NULL REFERENCES hub.invoice (id),
    step                text NOT NULL,            -- reminder:1, reminder:2, …, late_fee, suspension, write_off, restore, settled
    kind                text NOT NULL CHECK (kind IN ('reminder', 'late_fee', 'suspension', 'write_off', 'restore', 'settled')),
    billing_account_id  uuid NOT NULL,
    day                 integer,                  -- days after the due date (local dates) when taken; NULL for restore / settled
    amount              numeric(14, 2),           -- late fee charged, amount written off; NULL for the other steps
    currency            char(3),
    detail              text NOT NULL,
    taken_at            timestamptz NOT NULL,
    PRIMARY KEY (invoice_id, step),
    CHECK ((amount IS NULL) = (currency IS NULL))
);
CREATE INDEX dunning_step_account_idx ON hub.dunning_step (billing_account_id, taken_at);
