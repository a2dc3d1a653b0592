-- lost_mrr (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  CASE WHEN "month" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(value) AS value
FROM "monthly_inputs"
WHERE
  (
    (
      "month" >= CAST('2026-05-01' AS DATE) AND "month" < CAST('2026-06-01' AS DATE)
    )
  )
  AND (
    input = 'lost_mrr'
  )
GROUP BY
  1;

SELECT
  0.01 * NULLIF(SUM(amount), 0) AS value
FROM pnl_lines
WHERE
  category = 'mrr'
  AND month >= CAST('2026-05-01' AS DATE)
  AND month < CAST('2026-06-01' AS DATE);
