-- leads (metric, 2026-06-14) on spark: scripts/golden_sql.py
SELECT
  CASE
    WHEN `created_on` < CAST('2026-06-15 07:00:00' AS TIMESTAMP_NTZ)
    THEN '2026-06-14'
  END AS ns_period,
  COUNT(*) AS value
FROM `dim_jobs`
WHERE
  (
    (
      `created_on` >= CAST('2026-06-14 07:00:00' AS TIMESTAMP_NTZ)
      AND `created_on` < CAST('2026-06-15 07:00:00' AS TIMESTAMP_NTZ)
    )
  )
  AND (
    job_type_category = 'estimate' AND department = 'sales'
  )
GROUP BY
  1;
