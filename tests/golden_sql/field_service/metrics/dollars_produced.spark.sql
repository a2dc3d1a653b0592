-- dollars_produced (metric, 2026-06-14) on spark: scripts/golden_sql.py
SELECT
  CASE
    WHEN `start_at` < CAST('2026-06-15 07:00:00' AS TIMESTAMP_NTZ)
    THEN '2026-06-14'
  END AS ns_period,
  SUM(revenue) AS value
FROM `job_costing`
WHERE
  (
    (
      `start_at` >= CAST('2026-06-14 07:00:00' AS TIMESTAMP_NTZ)
      AND `start_at` < CAST('2026-06-15 07:00:00' AS TIMESTAMP_NTZ)
    )
  )
  AND (
    job_type_category = 'production' AND department = 'production'
  )
GROUP BY
  1;
