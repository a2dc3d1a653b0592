-- supplier_net_revenue (model) on spark: scripts/golden_sql.py
/* Net revenue by supplier and year, in the seed's terms: net revenue = GMV + discounts - credit */
/* memos - organiser payouts + vendor credits. The canonical shape's invoices name no supplier */
/* (nothing says which organiser's event a brand's invoice line paid for), so GMV, discounts and */
/* credit memos cannot be split by supplier: they sit on one row, "Demand (no supplier on */
/* invoices)". A supplier's row carries what it was paid (bills and vendor credits on */
/* 4200-4230, linked through remittances as in supplier_payouts, the rest on "Unlinked (Not in */
/* Platform)"), so its net revenue is its net payout, negated, and take_rate is empty. A year's */
/* rows add up to the company's net revenue (the P&L). */
/* net_revenue is summed from revenue_lines, the lines the net_revenue metric reads, the */
/* component columns from the accounting lines. row_kind: supplier, unlinked, demand. */
WITH attributed AS (
  SELECT
    line_id,
    CASE kind WHEN 'bill' THEN 'payout' ELSE kind END AS kind,
    supplier_name
  FROM supplier_payouts
), net AS (
  SELECT
    COALESCE(a.supplier_name, 'Demand (no supplier on invoices)') AS supplier_name,
    CAST(EXTRACT(YEAR FROM r.txn_date) AS INT) AS year,
    SUM(r.amount) AS net_revenue
  FROM revenue_lines AS r
  LEFT JOIN attributed AS a
    ON a.line_id = r.line_id AND a.kind = r.kind
  GROUP BY
    1,
    2
), supply AS (
  SELECT
    supplier_name,
    txn_year AS year,
    SUM(CASE WHEN kind = 'bill' THEN amount ELSE 0 END) AS payouts,
    -SUM(CASE WHEN kind = 'vendor_credit' THEN amount ELSE 0 END) AS vendor_credits
  FROM supplier_payouts
  GROUP BY
    1,
    2
), invoiced AS (
  SELECT
    CAST(EXTRACT(YEAR FROM txn_date) AS INT) AS year,
    SUM(CASE WHEN account_number BETWEEN '4110' AND '4169' THEN amount ELSE 0 END) AS gmv,
    SUM(CASE WHEN account_number = '4190' THEN amount ELSE 0 END) AS discounts
  FROM invoice_lines
  WHERE
    account_number BETWEEN '4110' AND '4169' OR account_number = '4190'
  GROUP BY
    1
), memos AS (
  SELECT
    CAST(EXTRACT(YEAR FROM txn_date) AS INT) AS year,
    SUM(amount) AS credit_memos
  FROM credit_memo_lines
  WHERE
    account_number BETWEEN '4110' AND '4169'
  GROUP BY
    1
), demand AS (
  SELECT
    'Demand (no supplier on invoices)' AS supplier_name,
    COALESCE(i.year, m.year) AS year,
    COALESCE(i.gmv, 0) AS gmv,
    COALESCE(i.discounts, 0) AS discounts,
    COALESCE(m.credit_memos, 0) AS credit_memos
  FROM invoiced AS i
  FULL OUTER JOIN memos AS m
    ON m.year = i.year
), components AS (
  SELECT
    supplier_name,
    year,
    0 AS gmv,
    0 AS discounts,
    0 AS credit_memos,
    payouts,
    vendor_credits
  FROM supply
  UNION ALL
  SELECT
    supplier_name,
    year,
    gmv,
    discounts,
    credit_memos,
    0,
    0
  FROM demand
)
SELECT
  COALESCE(c.supplier_name, n.supplier_name) AS supplier_name,
  CASE
    WHEN COALESCE(c.supplier_name, n.supplier_name) = 'Unlinked (Not in Platform)'
    THEN 'unlinked'
    WHEN COALESCE(c.supplier_name, n.supplier_name) = 'Demand (no supplier on invoices)'
    THEN 'demand'
    ELSE 'supplier'
  END AS row_kind,
  COALESCE(c.year, n.year) AS year,
  COALESCE(c.gmv, 0) AS gmv,
  COALESCE(c.discounts, 0) AS discounts,
  COALESCE(c.credit_memos, 0) AS credit_memos,
  COALESCE(c.payouts, 0) AS payouts,
  COALESCE(c.vendor_credits, 0) AS vendor_credits,
  COALESCE(n.net_revenue, 0) AS net_revenue,
  CAST(COALESCE(n.net_revenue, 0) AS DOUBLE) / NULLIF(CAST(c.gmv AS DOUBLE), 0) AS take_rate
FROM components AS c
FULL OUTER JOIN net AS n
  ON n.supplier_name = c.supplier_name AND n.year IS NOT DISTINCT FROM c.year;
