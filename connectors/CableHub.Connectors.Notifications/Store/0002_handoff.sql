-- When a sender started handing the message to the mail server / SMS provider (set just before the hand-off, after the claim).
-- A claim whose lease expired with this set means the sender stopped (crashed) in the middle of a hand-off: the message may have
-- been delivered. E-mail is then not sent again (at most once: recorded 'rejected' with the reason); an SMS is (the provider
-- deduplicates by the key).
ALTER TABLE notification.message ADD COLUMN IF NOT EXISTS handoff_at timestamptz;
