-- nrr (metric, 2026-05) on spark: scripts/golden_sql.py
WITH cohort AS (
  SELECT
    client_id,
    SUM(mrr_change) AS mrr_then
  FROM clients_changes
  WHERE
    changed_on < CAST('2025-06-01' AS DATE)
  GROUP BY
    client_id
  HAVING
    SUM(clients_change) > 0
), today AS (
  SELECT
    client_id,
    SUM(mrr_change) AS mrr_now
  FROM clients_changes
  WHERE
    changed_on < CAST('2026-06-01' AS DATE)
  GROUP BY
    client_id
)
SELECT
  CAST(SUM(COALESCE(t.mrr_now, 0)) AS DOUBLE) / NULLIF(SUM(c.mrr_then), 0) AS value
FROM cohort AS c
LEFT JOIN today AS t
  ON t.client_id = c.client_id;
