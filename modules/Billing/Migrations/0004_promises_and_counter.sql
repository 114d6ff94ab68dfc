-- Billing: promises to pay (dunning pauses while one is kept), dunning's disconnect / promise steps, counter receipts.

CREATE TABLE hub.payment_promise (
    id                  uuid PRIMARY KEY,
    invoice_id          uuid NOT NULL REFERENCES hub.invoice (id),
    billing_account_id  uuid NOT NULL,
    promised_date       date NOT NULL,            -- local date (reporting time zone) by which the customer promised to pay
    amount              numeric(14, 2) CHECK (amount IS NULL OR amount > 0),
    currency            char(3) NOT NULL,
    note                text,
    recorded_by         text NOT NULL,            -- the actor from the token
    recorded_at         timestamptz NOT NULL
);
CREATE INDEX payment_promise_invoice_idx ON hub.payment_promise (invoice_id, promised_date DESC);

ALTER TABLE hub.dunning_step DROP CONSTRAINT dunning_step_kind_check;
ALTER TABLE hub.dunning_step ADD CONSTRAINT dunning_step_kind_check
    CHECK (kind IN ('reminder', 'late_fee', 'suspension', 'write_off', 'disconnect', 'promise', 'restore', 'settled'));

-- Cash and cheques taken at a counter (the operator's or a local cable operator's office): one receipt per payment, numbered
-- gaplessly per series (counter row locked in the recording transaction), the cashier from the token; a shift's totals are
-- the cashier's receipts of one local day.
CREATE TABLE hub.counter_receipt_series (
    code         text PRIMARY KEY,
    prefix       text NOT NULL UNIQUE,
    next_number  bigint NOT NULL DEFAULT 1 CHECK (next_number >= 1)
);
INSERT INTO hub.counter_receipt_series (code, prefix) VALUES ('RCPT', 'RCPT-');

CREATE TABLE hub.counter_receipt (
    receipt_number      text PRIMARY KEY,
    seq                 bigint NOT NULL,
    payment_id          uuid NOT NULL UNIQUE REFERENCES hub.payment (id),
    request_id          uuid NOT NULL UNIQUE,     -- the till's id of the request: a retry finds its receipt
    billing_account_id  uuid NOT NULL,
    method              text NOT NULL CHECK (method IN ('cash', 'cheque')),
    amount              numeric(14, 2) NOT NULL CHECK (amount > 0),
    currency            char(3) NOT NULL,
    cheque_number       text,
    cheque_bank         text,
    cashier             text NOT NULL,            -- actor from the token
    office              text,                     -- counter or LCO office, as the till names it
    shift_date          date NOT NULL,            -- local date (reporting time zone) of the cashier's shift
    received_at         timestamptz NOT NULL,
    CHECK ((method = 'cheque') = (cheque_number IS NOT NULL))
);
CREATE INDEX counter_receipt_shift_idx ON hub.counter_receipt (cashier, shift_date);
