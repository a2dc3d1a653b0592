-- show_rate (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE
    WHEN `start_time` < CAST('2026-06-01 06:00:00' AS TIMESTAMP_NTZ)
    THEN '2026-05'
  END AS ns_period,
  CAST(SUM(held) * 1.0 AS DOUBLE) / NULLIF(SUM(due), 0) AS value
FROM `sales_calls`
WHERE
  (
    (
      `start_time` >= CAST('2026-05-01 06:00:00' AS TIMESTAMP_NTZ)
      AND `start_time` < CAST('2026-06-01 06:00:00' AS TIMESTAMP_NTZ)
    )
  )
  AND (
    kind IN ('triage', 'strategy')
  )
GROUP BY
  1;
