-- The Tickets module's tables (migrated before Audit) are audited like every listed table: a ticket names its customer.
-- Their free text is stored encrypted (*_enc), which hub.audit_redact already keeps out of the log.
INSERT INTO hub.audit_table (table_name, customer_column) VALUES
    ('trouble_ticket', 'customer_id'), ('trouble_ticket_status_change', NULL), ('trouble_ticket_note', NULL)
ON CONFLICT DO NOTHING;
SELECT hub.audit_attach(table_name) FROM hub.audit_table WHERE table_name LIKE 'trouble\_ticket%' ORDER BY table_name;
