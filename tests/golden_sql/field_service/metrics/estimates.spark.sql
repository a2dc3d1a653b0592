-- estimates (metric, 2026-06-14) on spark: scripts/golden_sql.py
SELECT
  CASE
    WHEN `happened_at` < CAST('2026-06-15 07:00:00' AS TIMESTAMP_NTZ)
    THEN '2026-06-14'
  END AS ns_period,
  SUM(presented) AS value
FROM `sales_events`
WHERE
  (
    (
      `happened_at` >= CAST('2026-06-14 07:00:00' AS TIMESTAMP_NTZ)
      AND `happened_at` < CAST('2026-06-15 07:00:00' AS TIMESTAMP_NTZ)
    )
  )
GROUP BY
  1;
