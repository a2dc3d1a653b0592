-- invoices (model) on postgres: scripts/golden_sql.py
/* One row per invoice: total of all its lines (GMV and discounts), what has been paid so far, */
/* the date of the last payment, and days from invoice date to that payment when paid in full. */
WITH lines AS (
  SELECT
    invoice_id,
    MIN(customer_id) AS customer_id,
    MIN(txn_date) AS txn_date,
    MIN(due_date) AS due_date,
    SUM(amount) AS total,
    MIN(department) AS department,
    MIN(team) AS team,
    MIN(owner_id) AS owner_id,
    MIN(client_id) AS client_id,
    MIN(source_funnel) AS source_funnel,
    MIN(utm_source) AS utm_source,
    MIN(utm_medium) AS utm_medium,
    MIN(utm_campaign) AS utm_campaign
  FROM invoice_lines
  GROUP BY
    invoice_id
), paid AS (
  SELECT
    invoice_id,
    SUM(amount) AS paid_amount,
    MAX(payment_date) AS paid_date
  FROM payments
  GROUP BY
    invoice_id
)
SELECT
  l.invoice_id,
  l.customer_id,
  l.txn_date,
  l.due_date,
  l.total,
  COALESCE(p.paid_amount, CAST(0 AS DECIMAL(18, 2))) AS paid_amount,
  p.paid_date,
  CASE
    WHEN p.paid_amount >= l.total
    THEN (
      CAST(p.paid_date AS DATE) - CAST(l.txn_date AS DATE)
    )
  END AS days_to_pay,
  l.department,
  l.team,
  l.owner_id,
  l.client_id,
  l.source_funnel,
  l.utm_source,
  l.utm_medium,
  l.utm_campaign
FROM lines AS l
LEFT JOIN paid AS p
  ON p.invoice_id = l.invoice_id;
