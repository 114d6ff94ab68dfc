-- Revenue register: revenue billed in the month (issue month in the reporting time zone) per currency, plan and tax rate,
-- from marts.fact_revenue_monthly (invoice lines; credit notes negative; informational lines excluded).
SELECT
    r.currency                         AS currency,
    if(ifNull(p.plan_code, '') = '', '(none)', assumeNotNull(p.plan_code)) AS plan_code,
    toString(r.tax_rate)               AS tax_rate,
    r.invoices                         AS invoices,
    toString(r.net_amount)             AS net_amount,
    toString(r.tax_amount)             AS tax_amount,
    toString(r.gross_amount)           AS gross_amount,
    toString(r.credited_amount)        AS credited_amount
FROM (SELECT currency, plan_id, tax_rate, invoices, net_amount, tax_amount, gross_amount, credited_amount
      FROM marts.fact_revenue_monthly FINAL WHERE month = toDate({month:String})) AS r
LEFT JOIN (SELECT plan_id, plan_code FROM marts.dim_plan FINAL) AS p ON p.plan_id = r.plan_id
ORDER BY currency, plan_code, r.tax_rate
SETTINGS join_use_nulls = 1
