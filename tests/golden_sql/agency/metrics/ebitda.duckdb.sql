-- ebitda (metric, 2026-05) on duckdb: scripts/golden_sql.py
SELECT
  CASE WHEN "month" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(value) AS value
FROM "finance_figures"
WHERE
  (
    (
      "month" >= CAST('2026-05-01' AS DATE) AND "month" < CAST('2026-06-01' AS DATE)
    )
  )
  AND (
    item = 'ebitda'
  )
GROUP BY
  1;

SELECT
  0.20 * SUM(net_amount) AS value
FROM cash_movements
WHERE
  created >= CAST('2026-05-01 06:00:00' AS TIMESTAMP)
  AND created < CAST('2026-06-01 06:00:00' AS TIMESTAMP);
