-- net_profit (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  CASE WHEN "month" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(profit_amount) AS value
FROM "pnl_lines"
WHERE
  (
    (
      "month" >= CAST('2026-05-01' AS DATE) AND "month" < CAST('2026-06-01' AS DATE)
    )
  )
GROUP BY
  1;

SELECT
  0.15 * NULLIF(SUM(amount), 0) AS value
FROM pnl_lines
WHERE
  kind = 'income'
  AND month >= CAST('2026-05-01' AS DATE)
  AND month < CAST('2026-06-01' AS DATE);
