-- unlinked_payout_share (metric, 2026-Q1) on spark: scripts/golden_sql.py
SELECT
  CASE WHEN `txn_date` < CAST('2026-04-01' AS DATE) THEN '2026-Q1' END AS ns_period,
  CAST(SUM(CASE WHEN supplier_id IS NULL THEN amount ELSE 0 END) AS DOUBLE) / NULLIF(SUM(amount), 0) AS value
FROM `supplier_payouts`
WHERE
  (
    (
      `txn_date` >= CAST('2026-01-01' AS DATE)
      AND `txn_date` < CAST('2026-04-01' AS DATE)
    )
  )
GROUP BY
  1;
