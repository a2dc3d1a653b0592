-- dollars_collected (metric, 2026-06-14) on duckdb: scripts/golden_sql.py
SELECT
  CASE
    WHEN "paid_on" < CAST('2026-06-15 07:00:00' AS TIMESTAMP)
    THEN '2026-06-14'
  END AS ns_period,
  SUM(amount) AS value
FROM "dim_payments"
WHERE
  (
    (
      "paid_on" >= CAST('2026-06-14 07:00:00' AS TIMESTAMP)
      AND "paid_on" < CAST('2026-06-15 07:00:00' AS TIMESTAMP)
    )
  )
GROUP BY
  1;
