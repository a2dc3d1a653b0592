-- clients_lost (metric, 2026-05) on duckdb: scripts/golden_sql.py
SELECT
  CASE WHEN "changed_on" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  COUNT(*) AS value
FROM "clients_changes"
WHERE
  (
    (
      "changed_on" >= CAST('2026-05-01' AS DATE)
      AND "changed_on" < CAST('2026-06-01' AS DATE)
    )
  )
  AND (
    change = 'churned'
  )
GROUP BY
  1;
