-- reactive_tickets_created (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE
    WHEN `date_entered` < CAST('2026-06-01 05:00:00' AS TIMESTAMP_NTZ)
    THEN '2026-05'
  END AS ns_period,
  COUNT(*) AS value
FROM `reactive_tickets`
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
  1.0 * NULLIF(COUNT(*), 0) * ROUND(
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
