-- median_days_to_first_lead (metric, 2026-05) on duckdb: scripts/golden_sql.py
SELECT
  CASE WHEN "first_lead_on" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  MEDIAN(days_to_first_lead) AS value
FROM "clients"
WHERE
  (
    (
      "first_lead_on" >= CAST('2026-05-01' AS DATE)
      AND "first_lead_on" < CAST('2026-06-01' AS DATE)
    )
  )
GROUP BY
  1;
