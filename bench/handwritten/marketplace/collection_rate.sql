-- For invoices falling due in the month: paid so far / invoiced (all lines, after discounts).
-- An invoice's due date is the earliest of its lines'; only invoices with a line due in the
-- span can qualify, so the others are skipped before grouping.
WITH candidates AS (
  SELECT DISTINCT invoice_id FROM raw_invoice_lines
  WHERE due_date >= $start AND due_date < $end
),
invoices AS (
  SELECT invoice_id, min(due_date) AS due_date, sum(amount) AS total
  FROM raw_invoice_lines
  WHERE invoice_id IN (SELECT invoice_id FROM candidates)
  GROUP BY invoice_id
  HAVING min(due_date) >= $start
),
paid AS (
  SELECT invoice_id, sum(amount) AS paid
  FROM raw_payments
  WHERE invoice_id IN (SELECT invoice_id FROM candidates)
  GROUP BY invoice_id
),
monthly AS (
  SELECT date_trunc('month', i.due_date) AS month,
         sum(coalesce(p.paid, 0)) AS paid, sum(i.total) AS total
  FROM invoices AS i
  LEFT JOIN paid AS p ON p.invoice_id = i.invoice_id
  GROUP BY 1
)
SELECT strftime(month, '%Y-%m') AS period, paid / nullif(total, 0) AS value
FROM monthly
