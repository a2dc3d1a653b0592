-- customer_development (model) on postgres: scripts/golden_sql.py
/* One row per customer: billings (GMV + discounts - credit memos) this year, last year and in */
/* total, first year billed (the cohort) and what it billed that year (its year 1), years active */
/* (tenure), NRR, and the core action state by the same rule as suppliers, applied to billings. */
/* "This year" is the year of the latest billing line. */
WITH yearly AS (
  SELECT
    customer_id,
    CAST(EXTRACT(YEAR FROM txn_date) AS INT) AS year,
    SUM(amount) AS billed
  FROM revenue_lines
  WHERE
    kind IN ('gmv', 'discount', 'credit_memo')
  GROUP BY
    1,
    2
), latest AS (
  SELECT
    MAX(year) AS year
  FROM yearly
), per AS (
  SELECT
    c.id AS customer_id,
    c.name AS customer_name,
    c.owner_id,
    MIN(CASE WHEN y.billed > 0 THEN y.year END) AS first_year,
    COUNT(CASE WHEN y.billed > 0 THEN 1 END) AS years_active,
    COALESCE(SUM(CASE WHEN y.year = (
      SELECT
        year
      FROM latest
    ) THEN y.billed END), 0) AS billed_this_year,
    COALESCE(
      SUM(CASE WHEN y.year = (
        SELECT
          year
        FROM latest
      ) - 1 THEN y.billed END),
      0
    ) AS billed_last_year,
    COALESCE(SUM(y.billed), 0) AS total_billed
  FROM customers AS c
  LEFT JOIN yearly AS y
    ON y.customer_id = c.id
  GROUP BY
    1,
    2,
    3
)
SELECT
  p.customer_id,
  customer_name,
  owner_id,
  p.first_year,
  years_active,
  billed_this_year,
  billed_last_year,
  total_billed,
  f.billed AS billed_first_year,
  CAST(billed_this_year AS DOUBLE PRECISION) / NULLIF(CAST(billed_last_year AS DOUBLE PRECISION), 0) AS nrr,
  CASE
    WHEN billed_this_year > 0 AND billed_last_year > 0
    THEN CASE
      WHEN (
        billed_last_year - billed_this_year
      ) > 0.5 * billed_last_year
      THEN 'losing'
      ELSE 'active'
    END
    WHEN billed_this_year > 0
    THEN 'active'
    WHEN billed_last_year > 0
    THEN 'lost'
    ELSE 'inactive'
  END AS core_action_state
FROM per AS p
LEFT JOIN yearly AS f
  ON f.customer_id = p.customer_id AND f.year = p.first_year;
