-- quota (metric, 2026-Q1) on postgres: scripts/golden_sql.py
SELECT
  CASE WHEN "period_start" < CAST('2026-04-01' AS DATE) THEN '2026-Q1' END AS ns_period,
  SUM(quota) AS value
FROM "quotas"
WHERE
  (
    (
      "period_start" >= CAST('2026-01-01' AS DATE)
      AND "period_start" < CAST('2026-04-01' AS DATE)
    )
  )
GROUP BY
  1;
