-- supplier_gmv (model) on duckdb: scripts/golden_sql.py
/* GMV by supplier and year from the platform's invoice line items, which name the organiser */
/* whose event each brand's line paid for (the books' invoices do not). A line naming no known */
/* supplier goes to "Unlinked (Not in Platform)", like an unlinked bill, so a year's rows add */
/* up to the platform's GMV. */
SELECT
  CASE WHEN s.id IS NULL THEN 'Unlinked (Not in Platform)' ELSE s.name END AS supplier_name,
  CAST(EXTRACT(YEAR FROM l.event_date) AS INT) AS year,
  SUM(l.amount) AS gmv
FROM platform_invoice_lines AS l
LEFT JOIN suppliers AS s
  ON s.id = l.supplier_id
GROUP BY
  1,
  2;
