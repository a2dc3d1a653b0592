-- median_days_to_first_lead (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  CASE WHEN "first_lead_on" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY
    days_to_first_lead) AS value
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
