-- Billing: an invoice whose total is negative (credits for downgrades, suspensions or adjustments larger than the period's
-- charges) owes the customer money. What it owes becomes the account's credit: a row in hub.payment of source
-- 'account_credit' (reference = the invoice number, unallocated = what is left of it), which settlement allocates to the
-- next invoices oldest due first like any other credit. It is not money received: the receivables mart leaves it out of
-- what was collected.
ALTER TABLE hub.payment DROP CONSTRAINT payment_source_check;
ALTER TABLE hub.payment ADD CONSTRAINT payment_source_check
    CHECK (source IN ('card', 'bank_transfer', 'direct_debit', 'cash', 'cheque', 'account_credit'));
