-- Billing reads subscriptions by billing account, thousands of accounts per query (bill runs).
CREATE INDEX IF NOT EXISTS subscription_billing_account_idx ON hub.subscription (billing_account_id);
