-- New with data-subject erasure of free text (issue 14; it replaces none of the old scripts).
-- Issued invoices stay immutable, with one exception: a data-subject erasure may overwrite a credit note's reason (text staff
-- typed, which may name the person) with '[erased]'. Numbers, dates, amounts and taxes never change. The reason also stays out
-- of the change stream (BillingModule.StreamedColumns) and the audit log (hub.audit_table.free_text_columns).

CREATE OR REPLACE FUNCTION hub.invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- A credit note's reason (text staff typed) may be overwritten by a data-subject erasure, nothing else of it.
    erasable text[] := ARRAY[]::text[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'invoice % is issued and cannot be deleted; correct it with a credit note', OLD.invoice_number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.reason = '[erased]' AND OLD.reason IS NOT NULL THEN
        erasable := ARRAY['reason'];
    END IF;
    IF (to_jsonb(NEW) - (ARRAY['status', 'open_amount', 'settled_at'] || erasable)) IS DISTINCT FROM (to_jsonb(OLD) - (ARRAY['status', 'open_amount', 'settled_at'] || erasable)) THEN
        RAISE EXCEPTION 'invoice % is issued: only its status, open amount and settlement time may change; correct it with a credit note', OLD.invoice_number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.open_amount > greatest(OLD.total, 0) THEN
        RAISE EXCEPTION 'invoice %: open amount % exceeds the total %', OLD.invoice_number, NEW.open_amount, OLD.total
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status IN ('credited', 'written_off') AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'invoice % is %: its status is final', OLD.invoice_number, OLD.status USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.status = 'paid' AND NEW.open_amount <> 0) OR (NEW.status = 'issued' AND NEW.open_amount <> greatest(OLD.total, 0))
       OR (NEW.status = 'partially_paid' AND (NEW.open_amount = 0 OR NEW.open_amount >= OLD.total)) THEN
        RAISE EXCEPTION 'invoice %: status % does not match open amount %', OLD.invoice_number, NEW.status, NEW.open_amount USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
