-- net_revenue (metric, 2026-05) on duckdb: scripts/golden_sql.py
SELECT
  CASE WHEN "txn_date" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(amount) AS value
FROM "revenue_lines"
WHERE
  (
    (
      "txn_date" >= CAST('2026-05-01' AS DATE)
      AND "txn_date" < CAST('2026-06-01' AS DATE)
    )
  )
GROUP BY
  1;

SELECT
  1.10 * SUM(amount) AS value
FROM revenue_lines
WHERE
  txn_date >= CAST('2025-05-01' AS DATE) AND txn_date < CAST('2025-06-01' AS DATE);
