-- Free text people type, per audited table (issue 14, erasure of free text): an order's state reason (a requester's
-- cancellation reason), a subscription change's reason (a disconnect order's reason; its code stays in reason_code) and a
-- credit note's reason never enter the append-only log, like the payment remittance text before them. Which columns of an
-- audited table are free text is data, beside the table's customer column. Rows sealed before this script keep what they held.

ALTER TABLE hub.audit_table ADD COLUMN free_text_columns text[] NOT NULL DEFAULT '{}';
UPDATE hub.audit_table SET free_text_columns = '{state_reason}' WHERE table_name = 'product_order';
UPDATE hub.audit_table SET free_text_columns = '{reason}' WHERE table_name IN ('subscription_change', 'invoice');
UPDATE hub.audit_table SET free_text_columns = '{remittance}' WHERE table_name = 'payment';

CREATE FUNCTION hub.audit_redact(r jsonb, tbl text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(k, CASE WHEN (k ~ '(_enc|_hash|password|secret|^remittance$)' OR k = ANY(f.columns)) AND v <> 'null'::jsonb
                                             THEN '"[redacted]"'::jsonb ELSE v END), '{}'::jsonb)
    FROM jsonb_each(r) AS e(k, v)
    CROSS JOIN (SELECT coalesce((SELECT free_text_columns FROM hub.audit_table WHERE table_name = tbl), '{}') AS columns) f
$$;

CREATE OR REPLACE FUNCTION hub.audit_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hub.audit_log (actor, action, table_name, row_key, customer_id, after)
    SELECT hub.audit_actor(), 'insert', TG_TABLE_NAME, hub.audit_key(j, TG_ARGV), hub.audit_customer(j, TG_ARGV), hub.audit_redact(j, TG_TABLE_NAME)
    FROM (SELECT to_jsonb(n) AS j FROM new_rows n) s;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION hub.audit_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hub.audit_log (actor, action, table_name, row_key, customer_id, before)
    SELECT hub.audit_actor(), 'delete', TG_TABLE_NAME, hub.audit_key(j, TG_ARGV), hub.audit_customer(j, TG_ARGV), hub.audit_redact(j, TG_TABLE_NAME)
    FROM (SELECT to_jsonb(o) AS j FROM old_rows o) s;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION hub.audit_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b jsonb := to_jsonb(OLD);
    a jsonb := to_jsonb(NEW);
BEGIN
    IF a IS DISTINCT FROM b THEN
        INSERT INTO hub.audit_log (actor, action, table_name, row_key, customer_id, before, after)
        VALUES (hub.audit_actor(), 'update', TG_TABLE_NAME, hub.audit_key(a, TG_ARGV), coalesce(hub.audit_customer(a, TG_ARGV), hub.audit_customer(b, TG_ARGV)),
                hub.audit_redact(b, TG_TABLE_NAME), hub.audit_redact(a, TG_TABLE_NAME));
    END IF;
    RETURN NULL;
END $$;
