-- The largest customer's billings (GMV + discounts - credit memos) over all billings, by year.
WITH billed AS (
  SELECT year(txn_date) AS year, customer_id, sum(amount) AS billed
  FROM (
    SELECT txn_date, customer_id, amount FROM raw_invoice_lines
    WHERE account_number BETWEEN '4110' AND '4169' OR account_number = '4190'
    UNION ALL
    SELECT txn_date, customer_id, -amount FROM raw_credit_memo_lines
    WHERE account_number BETWEEN '4110' AND '4169'
  ) AS lines
  WHERE txn_date >= $start AND txn_date < $end
  GROUP BY 1, 2
)
SELECT CAST(year AS VARCHAR) AS period, max(billed) / nullif(sum(billed), 0) AS value
FROM billed
GROUP BY year
