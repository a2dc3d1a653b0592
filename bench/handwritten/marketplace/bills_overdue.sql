-- Of the bill dollars falling due in the month, the share not yet Paid.
WITH monthly AS (
  SELECT date_trunc('month', due_date) AS month,
         sum(CASE WHEN bill_pay_status <> 'Paid' THEN amount ELSE 0 END) AS unpaid,
         sum(amount) AS total
  FROM raw_bill_lines
  WHERE due_date >= $start AND due_date < $end
  GROUP BY 1
)
SELECT strftime(month, '%Y-%m') AS period, unpaid / nullif(total, 0) AS value
FROM monthly
