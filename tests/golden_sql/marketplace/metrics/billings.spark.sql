-- billings (metric, 2025) on spark: scripts/golden_sql.py
SELECT
  CASE WHEN `txn_date` < CAST('2026-01-01' AS DATE) THEN '2025' END AS ns_period,
  SUM(amount) AS value
FROM `revenue_lines`
WHERE
  (
    (
      `txn_date` >= CAST('2025-01-01' AS DATE)
      AND `txn_date` < CAST('2026-01-01' AS DATE)
    )
  )
  AND (
    kind IN ('gmv', 'discount', 'credit_memo')
  )
GROUP BY
  1;
