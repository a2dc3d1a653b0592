-- top_two_customer_share (metric, 2025) on spark: scripts/golden_sql.py
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
), ranked AS (
  SELECT
    billed,
    ROW_NUMBER() OVER (ORDER BY billed DESC) AS rank_no
  FROM billed
)
SELECT
  CAST(SUM(CASE WHEN rank_no <= 2 THEN billed ELSE 0 END) AS DOUBLE) / NULLIF(SUM(billed), 0) AS value
FROM ranked;
