-- top_customer_share (metric, 2025) on spark: scripts/golden_sql.py
WITH billed AS (
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
  CAST(MAX(billed) AS DOUBLE) / NULLIF(SUM(billed), 0) AS value
FROM billed;
