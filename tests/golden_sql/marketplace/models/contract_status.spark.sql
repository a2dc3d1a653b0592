-- contract_status (model) on spark: scripts/golden_sql.py
/* Every customer contract as of the latest invoice date: what was committed, spent (GMV inside */
/* the contract's dates) and unspent, how far through its term it is, its health and its */
/* land-and-expand type. */
/* Health: on track when the spent share is at least 90% of the elapsed share of the term, at */
/* risk from 70%, off track below. Type: land (the customer's first contract), expand (bigger */
/* than the one before), renew (within 5%), contract (smaller). */
WITH latest AS (
  SELECT
    MAX(txn_date) AS day
  FROM gmv_lines
), spent AS (
  SELECT
    k.id AS contract_id,
    SUM(g.amount) AS spent
  FROM contracts AS k
  JOIN gmv_lines AS g
    ON g.customer_id = k.customer_id
    AND g.txn_date >= k.start_date
    AND g.txn_date <= k.end_date
  GROUP BY
    1
), base AS (
  SELECT
    k.id AS contract_id,
    k.customer_id,
    k.owner_id,
    k.start_date,
    k.end_date,
    k.amount,
    COALESCE(s.spent, 0) AS spent,
    LEAST(
      1.0,
      GREATEST(
        0.0,
        CAST((
          DATEDIFF(DAY, k.start_date, (
            SELECT
              day
            FROM latest
          )) + 1
        ) * 1.0 AS DOUBLE) / (
          DATEDIFF(DAY, k.start_date, k.end_date) + 1
        )
      )
    ) AS elapsed_share,
    LAG(k.amount) OVER (PARTITION BY k.customer_id ORDER BY k.start_date NULLS LAST) AS previous_amount
  FROM contracts AS k
  LEFT JOIN spent AS s
    ON s.contract_id = k.id
)
SELECT
  contract_id,
  customer_id,
  owner_id,
  start_date,
  end_date,
  amount,
  spent,
  amount - spent AS unspent,
  elapsed_share,
  CAST(spent AS DOUBLE) / NULLIF(CAST(amount AS DOUBLE), 0) AS spent_share,
  CASE
    WHEN spent >= 0.9 * elapsed_share * amount
    THEN 'on track'
    WHEN spent >= 0.7 * elapsed_share * amount
    THEN 'at risk'
    ELSE 'off track'
  END AS health,
  CASE
    WHEN previous_amount IS NULL
    THEN 'land'
    WHEN amount > 1.05 * previous_amount
    THEN 'expand'
    WHEN amount >= 0.95 * previous_amount
    THEN 'renew'
    ELSE 'contract'
  END AS motion
FROM base;
