-- mrr (metric, 2026-05) on duckdb: scripts/golden_sql.py
SELECT
  CASE WHEN "changed_on" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(mrr_change) AS value
FROM "clients_changes"
WHERE
  (
    "changed_on" < CAST('2026-06-01' AS DATE)
  )
GROUP BY
  1;

SELECT
  1.3 * NULLIF(SUM(mrr_change), 0) AS value
FROM clients_changes
WHERE
  changed_on < CAST('2025-06-01' AS DATE);
