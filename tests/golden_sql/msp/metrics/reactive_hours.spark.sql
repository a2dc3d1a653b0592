-- reactive_hours (metric, 2026-05) on spark: scripts/golden_sql.py
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
  AND (
    is_reactive
  )
GROUP BY
  1;

SELECT
  0.3 * NULLIF(COUNT(*), 0) * ROUND(
    CAST(DATEDIFF(DAY, CAST('2026-05-01' AS DATE), CAST('2026-06-01' AS DATE)) AS DOUBLE) / 30.44
  ) AS value
FROM managed_devices
WHERE
  is_endpoint
  AND is_approved
  AND created < CAST('2026-06-01 05:00:00' AS TIMESTAMP_NTZ)
  AND (
    removed_at IS NULL OR removed_at >= CAST('2026-06-01 05:00:00' AS TIMESTAMP_NTZ)
  );
