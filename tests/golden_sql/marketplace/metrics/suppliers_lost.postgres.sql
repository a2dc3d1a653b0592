-- suppliers_lost (metric, 2025) on postgres: scripts/golden_sql.py
WITH cur AS (
  SELECT
    supplier_name AS who,
    SUM(amount) AS amount
  FROM supplier_payouts
  WHERE
    txn_date >= CAST('2025-01-01' AS DATE) AND txn_date < CAST('2026-01-01' AS DATE)
  GROUP BY
    1
), prev AS (
  SELECT
    supplier_name AS who,
    SUM(amount) AS amount
  FROM supplier_payouts
  WHERE
    txn_date >= CAST('2024-01-01' AS DATE) AND txn_date < CAST('2025-01-01' AS DATE)
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
  cur <= 0 AND prev > 0;
