-- Tickets module: TMF621 trouble tickets, their status history and notes.
-- Free text people type may carry personal data: name, description, notes and status-change reasons are stored encrypted (*_enc, AES-256-GCM under the master key, FieldEncryptor), so the
-- audit log redacts them; none of them is in the change stream (TicketsModule.StreamedColumns); erasure overwrites them all.

CREATE SCHEMA IF NOT EXISTS hub;

CREATE TABLE hub.trouble_ticket (
    id                         uuid PRIMARY KEY,
    customer_id                uuid NOT NULL REFERENCES hub.customer (id),
    ticket_type                text NOT NULL CHECK (ticket_type IN ('incident', 'complaint', 'request', 'stbFault', 'billing')),
    severity                   text NOT NULL CHECK (severity IN ('critical', 'major', 'minor')),
    priority                   text CHECK (priority IN ('high', 'medium', 'low')),
    status                     text NOT NULL CHECK (status IN ('acknowledged', 'rejected', 'pending', 'held', 'inProgress', 'cancelled', 'closed', 'resolved')),
    status_change_date         timestamptz NOT NULL,
    status_change_reason_enc   bytea,
    channel                    text CHECK (channel IN ('phone', 'web', 'app', 'email', 'store', 'technician', 'api')),
    device_id                  uuid REFERENCES hub.device (id),
    subscription_id            uuid REFERENCES hub.subscription (id),
    external_id                text,
    name_enc                   bytea,
    description_enc            bytea NOT NULL,
    requested_resolution_date  timestamptz,
    expected_resolution_date   timestamptz,
    creation_date              timestamptz NOT NULL,
    last_update                timestamptz NOT NULL,
    resolution_date            timestamptz,
    opened_by                  text NOT NULL,
    erased_at                  timestamptz,
    -- an STB fault names the box (TMF621 relatedEntity, @referredType Resource)
    CONSTRAINT trouble_ticket_stb_fault_device CHECK (ticket_type <> 'stbFault' OR device_id IS NOT NULL)
);
CREATE INDEX trouble_ticket_customer_idx ON hub.trouble_ticket (customer_id, creation_date DESC);
CREATE INDEX trouble_ticket_created_idx ON hub.trouble_ticket (creation_date DESC, id DESC);
CREATE INDEX trouble_ticket_device_idx ON hub.trouble_ticket (device_id) WHERE device_id IS NOT NULL;
CREATE UNIQUE INDEX trouble_ticket_external_idx ON hub.trouble_ticket (external_id) WHERE external_id IS NOT NULL;

-- TMF621 statusChange: every status the ticket took, with when, why and who.
CREATE TABLE hub.trouble_ticket_status_change (
    id             uuid PRIMARY KEY,
    ticket_id      uuid NOT NULL REFERENCES hub.trouble_ticket (id),
    status         text NOT NULL,
    change_date    timestamptz NOT NULL,
    change_reason_enc bytea,
    changed_by     text NOT NULL,
    seq            bigint GENERATED ALWAYS AS IDENTITY  -- the order of the history (several changes may share an instant)
);
CREATE INDEX trouble_ticket_status_change_ticket_idx ON hub.trouble_ticket_status_change (ticket_id, seq);

-- TMF621 note: appended, never changed (text encrypted).
CREATE TABLE hub.trouble_ticket_note (
    id         uuid PRIMARY KEY,
    ticket_id  uuid NOT NULL REFERENCES hub.trouble_ticket (id),
    author     text NOT NULL,
    note_date  timestamptz NOT NULL,
    text_enc   bytea NOT NULL,
    seq        bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX trouble_ticket_note_ticket_idx ON hub.trouble_ticket_note (ticket_id, seq);
