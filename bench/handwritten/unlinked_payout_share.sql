-- Share of net payouts (bills less vendor credits on 4200-4230) with no supplier, by quarter.
WITH payouts AS (
  SELECT txn_date, supplier_id, amount FROM raw_bill_lines
  WHERE account_number BETWEEN '4200' AND '4230'
  UNION ALL
  SELECT txn_date, supplier_id, -amount FROM raw_vendor_credit_lines
  WHERE account_number BETWEEN '4200' AND '4230'
),
quarterly AS (
  SELECT date_trunc('quarter', txn_date) AS quarter,
         sum(CASE WHEN supplier_id IS NULL THEN amount ELSE 0 END) AS unlinked,
         sum(amount) AS total
  FROM payouts
  WHERE txn_date >= $start AND txn_date < $end
  GROUP BY 1
)
SELECT format('{}-Q{}', year(quarter), quarter(quarter)) AS period,
       unlinked / nullif(total, 0) AS value
FROM quarterly
