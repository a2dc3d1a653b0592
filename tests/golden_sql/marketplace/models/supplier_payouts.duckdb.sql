-- supplier_payouts (model) on duckdb: scripts/golden_sql.py
/* Net payout lines (organiser bills on 4200-4230, less vendor credits on the same accounts), */
/* each attributed to a supplier organisation through the platform's remittances (Bill # -> */
/* supplier, model bill_links). A bill with no remittance is "Unlinked (Not in Platform)", its */
/* dollars are kept, so every total still matches the P&L. A bill split over several lines and several remittances */
/* is linked once: to the supplier its remittances pay the most (the lowest id on a tie), so no */
/* payout is counted twice. */
WITH links AS (
  SELECT
    bill_id,
    supplier_id
  FROM (
    SELECT
      bill_id,
      supplier_id,
      ROW_NUMBER() OVER (PARTITION BY bill_id ORDER BY remitted DESC, supplier_id) AS n
    FROM bill_links
  ) AS ranked
  WHERE
    n = 1
), lines AS (
  SELECT
    id AS line_id,
    bill_id,
    txn_date,
    'bill' AS kind,
    account_number,
    amount,
    department,
    team
  FROM bill_lines
  WHERE
    account_number BETWEEN '4200' AND '4230'
  UNION ALL
  SELECT
    id,
    bill_id,
    txn_date,
    'vendor_credit',
    account_number,
    -amount,
    department,
    team
  FROM vendor_credit_lines
  WHERE
    account_number BETWEEN '4200' AND '4230'
)
SELECT
  l.line_id,
  l.bill_id,
  l.txn_date,
  CAST(EXTRACT(YEAR FROM l.txn_date) AS INT) AS txn_year,
  l.kind,
  l.account_number,
  l.amount,
  k.supplier_id,
  CASE
    WHEN k.supplier_id IS NULL
    THEN 'Unlinked (Not in Platform)'
    ELSE COALESCE(s.name, k.supplier_id)
  END AS supplier_name,
  l.department,
  l.team
FROM lines AS l
LEFT JOIN links AS k
  ON k.bill_id = l.bill_id
LEFT JOIN suppliers AS s
  ON s.id = k.supplier_id;
