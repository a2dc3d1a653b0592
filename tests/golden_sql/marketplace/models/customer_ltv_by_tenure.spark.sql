-- customer_ltv_by_tenure (model) on spark: scripts/golden_sql.py
/* Lifetime value by tenure, as the seed compares it: customers grouped by how many calendar */
/* years they have been billed (years active), with their average lifetime billings, the same */
/* customers' average first-year billings (year 1: what they billed in the year they started) */
/* and the one over the other ("4-year customers average $1.23M, 42x year 1"). */
WITH by_tenure AS (
  SELECT
    years_active,
    COUNT(*) AS customers,
    CAST(AVG(CAST(total_billed AS DOUBLE)) AS DOUBLE) AS avg_lifetime_billed,
    CAST(AVG(CAST(billed_first_year AS DOUBLE)) AS DOUBLE) AS avg_first_year_billed
  FROM customer_development
  WHERE
    years_active > 0
  GROUP BY
    1
)
SELECT
  years_active,
  customers,
  avg_lifetime_billed,
  avg_first_year_billed,
  CAST(avg_lifetime_billed AS DOUBLE) / NULLIF(avg_first_year_billed, 0) AS multiple_of_first_year
FROM by_tenure;
