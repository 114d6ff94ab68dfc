-- Crypto-shredding: every customer's personal fields (names, birth date, contact values) are encrypted under a data key
-- of their own (core/Security/SubjectKeyCipher.cs, ciphertext format 2), stored here only wrapped by the master key.
-- Erasure destroys the wrapped key, so every copy of that customer's ciphertext (change-stream topics, warehouse parts,
-- backups) becomes unreadable. The schema keyring is NOT in the change stream's publication (schema hub only) and is not
-- audited: a key must never leave PostgreSQL. Rows written before this script (format 1, master key) are moved under a
-- customer key by `./cablehub dsr rekey`.
CREATE SCHEMA IF NOT EXISTS keyring;

CREATE TABLE keyring.customer_key (
    customer_id  uuid PRIMARY KEY REFERENCES hub.customer (id),
    wrapped_key  bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    shredded_at  timestamptz,
    CHECK ((wrapped_key IS NULL) = (shredded_at IS NOT NULL))
);

-- When the customer's personal data was erased (data-subject erasure request); their number and non-personal facts stay.
ALTER TABLE hub.customer ADD COLUMN erased_at timestamptz;
