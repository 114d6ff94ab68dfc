-- Audit module: the audit log of every change to the audited hub tables (subscribers, entitlements, prices, invoices,
-- payments, roles, ...) and of every compliance export; append-only and hash-chained, in schema hub so it reaches the
-- warehouse through the change stream like every hub table.
--
-- Writing is cheap and never serialises the writers: triggers on the audited tables insert unsealed rows (statement
-- level for INSERT and DELETE, row level for UPDATE). Sealing (hub.audit_seal(), run by the hub every few seconds and by
-- `audit verify`) gives the committed unsealed rows their place in the chain (chain_seq, in sealing order), prev_hash
-- and row_hash = SHA-256(prev_hash || the row's fields). After sealing a row can no longer change: the only UPDATE the
-- table accepts is the sealing itself; DELETE and TRUNCATE are refused. Retention: rows are never removed by the hub.

CREATE TABLE hub.audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor        text NOT NULL,
    action       text NOT NULL,                 -- insert / update / delete / truncate / export / ...
    table_name   text,                          -- the audited table (schema hub); NULL for an export
    row_key      text,                          -- primary-key values joined by '/'
    customer_id  uuid,                          -- the customer the row belongs to, when it has one (data-subject lookups)
    before       jsonb,                         -- the row before (personal and secret fields redacted)
    after        jsonb,                         -- the row after (idem)
    detail       jsonb,                         -- exports: file, sha256, parameters, manifest signature
    chain_seq    bigint UNIQUE,                 -- position in the chain (set when sealed)
    prev_hash    bytea,
    row_hash     bytea,
    CHECK ((chain_seq IS NULL) = (row_hash IS NULL) AND (chain_seq IS NULL) = (prev_hash IS NULL))
);
CREATE INDEX audit_log_unsealed_idx ON hub.audit_log (id) WHERE chain_seq IS NULL;
CREATE INDEX audit_log_table_key_idx ON hub.audit_log (table_name, row_key, at);
CREATE INDEX audit_log_customer_idx ON hub.audit_log (customer_id, at) WHERE customer_id IS NOT NULL;
CREATE INDEX audit_log_at_idx ON hub.audit_log (at);

-- Which tables are audited, and which of their columns names the customer (NULL: none). Data, not code: a table created
-- later under one of these names is attached by the event trigger below.
CREATE TABLE hub.audit_table (
    table_name       text PRIMARY KEY,
    customer_column  text
);
INSERT INTO hub.audit_table (table_name, customer_column) VALUES
    ('customer', 'id'), ('contact_medium', 'customer_id'), ('consent', 'customer_id'), ('billing_account', 'customer_id'), ('lco', NULL),
    ('identity_user', 'customer_id'), ('api_client', NULL),
    ('broadcaster', NULL), ('channel', NULL), ('package', NULL), ('package_channel', NULL), ('plan', NULL), ('plan_package', NULL),
    ('catalog_price', NULL), ('tax_rate', NULL),
    ('device', 'customer_id'), ('product_order', 'customer_id'),
    ('subscription', 'customer_id'), ('subscription_addon', NULL), ('subscription_change', NULL), ('entitlement', NULL),
    ('billing_profile', NULL), ('invoice', 'customer_id'), ('invoice_line', NULL), ('billing_charge', NULL), ('billing_discount', NULL),
    ('billing_recurring_item', NULL), ('payment', 'customer_id'), ('payment_allocation', NULL), ('refund', NULL),
    ('one_time_charge', 'customer_id'), ('vod_purchase', 'customer_id');

-- Personal and secret fields never enter the log in any form (encrypted fields, blind indexes, password and secret hashes).
CREATE FUNCTION hub.audit_redact(r jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(k, CASE WHEN k ~ '(_enc|_hash|password|secret)' AND v <> 'null'::jsonb THEN '"[redacted]"'::jsonb ELSE v END), '{}'::jsonb)
    FROM jsonb_each(r) AS e(k, v)
$$;

-- The actor: what the command set with set_config('cablehub.actor', …, true) from the caller's token; otherwise the
-- database user and application name (a change made outside the hub's commands).
CREATE FUNCTION hub.audit_actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('cablehub.actor', true), ''),
                    'db:' || session_user || coalesce('/' || nullif(current_setting('application_name', true), ''), ''))
$$;

-- The trigger arguments (TG_ARGV, indexed from 0): first the customer column ('' for none), then the primary-key columns.
CREATE FUNCTION hub.audit_key(r jsonb, args text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(r ->> k, '/' ORDER BY o) FROM unnest(args[array_lower(args, 1) + 1:array_upper(args, 1)]) WITH ORDINALITY AS t(k, o)
$$;

CREATE FUNCTION hub.audit_customer(r jsonb, args text[]) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN args[array_lower(args, 1)] <> '' AND (r ->> args[array_lower(args, 1)]) ~ '^[0-9a-fA-F-]{36}$'
                THEN (r ->> args[array_lower(args, 1)])::uuid END
$$;

CREATE FUNCTION hub.audit_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hub.audit_log (actor, action, table_name, row_key, customer_id, after)
    SELECT hub.audit_actor(), 'insert', TG_TABLE_NAME, hub.audit_key(j, TG_ARGV), hub.audit_customer(j, TG_ARGV), hub.audit_redact(j)
    FROM (SELECT to_jsonb(n) AS j FROM new_rows n) s;
    RETURN NULL;
END $$;

CREATE FUNCTION hub.audit_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hub.audit_log (actor, action, table_name, row_key, customer_id, before)
    SELECT hub.audit_actor(), 'delete', TG_TABLE_NAME, hub.audit_key(j, TG_ARGV), hub.audit_customer(j, TG_ARGV), hub.audit_redact(j)
    FROM (SELECT to_jsonb(o) AS j FROM old_rows o) s;
    RETURN NULL;
END $$;

CREATE FUNCTION hub.audit_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b jsonb := to_jsonb(OLD);
    a jsonb := to_jsonb(NEW);
BEGIN
    IF a IS DISTINCT FROM b THEN
        INSERT INTO hub.audit_log (actor, action, table_name, row_key, customer_id, before, after)
        VALUES (hub.audit_actor(), 'update', TG_TABLE_NAME, hub.audit_key(a, TG_ARGV), coalesce(hub.audit_customer(a, TG_ARGV), hub.audit_customer(b, TG_ARGV)),
                hub.audit_redact(b), hub.audit_redact(a));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hub.audit_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hub.audit_log (actor, action, table_name) VALUES (hub.audit_actor(), 'truncate', TG_TABLE_NAME);
    RETURN NULL;
END $$;

-- Attaches the capture triggers to hub.<name> when it exists, is listed in hub.audit_table and is not attached yet.
CREATE FUNCTION hub.audit_attach(name text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    rel regclass := to_regclass(format('hub.%I', name));
    customer_column text;
    args text;
BEGIN
    IF rel IS NULL OR EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = rel AND tgname = 'audit_inserted') THEN
        RETURN false;
    END IF;
    SELECT coalesce(t.customer_column, '') INTO customer_column FROM hub.audit_table t WHERE t.table_name = name;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    SELECT string_agg(quote_literal(a.attname), ', ' ORDER BY k.o) INTO args
    FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, o)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = rel AND i.indisprimary;
    args := quote_literal(customer_column) || coalesce(', ' || args, '');
    EXECUTE format('CREATE TRIGGER audit_inserted AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.audit_inserted(%s)', rel, args);
    EXECUTE format('CREATE TRIGGER audit_updated AFTER UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION hub.audit_updated(%s)', rel, args);
    EXECUTE format('CREATE TRIGGER audit_deleted AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.audit_deleted(%s)', rel, args);
    EXECUTE format('CREATE TRIGGER audit_truncated AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION hub.audit_truncated()', rel);
    RETURN true;
END $$;

SELECT hub.audit_attach(table_name) FROM hub.audit_table ORDER BY table_name;

CREATE FUNCTION hub.audit_on_create_table() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
    obj record;
BEGIN
    FOR obj IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' AND schema_name = 'hub' LOOP
        PERFORM hub.audit_attach(c.relname) FROM pg_class c WHERE c.oid = obj.objid;
    END LOOP;
END $$;
CREATE EVENT TRIGGER cablehub_audit_attach ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION hub.audit_on_create_table();

-- The chain.
CREATE FUNCTION hub.audit_hash(prev bytea, chain_seq bigint, id bigint, at timestamptz, actor text, action text, table_name text, row_key text,
                               customer_id uuid, before jsonb, after jsonb, detail jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev || convert_to(concat_ws(chr(31), chain_seq::text, id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        actor, action, coalesce(table_name, ''), coalesce(row_key, ''), coalesce(customer_id::text, ''),
        coalesce(before::text, ''), coalesce(after::text, ''), coalesce(detail::text, '')), 'UTF8'))
$$;

-- Seals the committed unsealed rows (in id order) after the last sealed one; returns how many. One sealer at a time.
CREATE FUNCTION hub.audit_seal(max_rows integer DEFAULT 100000) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    seq bigint;
    prev bytea;
    r hub.audit_log;
    n integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('hub.audit_log seal'));
    SELECT l.chain_seq, l.row_hash INTO seq, prev FROM hub.audit_log l WHERE l.chain_seq IS NOT NULL ORDER BY l.chain_seq DESC LIMIT 1;
    seq := coalesce(seq, 0);
    prev := coalesce(prev, '\x'::bytea);
    FOR r IN SELECT * FROM hub.audit_log l WHERE l.chain_seq IS NULL ORDER BY l.id LIMIT max_rows LOOP
        seq := seq + 1;
        r.row_hash := hub.audit_hash(prev, seq, r.id, r.at, r.actor, r.action, r.table_name, r.row_key, r.customer_id, r.before, r.after, r.detail);
        UPDATE hub.audit_log SET chain_seq = seq, prev_hash = prev, row_hash = r.row_hash WHERE id = r.id;
        prev := r.row_hash;
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

-- Append-only: the sealing (chain columns from NULL to set, nothing else changed) is the only UPDATE; no DELETE, no TRUNCATE.
CREATE FUNCTION hub.audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
       AND (NEW.id, NEW.at, NEW.actor, NEW.action, NEW.table_name, NEW.row_key, NEW.customer_id, NEW.before, NEW.after, NEW.detail)
           IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.actor, OLD.action, OLD.table_name, OLD.row_key, OLD.customer_id, OLD.before, OLD.after, OLD.detail) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'hub.audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_guard BEFORE UPDATE OR DELETE ON hub.audit_log FOR EACH ROW EXECUTE FUNCTION hub.audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON hub.audit_log FOR EACH STATEMENT EXECUTE FUNCTION hub.audit_log_guard();
