-- customers_losing (metric, 2025) on spark: scripts/golden_sql.py
WITH cur AS (
  SELECT
    customer_id AS who,
    SUM(amount) AS amount
  FROM revenue_lines
  WHERE
    kind IN ('gmv', 'discount', 'credit_memo')
    AND txn_date >= CAST('2025-01-01' AS DATE)
    AND txn_date < CAST('2026-01-01' AS DATE)
  GROUP BY
    1
), prev AS (
  SELECT
    customer_id AS who,
    SUM(amount) AS amount
  FROM revenue_lines
  WHERE
    kind IN ('gmv', 'discount', 'credit_memo')
    AND txn_date >= CAST('2024-01-01' AS DATE)
    AND txn_date < CAST('2025-01-01' AS DATE)
  GROUP BY
    1
), pairs AS (
  SELECT
    COALESCE(c.who, p.who) AS who,
    COALESCE(c.amount, 0) AS cur,
    COALESCE(p.amount, 0) AS prev
  FROM cur AS c
  FULL OUTER JOIN prev AS p
    ON p.who = c.who
)
SELECT
  COUNT(*) AS value
FROM pairs
WHERE
  cur > 0 AND prev > 0 AND prev - cur > 0.5 * prev;
