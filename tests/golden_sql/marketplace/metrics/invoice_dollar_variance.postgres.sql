-- invoice_dollar_variance (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  COALESCE(SUM(ABS(difference)), 0) AS value
FROM invoice_reconciliation
WHERE
  invoice_date >= CAST('2026-05-01' AS DATE)
  AND invoice_date < CAST('2026-06-01' AS DATE);
