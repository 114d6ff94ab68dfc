-- Per currency, the invoices issued in the month: billed, credited by credit notes, settled so far, still open.
SELECT
    currency,
    countIf(kind = 'invoice')                          AS invoices,
    toString(sumIf(total, kind = 'invoice'))           AS billed,
    toString(sumIf(total, kind = 'credit_note'))       AS credited,
    toString(sumIf(settled_amount, kind = 'invoice'))  AS settled,
    toString(sumIf(open_amount, kind = 'invoice'))     AS outstanding
FROM marts.fact_invoice FINAL
WHERE issue_month = toDate({month:String})
GROUP BY currency
ORDER BY currency
