-- active_clients (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  CASE WHEN "changed_on" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(clients_change) AS value
FROM "clients_changes"
WHERE
  (
    "changed_on" < CAST('2026-06-01' AS DATE)
  )
GROUP BY
  1;

SELECT
  1.3 * NULLIF(SUM(clients_change), 0) AS value
FROM clients_changes
WHERE
  changed_on < CAST('2025-06-01' AS DATE);
