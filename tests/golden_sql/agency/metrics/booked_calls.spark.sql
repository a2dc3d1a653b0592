-- booked_calls (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE
    WHEN `booked_at` < CAST('2026-06-01 06:00:00' AS TIMESTAMP_NTZ)
    THEN '2026-05'
  END AS ns_period,
  COUNT(*) AS value
FROM `sales_calls`
WHERE
  (
    (
      `booked_at` >= CAST('2026-05-01 06:00:00' AS TIMESTAMP_NTZ)
      AND `booked_at` < CAST('2026-06-01 06:00:00' AS TIMESTAMP_NTZ)
    )
  )
  AND (
    kind = 'triage'
  )
GROUP BY
  1;
