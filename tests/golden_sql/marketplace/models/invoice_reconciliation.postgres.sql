-- invoice_reconciliation (model) on postgres: scripts/golden_sql.py
/* Invoices where the accounting system and the platform disagree (all should reconcile): */
/* missing on one side, or totals that differ. difference = accounting - platform. */
WITH books AS (
  SELECT
    invoice_id,
    MIN(txn_date) AS txn_date,
    SUM(amount) AS total
  FROM invoice_lines
  GROUP BY
    invoice_id
)
SELECT
  COALESCE(b.invoice_id, p.id) AS invoice_id,
  COALESCE(b.txn_date, p.invoice_date) AS invoice_date,
  b.total AS accounting_total,
  p.total AS platform_total,
  COALESCE(b.total, 0) - COALESCE(p.total, 0) AS difference,
  CASE
    WHEN p.id IS NULL
    THEN 'missing in platform'
    WHEN b.invoice_id IS NULL
    THEN 'missing in accounting'
    ELSE 'amounts differ'
  END AS issue
FROM books AS b
FULL OUTER JOIN platform_invoices AS p
  ON p.id = b.invoice_id
WHERE
  b.invoice_id IS NULL OR p.id IS NULL OR b.total <> p.total;
