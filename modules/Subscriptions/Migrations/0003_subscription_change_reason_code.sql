-- New with data-subject erasure of free text (issue 14; it replaces none of the old scripts).
-- A change's reason is sometimes a code (a suspension's vacation / dunning / operator, dunning's non_payment disconnect) and
-- sometimes text a person typed (a disconnect order's reason). The text stays in PostgreSQL (left out of the change stream
-- and the audit log, overwritten by erasure); reason_code carries what analysis needs and may leave: the code, or 'other'.
-- Set by a trigger, so every writer (the lifecycle store, the demo seed's COPY) fills it.

ALTER TABLE hub.subscription_change ADD COLUMN reason_code text;

CREATE FUNCTION hub.subscription_change_reason_code(reason text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN reason IS NULL THEN NULL
                WHEN reason IN ('vacation', 'dunning', 'operator', 'non_payment') THEN reason
                ELSE 'other' END
$$;

UPDATE hub.subscription_change SET reason_code = hub.subscription_change_reason_code(reason) WHERE reason IS NOT NULL;

CREATE FUNCTION hub.subscription_change_set_reason_code() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.reason_code := hub.subscription_change_reason_code(NEW.reason);
    RETURN NEW;
END $$;

CREATE TRIGGER subscription_change_set_reason_code BEFORE INSERT OR UPDATE OF reason ON hub.subscription_change
    FOR EACH ROW EXECUTE FUNCTION hub.subscription_change_set_reason_code();
