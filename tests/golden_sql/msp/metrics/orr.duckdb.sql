-- orr (metric, 2026-05) on duckdb: scripts/golden_sql.py
SELECT
  CASE WHEN "month" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(amount) AS value
FROM "pnl_lines"
WHERE
  (
    (
      "month" >= CAST('2026-05-01' AS DATE) AND "month" < CAST('2026-06-01' AS DATE)
    )
  )
  AND (
    category = 'orr'
  )
GROUP BY
  1;

SELECT
  1.10 * NULLIF(SUM(amount), 0) AS value
FROM pnl_lines
WHERE
  category = 'orr'
  AND month >= CAST('2025-05-01' AS DATE)
  AND month < CAST('2025-06-01' AS DATE);
