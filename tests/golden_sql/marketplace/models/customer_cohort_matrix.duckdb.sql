-- customer_cohort_matrix (model) on duckdb: scripts/golden_sql.py
/* The customer retention waterfall, long form: cohort = first year billed. chart = */
/* BILLED_DOLLARS (GMV + discounts - credit memos), TOTAL (all cohorts together) and NRR_PERCENT */
/* (a cohort's billings over its first year's). `cohort` is the first year as text, or TOTAL: */
/* the dashboard pivots the rows into a matrix. */
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
), cohort AS (
  SELECT
    customer_id,
    MIN(year) AS first_year
  FROM yearly
  WHERE
    billed > 0
  GROUP BY
    1
), dollars AS (
  SELECT
    c.first_year,
    y.year AS year,
    SUM(y.billed) AS value
  FROM yearly AS y
  JOIN cohort AS c
    ON c.customer_id = y.customer_id
  GROUP BY
    1,
    2
)
SELECT
  'BILLED_DOLLARS' AS chart,
  first_year,
  CAST(first_year AS TEXT) AS cohort,
  year,
  CAST(value AS DOUBLE) AS value
FROM dollars
UNION ALL
SELECT
  'TOTAL',
  CAST(NULL AS INT),
  'TOTAL',
  year,
  CAST(SUM(value) AS DOUBLE)
FROM dollars
GROUP BY
  year
UNION ALL
SELECT
  'NRR_PERCENT',
  d.first_year,
  CAST(d.first_year AS TEXT),
  d.year,
  CAST(d.value AS DOUBLE) / NULLIF(CAST(b.value AS DOUBLE), 0)
FROM dollars AS d
JOIN dollars AS b
  ON b.first_year = d.first_year AND b.year = d.first_year;
