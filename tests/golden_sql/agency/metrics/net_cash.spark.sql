-- net_cash (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE
    WHEN `created` < CAST('2026-06-01 06:00:00' AS TIMESTAMP_NTZ)
    THEN '2026-05'
  END AS ns_period,
  SUM(net_amount) AS value
FROM `cash_movements`
WHERE
  (
    (
      `created` >= CAST('2026-05-01 06:00:00' AS TIMESTAMP_NTZ)
      AND `created` < CAST('2026-06-01 06:00:00' AS TIMESTAMP_NTZ)
    )
  )
GROUP BY
  1;

SELECT
  SUM(value) AS value
FROM finance_figures
WHERE
  item = 'cash_plan'
  AND month >= CAST('2026-05-01' AS DATE)
  AND month < CAST('2026-06-01' AS DATE);
