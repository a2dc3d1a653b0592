-- ltv_multiple (metric, 2025) on spark: scripts/golden_sql.py
WITH yearly AS (
  SELECT
    customer_id,
    EXTRACT(YEAR FROM txn_date) AS year,
    SUM(amount) AS billed
  FROM revenue_lines
  WHERE
    kind IN ('gmv', 'discount', 'credit_memo')
    AND txn_date < CAST('2026-01-01' AS DATE)
  GROUP BY
    1,
    2
), firsts AS (
  SELECT
    customer_id,
    MIN(year) AS first_year
  FROM yearly
  WHERE
    billed > 0
  GROUP BY
    1
), per AS (
  SELECT
    y.customer_id,
    COUNT(CASE WHEN y.billed > 0 THEN 1 END) AS years_active,
    SUM(y.billed) AS total,
    SUM(CASE WHEN y.year = f.first_year THEN y.billed END) AS first_year_billed
  FROM yearly AS y
  JOIN firsts AS f
    ON f.customer_id = y.customer_id
  GROUP BY
    1
)
SELECT
  CAST(AVG(CASE WHEN years_active >= 3 THEN total END) AS DOUBLE) / NULLIF(AVG(CASE WHEN years_active >= 3 THEN first_year_billed END), 0) AS value
FROM per;
