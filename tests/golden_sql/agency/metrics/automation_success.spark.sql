-- automation_success (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE WHEN `date` < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  CAST(SUM(succeeded) AS DOUBLE) / NULLIF(SUM(runs), 0) AS value
FROM `automations`
WHERE
  (
    (
      `date` >= CAST('2026-05-01' AS DATE) AND `date` < CAST('2026-06-01' AS DATE)
    )
  )
GROUP BY
  1;
