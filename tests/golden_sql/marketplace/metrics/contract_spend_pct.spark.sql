-- contract_spend_pct (metric, 2026-05) on spark: scripts/golden_sql.py
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
), goal AS (
  SELECT
    SUM(
      CAST(amount * DATEDIFF(
        DAY,
        GREATEST(start_date, CAST('2026-05-01' AS DATE)),
        LEAST(end_date + 1, CAST('2026-06-01' AS DATE))
      ) AS DOUBLE) / (
        DATEDIFF(DAY, start_date, end_date) + 1
      )
    ) AS goal
  FROM k
), spent AS (
  SELECT
    SUM(g.amount) AS spent
  FROM k
  JOIN gmv_lines AS g
    ON g.customer_id = k.customer_id
    AND g.txn_date >= GREATEST(k.start_date, CAST('2026-05-01' AS DATE))
    AND g.txn_date < LEAST(k.end_date + 1, CAST('2026-06-01' AS DATE))
)
SELECT
  CAST(COALESCE((
    SELECT
      spent
    FROM spent
  ), 0) AS DOUBLE) / NULLIF((
    SELECT
      goal
    FROM goal
  ), 0) AS value;
