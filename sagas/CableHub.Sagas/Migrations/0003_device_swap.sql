-- Box swap (issue 10): the replacement box is activated on the CAS with its smart card (the activation pairs them), so a CAS
-- command may name the card. Null for every other command.
ALTER TABLE sagas.lifecycle_cas_op ADD COLUMN smart_card text;

-- Changes whose compensation finished: a late retry of the apply step (a CAS outage retry that comes after the step timeout
-- compensated) finds the change here and does nothing (without it, a swap without an order would reserve and activate again).
CREATE TABLE sagas.lifecycle_compensated (
    change_id        uuid PRIMARY KEY,
    compensated_at   timestamptz NOT NULL,
    reason           text NOT NULL
);
