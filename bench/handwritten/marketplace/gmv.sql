-- GMV by invoice month: invoice lines on the sampling accounts 4110-4169.
-- Target: 10% above the same month a year earlier.
WITH monthly AS (
  SELECT date_trunc('month', txn_date) AS month, sum(amount) AS gmv
  FROM raw_invoice_lines
  WHERE account_number BETWEEN '4110' AND '4169'
    AND txn_date >= $start - INTERVAL 1 YEAR AND txn_date < $end
  GROUP BY 1
)
SELECT strftime(m.month, '%Y-%m') AS period, m.gmv AS value, 1.10 * ly.gmv AS target
FROM monthly AS m
LEFT JOIN monthly AS ly ON ly.month = m.month - INTERVAL 1 YEAR
WHERE m.month >= $start
