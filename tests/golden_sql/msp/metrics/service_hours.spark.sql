-- service_hours (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE
    WHEN `date_entered` < CAST('2026-06-01 05:00:00' AS TIMESTAMP_NTZ)
    THEN '2026-05'
  END AS ns_period,
  SUM(actual_hours) AS value
FROM `service_time_entries`
WHERE
  (
    (
      `date_entered` >= CAST('2026-05-01 05:00:00' AS TIMESTAMP_NTZ)
      AND `date_entered` < CAST('2026-06-01 05:00:00' AS TIMESTAMP_NTZ)
    )
  )
GROUP BY
  1;

SELECT
  CAST(1.0 AS DOUBLE) / 125 * NULLIF(SUM(amount), 0) AS value
FROM pnl_lines
WHERE
  category = 'mrr'
  AND month >= CAST('2026-05-01' AS DATE)
  AND month < CAST('2026-06-01' AS DATE);
