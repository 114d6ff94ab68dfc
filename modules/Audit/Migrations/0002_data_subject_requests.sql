-- The data-subject request log (GDPR art. 12(3), India DPDP): every access, erasure, rectification or objection request
-- with its one-month deadline (received + 1 calendar month, extendable once by two months with a reason) and how it ended.
-- Audited like every listed table (hub.audit_table), so each step of a request is in the hash-chained audit log.
CREATE TABLE hub.data_subject_request (
    id             uuid PRIMARY KEY,
    customer_id    uuid NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('access', 'erasure', 'rectification', 'objection')),
    received_at    timestamptz NOT NULL,
    due_at         timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'extended', 'completed', 'refused')),
    extended_reason text,
    closed_at      timestamptz,
    outcome        text,
    opened_by      text NOT NULL,
    closed_by      text,
    CHECK ((status IN ('completed', 'refused')) = (closed_at IS NOT NULL))
);
CREATE INDEX data_subject_request_due_idx ON hub.data_subject_request (due_at) WHERE status IN ('open', 'extended');
CREATE INDEX data_subject_request_customer_idx ON hub.data_subject_request (customer_id);

INSERT INTO hub.audit_table (table_name, customer_column) VALUES ('data_subject_request', 'customer_id');
SELECT hub.audit_attach('data_subject_request');
