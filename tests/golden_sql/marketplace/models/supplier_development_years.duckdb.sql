-- supplier_development_years (model) on duckdb: scripts/golden_sql.py
/* The supplier development view with one column per year, as seed 004 shows it */
/* (payout_2022 ... payout_2026, gmv_*, net_revenue_*, npr_*): one row per supplier of */
/* supplier_development (the "Unlinked (Not in Platform)" row too) and year that has payouts or */
/* GMV, with that year's net payout, GMV, net revenue (GMV - net payout) and NPR (net payout */
/* over the year before's). A dashboard tile pivots it on `year`: a column a year. */
WITH years AS (
  SELECT
    txn_year AS year
  FROM supplier_payouts
  UNION
  SELECT
    year
  FROM supplier_gmv
), pay AS (
  SELECT
    supplier_name,
    txn_year AS year,
    SUM(amount) AS payout
  FROM supplier_payouts
  GROUP BY
    1,
    2
), sales AS (
  SELECT
    supplier_name,
    year,
    SUM(gmv) AS gmv
  FROM supplier_gmv
  GROUP BY
    1,
    2
)
SELECT
  d.supplier_id,
  d.supplier_name,
  y.year,
  d.core_action_state,
  d.total_payout,
  COALESCE(p.payout, 0) AS payout,
  COALESCE(s.gmv, 0) AS gmv,
  COALESCE(s.gmv, 0) - COALESCE(p.payout, 0) AS net_revenue,
  CAST(p.payout AS DOUBLE) / NULLIF(CAST(b.payout AS DOUBLE), 0) AS npr
FROM supplier_development AS d
CROSS JOIN years AS y
LEFT JOIN pay AS p
  ON p.supplier_name = d.supplier_name AND p.year = y.year
LEFT JOIN pay AS b
  ON b.supplier_name = d.supplier_name AND b.year = y.year - 1
LEFT JOIN sales AS s
  ON s.supplier_name = d.supplier_name AND s.year = y.year;
