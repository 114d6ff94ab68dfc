-- Billing's direct-debit tables are audited like payments: mandates (per customer; the encrypted IBAN and holder name are
-- redacted as every *_enc field), the pain.008 batches and their collections.
INSERT INTO hub.audit_table (table_name, customer_column) VALUES
    ('direct_debit_mandate', 'customer_id'), ('direct_debit_batch', NULL), ('direct_debit_collection', NULL)
ON CONFLICT (table_name) DO NOTHING;
SELECT hub.audit_attach(t) FROM unnest(ARRAY['direct_debit_mandate', 'direct_debit_batch', 'direct_debit_collection']) AS t;
