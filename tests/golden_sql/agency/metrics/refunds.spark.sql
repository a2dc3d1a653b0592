-- refunds (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE
    WHEN `created` < CAST('2026-06-01 06:00:00' AS TIMESTAMP_NTZ)
    THEN '2026-05'
  END AS ns_period,
  SUM(amount) AS value
FROM `cash_movements`
WHERE
  (
    (
      `created` >= CAST('2026-05-01 06:00:00' AS TIMESTAMP_NTZ)
      AND `created` < CAST('2026-06-01 06:00:00' AS TIMESTAMP_NTZ)
    )
  )
  AND (
    kind = 'refund'
  )
GROUP BY
  1;

SELECT
  0.03 * SUM(amount) AS value
FROM cash_movements
WHERE
  kind = 'charge'
  AND created >= CAST('2026-05-01 06:00:00' AS TIMESTAMP_NTZ)
  AND created < CAST('2026-06-01 06:00:00' AS TIMESTAMP_NTZ);
