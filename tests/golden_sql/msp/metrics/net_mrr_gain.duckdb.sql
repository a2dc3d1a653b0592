-- net_mrr_gain (metric, 2026-05) on duckdb: scripts/golden_sql.py
SELECT
  0.01 * NULLIF(SUM(amount), 0) AS value
FROM pnl_lines
WHERE
  category = 'mrr'
  AND month >= CAST('2026-05-01' AS DATE)
  AND month < CAST('2026-06-01' AS DATE);
