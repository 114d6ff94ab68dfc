-- Billing module: billing profiles, invoice series (gapless numbers), invoices and credit notes with their lines
-- (immutable once issued), charges waiting for the next bill, recurring items (equipment rental), discounts,
-- tax rates per jurisdiction, bill runs. Money: numeric + ISO 4217 currency; instants UTC; dates are local dates
-- in the reporting time zone.

CREATE SCHEMA IF NOT EXISTS hub;

-- How a billing account (Customers' hub.billing_account) is billed.
CREATE TABLE hub.billing_profile (
    billing_account_id  uuid PRIMARY KEY REFERENCES hub.billing_account (id),
    customer_id         uuid NOT NULL REFERENCES hub.customer (id),
    bill_cycle_day      smallint NOT NULL CHECK (bill_cycle_day BETWEEN 1 AND 31),
    billing_period      text NOT NULL CHECK (billing_period IN ('monthly', 'quarterly', 'semiannual', 'annual')),
    period_months       smallint GENERATED ALWAYS AS (CASE billing_period WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 WHEN 'semiannual' THEN 6 ELSE 12 END) STORED,
    anchor_month        smallint NOT NULL DEFAULT 1 CHECK (anchor_month BETWEEN 1 AND 12),
    currency            char(3) NOT NULL,
    tax_jurisdiction    text NOT NULL,
    regulatory_profile  text NOT NULL CHECK (regulatory_profile IN ('IN', 'US', 'EU')),
    payment_terms_days  smallint NOT NULL DEFAULT 15 CHECK (payment_terms_days BETWEEN 0 AND 120),
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX billing_profile_cycle_idx ON hub.billing_profile (bill_cycle_day, billing_account_id) WHERE status = 'active';

-- Tax rates per jurisdiction and charge category (India: GST 18 % on cable services by default).
CREATE TABLE hub.tax_rate (
    jurisdiction  text NOT NULL,
    category      text NOT NULL,
    name          text NOT NULL,
    rate          numeric(7, 4) NOT NULL CHECK (rate >= 0 AND rate < 1),
    valid_from    date NOT NULL DEFAULT '2000-01-01',
    PRIMARY KEY (jurisdiction, category, name, valid_from)
);
INSERT INTO hub.tax_rate (jurisdiction, category, name, rate) VALUES
    ('IN', 'cable_service', 'GST 18%', 0.18),
    ('IN', 'vod', 'GST 18%', 0.18),
    ('IN', 'equipment', 'GST 18%', 0.18);

-- Invoice series: one counter row per series, locked by the transaction that issues (gapless, safe under concurrency).
CREATE TABLE hub.invoice_series (
    code         text PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    prefix       text NOT NULL UNIQUE,
    digits       smallint NOT NULL DEFAULT 9 CHECK (digits BETWEEN 4 AND 12),
    next_number  bigint NOT NULL DEFAULT 1 CHECK (next_number >= 1)
);
INSERT INTO hub.invoice_series (code, kind, prefix) VALUES ('INV', 'invoice', 'INV-'), ('CN', 'credit_note', 'CN-');

-- Bill runs: one per run date (local date), resumable.
CREATE TABLE hub.bill_run (
    id                uuid PRIMARY KEY,
    run_date          date NOT NULL UNIQUE,
    status            text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    accounts_due      integer NOT NULL DEFAULT 0,
    accounts_billed   integer NOT NULL DEFAULT 0,
    invoices          integer NOT NULL DEFAULT 0,
    lines             bigint NOT NULL DEFAULT 0,
    attempts          integer NOT NULL DEFAULT 1,
    started_at        timestamptz NOT NULL,
    heartbeat_at      timestamptz NOT NULL,
    finished_at       timestamptz,
    last_error        text
);

-- Invoices and credit notes. Issued on insert; afterwards only payments' columns change (status, open_amount,
-- settled_at — trigger invoice_guard). A correction is a credit note (kind credit_note, negative amounts).
-- No row-level foreign keys on the bill run's bulk path (a per-row key check locks the referenced row: a million
-- row locks per run): invoice_insert_guard checks per statement that every account has a billing profile (which
-- references the billing account), invoice_line_insert_guard that every line's invoice was created in the same
-- transaction; invoices are never deleted (invoice_guard), so nothing can dangle.
CREATE TABLE hub.invoice (
    id                   uuid PRIMARY KEY,
    kind                 text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    series               text NOT NULL,
    seq                  bigint NOT NULL,
    invoice_number       text NOT NULL UNIQUE,
    billing_account_id   uuid NOT NULL,
    customer_id          uuid NOT NULL,
    bill_run_id          uuid,
    corrects_invoice_id  uuid REFERENCES hub.invoice (id),
    period_start         date,
    period_end           date,
    issue_date           date NOT NULL,
    due_date             date NOT NULL,
    currency             char(3) NOT NULL,
    subtotal             numeric(14, 2) NOT NULL,
    tax_total            numeric(14, 2) NOT NULL,
    total                numeric(14, 2) NOT NULL,
    open_amount          numeric(14, 2) NOT NULL CHECK (open_amount >= 0),
    status               text NOT NULL CHECK (status IN ('issued', 'partially_paid', 'paid', 'credited', 'written_off')),
    regulatory_profile   text NOT NULL,
    tax_jurisdiction     text NOT NULL,
    reason               text,
    issued_at            timestamptz NOT NULL,
    settled_at           timestamptz,
    CHECK (total = subtotal + tax_total),
    CHECK ((kind = 'invoice') = (corrects_invoice_id IS NULL))
);
-- A bill run never bills an account twice for a period (ad hoc invoices, outside bill runs, are not counted).
CREATE UNIQUE INDEX invoice_account_period_uq ON hub.invoice (billing_account_id, period_start) WHERE bill_run_id IS NOT NULL;
CREATE INDEX invoice_account_idx ON hub.invoice (billing_account_id, issue_date);
CREATE INDEX invoice_open_idx ON hub.invoice (billing_account_id, due_date) WHERE open_amount > 0;
CREATE INDEX invoice_corrects_idx ON hub.invoice (corrects_invoice_id) WHERE corrects_invoice_id IS NOT NULL;

CREATE TABLE hub.invoice_line (
    invoice_id       uuid NOT NULL,
    line_no          smallint NOT NULL,
    kind             text NOT NULL,
    description      text NOT NULL,
    period_start     date,
    period_end       date,
    amount           numeric(14, 2) NOT NULL,
    tax_category     text,
    tax_rate         numeric(7, 4),
    subscription_id  uuid,
    informational    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (invoice_id, line_no)
);

-- Charges waiting for the account's next bill: one-time (installation, equipment, VOD), proration of lifecycle
-- changes (upgrade, downgrade, suspension, cancellation; credits negative), adjustments. Unique per source.
CREATE TABLE hub.billing_charge (
    id                  uuid PRIMARY KEY,
    billing_account_id  uuid NOT NULL REFERENCES hub.billing_account (id),
    kind                text NOT NULL CHECK (kind IN ('installation', 'equipment', 'vod', 'proration', 'adjustment')),
    source_id           uuid NOT NULL,
    description         text NOT NULL,
    amount              numeric(14, 2) NOT NULL,
    currency            char(3) NOT NULL,
    tax_category        text NOT NULL,
    period_start        date,
    period_end          date,
    charged_at          timestamptz NOT NULL,
    status              text NOT NULL DEFAULT 'unbilled' CHECK (status IN ('unbilled', 'billed', 'cancelled')),
    invoice_id          uuid REFERENCES hub.invoice (id),
    UNIQUE (kind, source_id, description)
);
CREATE INDEX billing_charge_unbilled_idx ON hub.billing_charge (billing_account_id) WHERE status = 'unbilled';

-- Recurring items other than subscriptions: equipment rental (amount per month).
CREATE TABLE hub.billing_recurring_item (
    id                  uuid PRIMARY KEY,
    billing_account_id  uuid NOT NULL REFERENCES hub.billing_account (id),
    kind                text NOT NULL CHECK (kind IN ('equipment_rental')),
    description         text NOT NULL,
    monthly_amount      numeric(14, 2) NOT NULL CHECK (monthly_amount >= 0),
    currency            char(3) NOT NULL,
    tax_category        text NOT NULL DEFAULT 'equipment',
    start_date          date NOT NULL,
    end_date            date,
    CHECK (end_date IS NULL OR end_date > start_date)
);
CREATE INDEX billing_recurring_item_account_idx ON hub.billing_recurring_item (billing_account_id);

-- Discounts and promotions on recurring charges: percentage, fixed amount, free months, bundle (percentage when the
-- account has at least two subscriptions).
CREATE TABLE hub.billing_discount (
    id                  uuid PRIMARY KEY,
    billing_account_id  uuid NOT NULL REFERENCES hub.billing_account (id),
    kind                text NOT NULL CHECK (kind IN ('percentage', 'fixed', 'free_months', 'bundle')),
    description         text NOT NULL,
    percent             numeric(5, 2) CHECK (percent IS NULL OR (percent > 0 AND percent <= 100)),
    amount              numeric(14, 2) CHECK (amount IS NULL OR amount > 0),
    months              smallint CHECK (months IS NULL OR months > 0),
    plan_code           text,
    valid_from          date NOT NULL,
    valid_to            date,
    CHECK ((kind IN ('percentage', 'bundle') AND percent IS NOT NULL) OR (kind = 'fixed' AND amount IS NOT NULL) OR (kind = 'free_months' AND months IS NOT NULL))
);
CREATE INDEX billing_discount_account_idx ON hub.billing_discount (billing_account_id);

-- Issued invoices are immutable: no DELETE; UPDATE may change only what payments change (status, open amount,
-- settled_at), within the total, along the allowed status changes. Corrections are credit notes.
CREATE FUNCTION hub.invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'invoice % is issued and cannot be deleted; correct it with a credit note', OLD.invoice_number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (to_jsonb(NEW) - ARRAY['status', 'open_amount', 'settled_at']) IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['status', 'open_amount', 'settled_at']) THEN
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
CREATE TRIGGER invoice_guard BEFORE UPDATE OR DELETE ON hub.invoice FOR EACH ROW EXECUTE FUNCTION hub.invoice_guard();

-- Lines never change; new lines only for an invoice created in the same transaction (checked per statement, so a
-- COPY of millions of lines costs one join).
CREATE FUNCTION hub.invoice_line_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'invoice lines are immutable once issued; correct the invoice with a credit note' USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER invoice_line_guard BEFORE UPDATE OR DELETE ON hub.invoice_line FOR EACH ROW EXECUTE FUNCTION hub.invoice_line_guard();

CREATE FUNCTION hub.invoice_line_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    late text;
BEGIN
    SELECT coalesce(i.invoice_number, '(none: ' || l.invoice_id || ')') INTO late
    FROM (SELECT DISTINCT invoice_id FROM new_lines) l LEFT JOIN hub.invoice i ON i.id = l.invoice_id
    WHERE i.id IS NULL OR i.xmin::text <> (pg_current_xact_id()::xid)::text LIMIT 1;
    IF late LIKE '(none: %' THEN
        RAISE EXCEPTION 'invoice lines for a missing invoice %', late USING ERRCODE = 'foreign_key_violation';
    ELSIF late IS NOT NULL THEN
        RAISE EXCEPTION 'invoice % is issued: lines cannot be added; bill the charge on the next invoice', late USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION hub.invoice_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing uuid;
BEGIN
    SELECT n.billing_account_id INTO missing FROM (SELECT DISTINCT billing_account_id FROM new_invoices) n
    WHERE NOT EXISTS (SELECT 1 FROM hub.billing_profile p WHERE p.billing_account_id = n.billing_account_id) LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'billing account % has no billing profile: it cannot be invoiced', missing USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM new_invoices n LEFT JOIN hub.invoice_series s ON s.code = n.series
               WHERE s.code IS NULL OR n.invoice_number <> s.prefix || lpad(n.seq::text, s.digits, '0') OR n.seq >= s.next_number) THEN
        RAISE EXCEPTION 'an invoice number was not taken from its series counter' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER invoice_insert_guard AFTER INSERT ON hub.invoice REFERENCING NEW TABLE AS new_invoices
    FOR EACH STATEMENT EXECUTE FUNCTION hub.invoice_insert_guard();

CREATE TRIGGER invoice_line_insert_guard AFTER INSERT ON hub.invoice_line REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION hub.invoice_line_insert_guard();
