-- win_rate (metric, 2026-Q1) on spark: scripts/golden_sql.py
SELECT
  CASE WHEN `close_date` < CAST('2026-04-01' AS DATE) THEN '2026-Q1' END AS ns_period,
  CAST(SUM(CASE WHEN stage = 'closedwon' THEN 1.0 ELSE 0.0 END) AS DOUBLE) / NULLIF(SUM(CASE WHEN stage IN ('closedwon', 'closedlost') THEN 1.0 ELSE 0.0 END), 0) AS value
FROM `deals`
WHERE
  (
    (
      `close_date` >= CAST('2026-01-01' AS DATE)
      AND `close_date` < CAST('2026-04-01' AS DATE)
    )
  )
GROUP BY
  1;
