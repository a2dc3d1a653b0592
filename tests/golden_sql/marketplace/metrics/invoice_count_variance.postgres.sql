-- invoice_count_variance (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  COUNT(*) AS value
FROM invoice_reconciliation
WHERE
  invoice_date >= CAST('2026-05-01' AS DATE)
  AND invoice_date < CAST('2026-06-01' AS DATE);
