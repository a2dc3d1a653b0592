-- paid_within_7_days (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE WHEN `txn_date` < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  AVG(CAST(CASE WHEN days_to_pay <= 7 THEN 1.0 ELSE 0.0 END AS DOUBLE)) AS value
FROM `invoices`
WHERE
  (
    (
      `txn_date` >= CAST('2026-05-01' AS DATE)
      AND `txn_date` < CAST('2026-06-01' AS DATE)
    )
  )
GROUP BY
  1;
