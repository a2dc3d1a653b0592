-- new_suppliers (metric, 2026-05) on duckdb: scripts/golden_sql.py
SELECT
  CASE WHEN "first_listed_date" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  COUNT(*) AS value
FROM "suppliers"
WHERE
  (
    (
      "first_listed_date" >= CAST('2026-05-01' AS DATE)
      AND "first_listed_date" < CAST('2026-06-01' AS DATE)
    )
  )
GROUP BY
  1;
