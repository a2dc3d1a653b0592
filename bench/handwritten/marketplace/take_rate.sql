-- Take rate by month: net revenue / GMV.
WITH lines AS (
  SELECT txn_date, amount,
         CASE WHEN account_number BETWEEN '4110' AND '4169' THEN amount END AS gmv
  FROM raw_invoice_lines
  WHERE account_number BETWEEN '4110' AND '4169' OR account_number = '4190'
  UNION ALL
  SELECT txn_date, -amount, NULL FROM raw_credit_memo_lines
  WHERE account_number BETWEEN '4110' AND '4169'
  UNION ALL
  SELECT txn_date, -amount, NULL FROM raw_bill_lines
  WHERE account_number BETWEEN '4200' AND '4230'
  UNION ALL
  SELECT txn_date, amount, NULL FROM raw_vendor_credit_lines
  WHERE account_number BETWEEN '4200' AND '4230'
),
monthly AS (
  SELECT date_trunc('month', txn_date) AS month, sum(amount) AS revenue, sum(gmv) AS gmv
  FROM lines
  WHERE txn_date >= $start AND txn_date < $end
  GROUP BY 1
)
SELECT strftime(month, '%Y-%m') AS period, revenue / gmv AS value
FROM monthly
