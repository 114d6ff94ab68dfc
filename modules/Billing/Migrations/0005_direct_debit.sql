-- Billing: SEPA direct debit. Mandates the subscribers signed (the IBAN and the account holder's name encrypted at rest,
-- never streamed), the pain.008 batches built from their due open invoices, and one collection per invoice in a batch: an
-- invoice with a pending or collected collection is never put in another batch (a re-run collects nothing twice).

CREATE TABLE hub.direct_debit_mandate (
    id                  uuid PRIMARY KEY,
    mandate_id          text NOT NULL UNIQUE,         -- the unique mandate reference (UMR) the subscriber signed
    billing_account_id  uuid NOT NULL REFERENCES hub.billing_account (id),
    customer_id         uuid NOT NULL,
    debtor_name_enc     bytea NOT NULL,               -- account holder as on the mandate (FieldEncryptor)
    iban_enc            bytea NOT NULL,               -- debtor IBAN (FieldEncryptor)
    iban_last4          char(4) NOT NULL,             -- what staff and statements show
    bic                 text,
    signed_on           date NOT NULL,
    next_sequence       text NOT NULL DEFAULT 'FRST' CHECK (next_sequence IN ('FRST', 'RCUR')),  -- FRST until the first collection, then RCUR
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    recorded_by         text NOT NULL,
    recorded_at         timestamptz NOT NULL,
    revoked_at          timestamptz,
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
-- One mandate in force per billing account.
CREATE UNIQUE INDEX direct_debit_mandate_active_uq ON hub.direct_debit_mandate (billing_account_id) WHERE status = 'active';
CREATE INDEX direct_debit_mandate_customer_idx ON hub.direct_debit_mandate (customer_id);

CREATE TABLE hub.direct_debit_batch (
    id               uuid PRIMARY KEY,
    message_id       text NOT NULL UNIQUE,            -- GrpHdr/MsgId: the bank refuses a repeated one
    format           text NOT NULL,                   -- pain.008.001.02
    currency         char(3) NOT NULL,
    collection_date  date NOT NULL,
    collections      integer NOT NULL CHECK (collections > 0),
    control_sum      numeric(16, 2) NOT NULL CHECK (control_sum > 0),
    file_sha256      text NOT NULL,                   -- the file handed out (it holds names and IBANs: not kept here)
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL
);

CREATE TABLE hub.direct_debit_collection (
    batch_id            uuid NOT NULL REFERENCES hub.direct_debit_batch (id),
    invoice_id          uuid NOT NULL REFERENCES hub.invoice (id),
    mandate_id          uuid NOT NULL REFERENCES hub.direct_debit_mandate (id),
    billing_account_id  uuid NOT NULL,
    end_to_end_id       text NOT NULL,                -- the invoice number: what the bank's camt.054 brings back
    sequence            text NOT NULL CHECK (sequence IN ('FRST', 'RCUR')),
    amount              numeric(14, 2) NOT NULL CHECK (amount > 0),
    currency            char(3) NOT NULL,
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'collected', 'returned')),
    PRIMARY KEY (batch_id, invoice_id)
);
-- The invoice is collection-pending while a collection is pending (or was collected): never collected twice. A returned one frees it.
CREATE UNIQUE INDEX direct_debit_collection_invoice_uq ON hub.direct_debit_collection (invoice_id) WHERE status IN ('pending', 'collected');
CREATE INDEX direct_debit_collection_e2e_idx ON hub.direct_debit_collection (end_to_end_id);
