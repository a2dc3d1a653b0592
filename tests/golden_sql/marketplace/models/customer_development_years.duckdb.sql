-- customer_development_years (model) on duckdb: scripts/golden_sql.py
/* The customer development view with one column per year, as seed 004 describes it for */
/* customers (billings per year): one row per customer of customer_development and year that */
/* has billings, with that year's billings (GMV + discounts - credit memos) and NRR (billings */
/* over the year before's). A dashboard tile pivots it on `year`: a column a year. */
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
), years AS (
  SELECT DISTINCT
    year
  FROM yearly
)
SELECT
  d.customer_id,
  d.customer_name,
  d.owner_id,
  y.year,
  d.core_action_state,
  d.total_billed,
  COALESCE(b.billed, 0) AS billed,
  CAST(b.billed AS DOUBLE) / NULLIF(CAST(p.billed AS DOUBLE), 0) AS nrr
FROM customer_development AS d
CROSS JOIN years AS y
LEFT JOIN yearly AS b
  ON b.customer_id = d.customer_id AND b.year = y.year
LEFT JOIN yearly AS p
  ON p.customer_id = d.customer_id AND p.year = y.year - 1;
