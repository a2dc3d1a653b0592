-- supplier_cohort_matrix (model) on spark: scripts/golden_sql.py
/* The supplier payout waterfall, long form (one row per cohort and year, the dashboard pivots */
/* it: `cohort` is the first year as text, or TOTAL). A supplier's cohort is the first year it */
/* had a positive net payout, the Unlinked row is a cohort member like any supplier. chart = */
/* PAYOUT_DOLLARS (net payouts), TOTAL (all cohorts together, must equal the P&L) and */
/* NPR_PERCENT (a cohort's payouts over its first year's). */
WITH yearly AS (
  SELECT
    supplier_name,
    txn_year AS year,
    SUM(amount) AS payout
  FROM supplier_payouts
  GROUP BY
    1,
    2
), cohort AS (
  SELECT
    supplier_name,
    MIN(year) AS first_year
  FROM yearly
  WHERE
    payout > 0
  GROUP BY
    1
), dollars AS (
  SELECT
    c.first_year,
    y.year AS year,
    SUM(y.payout) AS value
  FROM yearly AS y
  JOIN cohort AS c
    ON c.supplier_name = y.supplier_name
  GROUP BY
    1,
    2
)
SELECT
  'PAYOUT_DOLLARS' AS chart,
  first_year,
  CAST(first_year AS STRING) AS cohort,
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
  'NPR_PERCENT',
  d.first_year,
  CAST(d.first_year AS STRING),
  d.year,
  CAST(d.value AS DOUBLE) / NULLIF(CAST(b.value AS DOUBLE), 0)
FROM dollars AS d
JOIN dollars AS b
  ON b.first_year = d.first_year AND b.year = d.first_year;
