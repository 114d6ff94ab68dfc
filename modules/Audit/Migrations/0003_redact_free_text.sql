-- Free text people type can hold personal data the hub cannot erase from an append-only log: a payment's remittance
-- text (a bank transfer's payer name or address) joins the encrypted fields, blind indexes and secrets that never
-- enter the log. Rows sealed before this script keep what they held (rewriting them would break the chain).
CREATE OR REPLACE FUNCTION hub.audit_redact(r jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(k, CASE WHEN k ~ '(_enc|_hash|password|secret|^remittance$)' AND v <> 'null'::jsonb THEN '"[redacted]"'::jsonb ELSE v END), '{}'::jsonb)
    FROM jsonb_each(r) AS e(k, v)
$$;
