-- nrr (metric, 2025) on spark: scripts/golden_sql.py
WITH prior AS (
  SELECT
    customer_id,
    SUM(amount) AS billed,
    SUM(CASE WHEN kind = 'gmv' THEN 1 ELSE 0 END) AS gmv_lines
  FROM revenue_lines
  WHERE
    kind IN ('gmv', 'discount', 'credit_memo')
    AND txn_date >= CAST('2024-01-01' AS DATE)
    AND txn_date < CAST('2025-01-01' AS DATE)
  GROUP BY
    customer_id
), cur AS (
  SELECT
    customer_id,
    SUM(amount) AS billed
  FROM revenue_lines
  WHERE
    kind IN ('gmv', 'discount', 'credit_memo')
    AND txn_date >= CAST('2025-01-01' AS DATE)
    AND txn_date < CAST('2026-01-01' AS DATE)
  GROUP BY
    customer_id
)
SELECT
  CAST(SUM(COALESCE(cur.billed, 0)) AS DOUBLE) / NULLIF(SUM(prior.billed), 0) AS value
FROM prior
LEFT JOIN cur
  ON cur.customer_id = prior.customer_id
WHERE
  prior.gmv_lines > 0;
