-- reactive_tickets_closed (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE
    WHEN `closed_at` < CAST('2026-06-01 05:00:00' AS TIMESTAMP_NTZ)
    THEN '2026-05'
  END AS ns_period,
  COUNT(*) AS value
FROM `reactive_tickets`
WHERE
  (
    (
      `closed_at` >= CAST('2026-05-01 05:00:00' AS TIMESTAMP_NTZ)
      AND `closed_at` < CAST('2026-06-01 05:00:00' AS TIMESTAMP_NTZ)
    )
  )
GROUP BY
  1;

SELECT
  NULLIF(COUNT(*), 0) AS value
FROM reactive_tickets
WHERE
  date_entered >= CAST('2026-05-01 05:00:00' AS TIMESTAMP_NTZ)
  AND date_entered < CAST('2026-06-01 05:00:00' AS TIMESTAMP_NTZ);
