-- ar_billed (metric, 2026-06-14) on duckdb: scripts/golden_sql.py
SELECT
  CASE WHEN "invoice_date" < CAST('2026-06-15' AS DATE) THEN '2026-06-14' END AS ns_period,
  SUM(total) AS value
FROM "invoice_units"
WHERE
  (
    "invoice_date" < CAST('2026-06-15' AS DATE)
  )
GROUP BY
  1;
