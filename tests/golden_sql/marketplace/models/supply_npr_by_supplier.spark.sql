-- supply_npr_by_supplier (model) on spark: scripts/golden_sql.py
/* Net payout retention by supplier and year, with one "Unlinked (Not in Platform)" row for the */
/* bills no remittance links to a supplier and a "TOTAL (P&L Match)" row per year that must equal */
/* the P&L. A supplier with no payouts in a year shows 0 for it. row_kind: supplier, unlinked, */
/* total. */
WITH yearly AS (
  SELECT
    supplier_name,
    txn_year AS year,
    SUM(amount) AS net_payout
  FROM supplier_payouts
  GROUP BY
    1,
    2
), years AS (
  SELECT DISTINCT
    year
  FROM yearly
), names AS (
  SELECT DISTINCT
    supplier_name
  FROM yearly
), grid AS (
  SELECT
    n.supplier_name,
    y.year,
    COALESCE(v.net_payout, 0) AS net_payout
  FROM names AS n
  CROSS JOIN years AS y
  LEFT JOIN yearly AS v
    ON v.supplier_name = n.supplier_name AND v.year = y.year
), with_total AS (
  SELECT
    supplier_name,
    year,
    net_payout
  FROM grid
  UNION ALL
  SELECT
    'TOTAL (P&L Match)',
    year,
    SUM(net_payout)
  FROM grid
  GROUP BY
    year
)
SELECT
  supplier_name,
  CASE
    WHEN supplier_name = 'TOTAL (P&L Match)'
    THEN 'total'
    WHEN supplier_name = 'Unlinked (Not in Platform)'
    THEN 'unlinked'
    ELSE 'supplier'
  END AS row_kind,
  year,
  net_payout,
  LAG(net_payout) OVER (PARTITION BY supplier_name ORDER BY year NULLS LAST) AS prior_net_payout,
  CAST(net_payout AS DOUBLE) / NULLIF(
    CAST(LAG(net_payout) OVER (PARTITION BY supplier_name ORDER BY year NULLS LAST) AS DOUBLE),
    0
  ) AS npr,
  SUM(net_payout) OVER (PARTITION BY supplier_name) AS total_ltv
FROM with_total;
