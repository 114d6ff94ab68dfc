-- Recomputes revenue per issue month × currency × plan × tax rate from the invoice lines (informational lines excluded),
-- compares with what the mart holds and writes only the rows that differ (vanished groups as deleted rows).
INSERT INTO marts.fact_revenue_monthly
    (month, currency, plan_id, tax_rate, invoices, net_amount, tax_amount, gross_amount, credited_amount, _version, _is_deleted, _refreshed_at)
WITH computed AS
(
    SELECT issue_month AS month, currency, plan_id, tax_rate,
           uniqExact(invoice_id) AS n_invoices,
           sumIf(amount, line_kind != 'tax') AS n_net,
           sumIf(amount, line_kind = 'tax') AS n_tax,
           sumIf(amount, invoice_kind = 'credit_note') AS n_credited
    FROM marts.fact_invoice_line FINAL
    WHERE informational = 0
    GROUP BY month, currency, plan_id, tax_rate
)
SELECT
    month, currency, plan_id, tax_rate,
    if(n_present = 1, n_invoices, o_invoices), if(n_present = 1, n_net, o_net), if(n_present = 1, n_tax, o_tax),
    if(n_present = 1, n_net + n_tax, o_net + o_tax), if(n_present = 1, n_credited, o_credited),
    {version:UInt64}, if(n_present = 1, 0, 1), {refreshed_at:DateTime64(3, 'UTC')}
FROM
(
    SELECT month, currency, plan_id, tax_rate, n_invoices, n_net, n_tax, n_credited, toUInt8(1) AS n_present FROM computed
) AS n
FULL OUTER JOIN
(
    SELECT month, currency, plan_id, tax_rate, invoices AS o_invoices, net_amount AS o_net, tax_amount AS o_tax, credited_amount AS o_credited, toUInt8(1) AS o_present
    FROM marts.fact_revenue_monthly FINAL
) AS o USING (month, currency, plan_id, tax_rate)
WHERE n_present != o_present OR n_invoices != o_invoices OR n_net != o_net OR n_tax != o_tax OR n_credited != o_credited
SETTINGS join_use_nulls = 0
