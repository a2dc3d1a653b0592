-- collection_rate (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE WHEN `due_date` < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  CAST(SUM(paid_amount) AS DOUBLE) / NULLIF(SUM(total), 0) AS value
FROM `invoices`
WHERE
  (
    (
      `due_date` >= CAST('2026-05-01' AS DATE)
      AND `due_date` < CAST('2026-06-01' AS DATE)
    )
  )
GROUP BY
  1;
