-- US all-in price check (FCC 2024 "all-in" pricing rule): every US bill issued in the month (issue date in the reporting
-- time zone, known by the as-of instant) and its lines: how many all-in video price lines it has, where the first one is,
-- and its amount. A bill passes when it has exactly one and it is the bill's first line.
SELECT
    i.invoice_number                                              AS invoice_number,
    toString(i.issue_date)                                        AS issue_date,
    toString(i.customer_id)                                       AS customer_id,
    i.currency                                                    AS currency,
    toString(i.subtotal)                                          AS subtotal,
    countIf(l.kind = 'all_in_video_price')                        AS all_in_lines,
    minIf(l.line_no, l.kind = 'all_in_video_price')               AS all_in_line_no,
    toString(sumIf(l.amount, l.kind = 'all_in_video_price'))      AS all_in_amount,
    min(l.line_no)                                                AS first_line_no,
    count(l.line_no)                                              AS lines
FROM (SELECT id, invoice_number, issue_date, customer_id, currency, subtotal FROM hub.invoice
      WHERE kind = 'invoice' AND regulatory_profile = 'US'
        AND issue_date >= toDate({period_first:String}) AND issue_date <= toDate({period_last:String})
        AND issued_at <= {as_of:DateTime64(6, 'UTC')}) AS i
LEFT JOIN (SELECT invoice_id, line_no, kind, amount FROM hub.invoice_line) AS l ON l.invoice_id = i.id
GROUP BY i.invoice_number, i.issue_date, i.customer_id, i.currency, i.subtotal
ORDER BY i.invoice_number
