-- cash_plan (metric, 2026-05) on postgres: scripts/golden_sql.py
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
    item = 'cash_plan'
  )
GROUP BY
  1;
