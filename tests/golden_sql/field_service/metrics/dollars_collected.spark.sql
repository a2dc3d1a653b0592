-- dollars_collected (metric, 2026-06-14) on spark: scripts/golden_sql.py
SELECT
  CASE
    WHEN `paid_on` < CAST('2026-06-15 07:00:00' AS TIMESTAMP_NTZ)
    THEN '2026-06-14'
  END AS ns_period,
  SUM(amount) AS value
FROM `dim_payments`
WHERE
  (
    (
      `paid_on` >= CAST('2026-06-14 07:00:00' AS TIMESTAMP_NTZ)
      AND `paid_on` < CAST('2026-06-15 07:00:00' AS TIMESTAMP_NTZ)
    )
  )
GROUP BY
  1;
