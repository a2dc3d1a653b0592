-- Net revenue by transaction month: GMV (4110-4169) + discounts (4190) - credit memos
-- (4110-4169) - organiser bills (4200-4230) + vendor credits (4200-4230).
-- Target: 10% above the same month a year earlier.
WITH lines AS (
  SELECT txn_date, amount FROM raw_invoice_lines
  WHERE account_number BETWEEN '4110' AND '4169' OR account_number = '4190'
  UNION ALL
  SELECT txn_date, -amount FROM raw_credit_memo_lines
  WHERE account_number BETWEEN '4110' AND '4169'
  UNION ALL
  SELECT txn_date, -amount FROM raw_bill_lines
  WHERE account_number BETWEEN '4200' AND '4230'
  UNION ALL
  SELECT txn_date, amount FROM raw_vendor_credit_lines
  WHERE account_number BETWEEN '4200' AND '4230'
),
monthly AS (
  SELECT date_trunc('month', txn_date) AS month, sum(amount) AS revenue
  FROM lines
  WHERE txn_date >= $start - INTERVAL 1 YEAR AND txn_date < $end
  GROUP BY 1
)
SELECT strftime(m.month, '%Y-%m') AS period, m.revenue AS value, 1.10 * ly.revenue AS target
FROM monthly AS m
LEFT JOIN monthly AS ly ON ly.month = m.month - INTERVAL 1 YEAR
WHERE m.month >= $start
