-- new_logos (metric, 2026-Q1) on postgres: scripts/golden_sql.py
SELECT
  CASE WHEN "created_date" < CAST('2026-04-01' AS DATE) THEN '2026-Q1' END AS ns_period,
  COUNT(*) AS value
FROM "customers"
WHERE
  (
    (
      "created_date" >= CAST('2026-01-01' AS DATE)
      AND "created_date" < CAST('2026-04-01' AS DATE)
    )
  )
GROUP BY
  1;
