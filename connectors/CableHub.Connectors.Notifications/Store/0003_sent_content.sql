-- What was actually sent (TMF681 communication history): the recipient's address and name, the subject and the rendered text,
-- each encrypted under the hub's field-encryption key (FieldEncryptor, AES-256-GCM) — personal data is never stored in clear.
-- NULL = not recorded (decided before rendering, or before this column existed); '\x' (empty) = erased by a data-subject erasure.
-- The schema is not in the change stream (only schema hub is published), so no copy leaves the database.
ALTER TABLE notification.message ADD COLUMN IF NOT EXISTS id uuid;
UPDATE notification.message SET id = gen_random_uuid() WHERE id IS NULL;
ALTER TABLE notification.message ALTER COLUMN id SET NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS message_id_idx ON notification.message (id);
CREATE INDEX IF NOT EXISTS message_created_idx ON notification.message (created_at DESC, id);
ALTER TABLE notification.message ADD COLUMN IF NOT EXISTS recipient_enc bytea;
ALTER TABLE notification.message ADD COLUMN IF NOT EXISTS recipient_name_enc bytea;
ALTER TABLE notification.message ADD COLUMN IF NOT EXISTS subject_enc bytea;
ALTER TABLE notification.message ADD COLUMN IF NOT EXISTS body_enc bytea;
