-- supplier_development (model) on duckdb: scripts/golden_sql.py
/* One row per supplier on the platform, plus one "Unlinked (Not in Platform)" row: first year */
/* with a positive net payout (its cohort), last bill date, net payouts this year, last year and */
/* in total, NPR, GMV (the platform's line items naming the supplier), net revenue = GMV - net */
/* payout (the seed's supplier view) and take rate = net revenue / GMV, this year and in total, */
/* and the core action state. "This year" is the year of the latest payout line. */
/* Core action state (seed rule, on net payouts): */
/*   paid this year and last year: losing if it fell by more than half, else active, */
/*   paid this year only: active (new or back), paid last year only: lost, otherwise inactive. */
WITH pay AS (
  SELECT
    supplier_name,
    txn_year,
    SUM(amount) AS net_payout,
    MAX(CASE WHEN kind = 'bill' THEN txn_date END) AS last_bill
  FROM supplier_payouts
  GROUP BY
    1,
    2
), roster AS (
  SELECT
    id AS supplier_id,
    name AS supplier_name
  FROM suppliers
  UNION ALL
  SELECT
    CAST(NULL AS TEXT),
    'Unlinked (Not in Platform)'
), this_year AS (
  SELECT
    MAX(txn_year) AS y
  FROM supplier_payouts
), sales AS (
  SELECT
    g.supplier_name,
    COALESCE(SUM(CASE WHEN g.year = t.y THEN g.gmv END), 0) AS gmv_this_year,
    COALESCE(SUM(CASE WHEN g.year = t.y - 1 THEN g.gmv END), 0) AS gmv_last_year,
    COALESCE(SUM(g.gmv), 0) AS total_gmv
  FROM supplier_gmv AS g
  CROSS JOIN this_year AS t
  GROUP BY
    1
), per AS (
  SELECT
    r.supplier_id,
    r.supplier_name,
    MIN(CASE WHEN p.net_payout > 0 THEN p.txn_year END) AS first_year,
    MAX(p.last_bill) AS last_payout_date,
    COALESCE(
      SUM(
        CASE
          WHEN p.txn_year = (
            SELECT
              MAX(txn_year)
            FROM supplier_payouts
          )
          THEN p.net_payout
        END
      ),
      0
    ) AS payout_this_year,
    COALESCE(
      SUM(
        CASE
          WHEN p.txn_year = (
            SELECT
              MAX(txn_year)
            FROM supplier_payouts
          ) - 1
          THEN p.net_payout
        END
      ),
      0
    ) AS payout_last_year,
    COALESCE(SUM(p.net_payout), 0) AS total_payout
  FROM roster AS r
  LEFT JOIN pay AS p
    ON p.supplier_name = r.supplier_name
  GROUP BY
    1,
    2
)
SELECT
  p.supplier_id,
  p.supplier_name,
  first_year,
  last_payout_date,
  payout_this_year,
  payout_last_year,
  total_payout,
  CAST(payout_this_year AS DOUBLE) / NULLIF(CAST(payout_last_year AS DOUBLE), 0) AS npr,
  COALESCE(g.gmv_this_year, 0) AS gmv_this_year,
  COALESCE(g.gmv_last_year, 0) AS gmv_last_year,
  COALESCE(g.total_gmv, 0) AS total_gmv,
  COALESCE(g.gmv_this_year, 0) - payout_this_year AS net_revenue_this_year,
  COALESCE(g.total_gmv, 0) - total_payout AS total_net_revenue,
  CAST(COALESCE(g.gmv_this_year, 0) - payout_this_year AS DOUBLE) / NULLIF(CAST(g.gmv_this_year AS DOUBLE), 0) AS take_rate_this_year,
  CAST(COALESCE(g.total_gmv, 0) - total_payout AS DOUBLE) / NULLIF(CAST(g.total_gmv AS DOUBLE), 0) AS take_rate,
  CASE
    WHEN payout_this_year > 0 AND payout_last_year > 0
    THEN CASE
      WHEN (
        payout_last_year - payout_this_year
      ) > 0.5 * payout_last_year
      THEN 'losing'
      ELSE 'active'
    END
    WHEN payout_this_year > 0
    THEN 'active'
    WHEN payout_last_year > 0
    THEN 'lost'
    ELSE 'inactive'
  END AS core_action_state
FROM per AS p
LEFT JOIN sales AS g
  ON g.supplier_name = p.supplier_name;
