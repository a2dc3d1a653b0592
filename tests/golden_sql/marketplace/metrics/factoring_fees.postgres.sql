-- factoring_fees (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  CASE WHEN "statement_date" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(fees) AS value
FROM "factoring_statements"
WHERE
  (
    (
      "statement_date" >= CAST('2026-05-01' AS DATE)
      AND "statement_date" < CAST('2026-06-01' AS DATE)
    )
  )
GROUP BY
  1;
