-- logo_retention (metric, 2025) on spark: scripts/golden_sql.py
WITH prior AS (
  SELECT DISTINCT
    customer_id
  FROM gmv_lines
  WHERE
    txn_date >= CAST('2024-01-01' AS DATE) AND txn_date < CAST('2025-01-01' AS DATE)
), cur AS (
  SELECT DISTINCT
    customer_id
  FROM gmv_lines
  WHERE
    txn_date >= CAST('2025-01-01' AS DATE) AND txn_date < CAST('2026-01-01' AS DATE)
)
SELECT
  CAST(COUNT(cur.customer_id) * 1.0 AS DOUBLE) / NULLIF(COUNT(*), 0) AS value
FROM prior
LEFT JOIN cur
  ON cur.customer_id = prior.customer_id;
