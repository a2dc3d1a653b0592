-- revenue_forecast (metric, 2026-05) on spark: scripts/golden_sql.py
WITH base AS (
  SELECT
    LEAST(
      CAST('2026-05-01' AS DATE),
      CAST(TRUNC(CAST('2026-05-31' AS DATE), 'MONTH') AS DATE)
    ) AS day
), k AS (
  SELECT
    k.id,
    k.customer_id,
    k.amount,
    k.start_date,
    k.end_date,
    EXTRACT(YEAR FROM k.start_date) * 12 + EXTRACT(MONTH FROM k.start_date) AS first_m,
    EXTRACT(YEAR FROM k.end_date) * 12 + EXTRACT(MONTH FROM k.end_date) AS last_m,
    GREATEST(
      EXTRACT(YEAR FROM k.start_date) * 12 + EXTRACT(MONTH FROM k.start_date),
      (
        SELECT
          EXTRACT(YEAR FROM day) * 12 + EXTRACT(MONTH FROM day)
        FROM base
      )
    ) AS from_m
  FROM contracts AS k
  WHERE
    k.start_date < CAST('2026-06-01' AS DATE)
    AND k.end_date >= CAST('2026-05-01' AS DATE)
), spent AS (
  SELECT
    k.id,
    SUM(g.amount) AS spent
  FROM k
  JOIN gmv_lines AS g
    ON g.customer_id = k.customer_id
    AND g.txn_date >= k.start_date
    AND g.txn_date <= k.end_date
    AND g.txn_date < (
      SELECT
        day
      FROM base
    )
  GROUP BY
    k.id
), shares AS (
  SELECT
    k.id,
    GREATEST(k.amount - COALESCE(s.spent, 0), 0) AS unspent,
    k.last_m - k.from_m + 1 AS months_left,
    GREATEST(
      LEAST(
        k.last_m,
        EXTRACT(YEAR FROM CAST('2026-06-01' AS DATE) - 1) * 12 + EXTRACT(MONTH FROM CAST('2026-06-01' AS DATE) - 1)
      ) - GREATEST(
        k.from_m,
        EXTRACT(YEAR FROM CAST('2026-05-01' AS DATE)) * 12 + EXTRACT(MONTH FROM CAST('2026-05-01' AS DATE))
      ) + 1,
      0
    ) AS months_inside
  FROM k
  LEFT JOIN spent AS s
    ON s.id = k.id
)
SELECT
  SUM(CAST(unspent * months_inside AS DOUBLE) / months_left) AS value
FROM shares;

SELECT
  1.10 * SUM(amount) AS value
FROM gmv_lines
WHERE
  txn_date >= CAST('2025-05-01' AS DATE) AND txn_date < CAST('2025-06-01' AS DATE);
