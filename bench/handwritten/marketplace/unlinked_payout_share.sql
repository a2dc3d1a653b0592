-- Share of net payouts (bills less vendor credits on 4200-4230) whose bill no platform
-- remittance links to a supplier, by quarter.
WITH linked AS (
  SELECT DISTINCT bill_id FROM raw_remittance_lines
),
payouts AS (
  SELECT txn_date, bill_id, amount FROM raw_bill_lines
  WHERE account_number BETWEEN '4200' AND '4230'
  UNION ALL
  SELECT txn_date, bill_id, -amount FROM raw_vendor_credit_lines
  WHERE account_number BETWEEN '4200' AND '4230'
),
quarterly AS (
  SELECT date_trunc('quarter', p.txn_date) AS quarter,
         sum(CASE WHEN l.bill_id IS NULL THEN p.amount ELSE 0 END) AS unlinked,
         sum(p.amount) AS total
  FROM payouts AS p
  LEFT JOIN linked AS l ON l.bill_id = p.bill_id
  WHERE p.txn_date >= $start AND p.txn_date < $end
  GROUP BY 1
)
SELECT format('{}-Q{}', year(quarter), quarter(quarter)) AS period,
       unlinked / nullif(total, 0) AS value
FROM quarterly
