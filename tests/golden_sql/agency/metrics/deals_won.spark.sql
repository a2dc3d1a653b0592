-- deals_won (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE
    WHEN `won_at` < CAST('2026-06-01 06:00:00' AS TIMESTAMP_NTZ)
    THEN '2026-05'
  END AS ns_period,
  COUNT(*) AS value
FROM `deals`
WHERE
  (
    (
      `won_at` >= CAST('2026-05-01 06:00:00' AS TIMESTAMP_NTZ)
      AND `won_at` < CAST('2026-06-01 06:00:00' AS TIMESTAMP_NTZ)
    )
  )
  AND (
    status = 'won'
  )
GROUP BY
  1;
