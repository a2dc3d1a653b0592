-- What last year's customers (those with GMV lines) were billed this year (GMV + discounts -
-- credit memos) over what they were billed last year; customers who left count as zero.
WITH billed AS (
  SELECT year(txn_date) AS year, customer_id, sum(amount) AS billed,
         count(*) FILTER (WHERE is_gmv) AS gmv_lines
  FROM (
    SELECT txn_date, customer_id, amount, account_number <> '4190' AS is_gmv
    FROM raw_invoice_lines
    WHERE account_number BETWEEN '4110' AND '4169' OR account_number = '4190'
    UNION ALL
    SELECT txn_date, customer_id, -amount, FALSE
    FROM raw_credit_memo_lines
    WHERE account_number BETWEEN '4110' AND '4169'
  ) AS lines
  WHERE txn_date >= $start - INTERVAL 1 YEAR AND txn_date < $end
  GROUP BY 1, 2
)
SELECT CAST(prior.year + 1 AS VARCHAR) AS period,
       sum(coalesce(cur.billed, 0)) / nullif(sum(prior.billed), 0) AS value
FROM billed AS prior
LEFT JOIN billed AS cur ON cur.customer_id = prior.customer_id AND cur.year = prior.year + 1
WHERE prior.gmv_lines > 0 AND prior.year + 1 >= year($start)
GROUP BY prior.year
