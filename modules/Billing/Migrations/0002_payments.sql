-- Billing: incoming payments (card payments from gateway webhooks, bank credits from camt.054), their allocation to
-- invoices (oldest due first), the account's credit (what a payment has not yet allocated) and the suspense list
-- (money that names no account we know, kept with its reason for a clerk). Webhook deliveries are recorded once per
-- gateway event id. Money: numeric + ISO 4217 currency; instants UTC.

-- One row per payment, unique per source + reference (the gateway's payment id, the bank's transaction reference):
-- applying the same payment twice is a no-op. unallocated = the part not yet on an invoice (the account's credit).
CREATE TABLE hub.payment (
    id                  uuid PRIMARY KEY,
    source              text NOT NULL CHECK (source IN ('card', 'bank_transfer', 'direct_debit', 'cash', 'cheque')),
    reference           text NOT NULL,
    billing_account_id  uuid REFERENCES hub.billing_account (id),
    amount              numeric(14, 2) NOT NULL CHECK (amount > 0),
    currency            char(3) NOT NULL,
    unallocated         numeric(14, 2) NOT NULL CHECK (unallocated >= 0 AND unallocated <= amount),
    status              text NOT NULL CHECK (status IN ('applied', 'suspense')),
    suspense_reason     text,
    gateway             text,
    card_brand          text,
    card_last4          char(4),
    remittance          text,
    received_at         timestamptz NOT NULL,
    recorded_at         timestamptz NOT NULL,
    resolved_by         text,
    resolved_at         timestamptz,
    UNIQUE (source, reference),
    CHECK ((status = 'suspense') = (suspense_reason IS NOT NULL)),
    CHECK (status = 'suspense' OR billing_account_id IS NOT NULL),
    CHECK (status = 'applied' OR unallocated = amount)
);
CREATE INDEX payment_credit_idx ON hub.payment (billing_account_id, received_at) WHERE status = 'applied' AND unallocated > 0;
CREATE INDEX payment_suspense_idx ON hub.payment (recorded_at) WHERE status = 'suspense';
CREATE INDEX payment_account_idx ON hub.payment (billing_account_id, received_at);

-- What each payment paid of each invoice.
CREATE TABLE hub.payment_allocation (
    payment_id    uuid NOT NULL REFERENCES hub.payment (id),
    invoice_id    uuid NOT NULL REFERENCES hub.invoice (id),
    amount        numeric(14, 2) NOT NULL CHECK (amount > 0),
    allocated_at  timestamptz NOT NULL,
    PRIMARY KEY (payment_id, invoice_id)
);
CREATE INDEX payment_allocation_invoice_idx ON hub.payment_allocation (invoice_id);

-- Webhook deliveries applied, one per gateway event id (a replayed or duplicate delivery finds its row and applies nothing).
CREATE TABLE hub.payment_webhook_event (
    gateway             text NOT NULL,
    event_id            text NOT NULL,
    event_type          text NOT NULL,
    gateway_payment_id  text,
    outcome             text NOT NULL,
    received_at         timestamptz NOT NULL,
    PRIMARY KEY (gateway, event_id)
);
