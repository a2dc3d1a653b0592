-- pipeline_entering (metric, 2026-Q1) on postgres: scripts/golden_sql.py
SELECT
  CASE WHEN "close_date" < CAST('2026-04-01' AS DATE) THEN '2026-Q1' END AS ns_period,
  SUM(entering_amount) AS value
FROM "scored_deals"
WHERE
  (
    (
      "close_date" >= CAST('2026-01-01' AS DATE)
      AND "close_date" < CAST('2026-04-01' AS DATE)
    )
  )
  AND (
    open_at_quarter_start
  )
GROUP BY
  1;
