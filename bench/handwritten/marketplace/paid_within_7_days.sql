-- Of the invoices issued in the month, the share paid in full within 7 days of the invoice date.
-- An invoice's date is the earliest of its lines'; only invoices with a line dated in the span
-- can qualify, so the others are skipped before grouping.
WITH candidates AS (
  SELECT DISTINCT invoice_id FROM raw_invoice_lines
  WHERE txn_date >= $start AND txn_date < $end
),
invoices AS (
  SELECT invoice_id, min(txn_date) AS txn_date, sum(amount) AS total
  FROM raw_invoice_lines
  WHERE invoice_id IN (SELECT invoice_id FROM candidates)
  GROUP BY invoice_id
  HAVING min(txn_date) >= $start
),
paid AS (
  SELECT invoice_id, sum(amount) AS paid, max(payment_date) AS paid_date
  FROM raw_payments
  WHERE invoice_id IN (SELECT invoice_id FROM candidates)
  GROUP BY invoice_id
),
monthly AS (
  SELECT date_trunc('month', i.txn_date) AS month,
         avg(CASE WHEN p.paid >= i.total AND p.paid_date - i.txn_date <= 7 THEN 1.0 ELSE 0.0 END)
         AS share
  FROM invoices AS i
  LEFT JOIN paid AS p ON p.invoice_id = i.invoice_id
  GROUP BY 1
)
SELECT strftime(month, '%Y-%m') AS period, share AS value
FROM monthly
