-- unspent_contracts (metric, 2026-05) on spark: scripts/golden_sql.py
WITH k AS (
  SELECT
    id,
    customer_id,
    amount,
    start_date,
    end_date
  FROM contracts
  WHERE
    start_date < CAST('2026-06-01' AS DATE)
    AND end_date >= CAST('2026-05-01' AS DATE)
), spent AS (
  SELECT
    k.id,
    SUM(g.amount) AS spent
  FROM k
  JOIN gmv_lines AS g
    ON g.customer_id = k.customer_id
    AND g.txn_date >= k.start_date
    AND g.txn_date <= k.end_date
    AND g.txn_date < CAST('2026-06-01' AS DATE)
  GROUP BY
    k.id
)
SELECT
  SUM(GREATEST(k.amount - COALESCE(s.spent, 0), 0)) AS value
FROM k
LEFT JOIN spent AS s
  ON s.id = k.id;

SELECT
  0.5 * SUM(amount) AS value
FROM contracts
WHERE
  start_date < CAST('2026-06-01' AS DATE)
  AND end_date >= CAST('2026-05-01' AS DATE);
