-- Of the customers invoiced (GMV lines) in the prior year, the share invoiced again this year.
WITH active AS (
  SELECT DISTINCT year(txn_date) AS year, customer_id
  FROM raw_invoice_lines
  WHERE account_number BETWEEN '4110' AND '4169'
    AND txn_date >= $start - INTERVAL 1 YEAR AND txn_date < $end
)
SELECT CAST(prior.year + 1 AS VARCHAR) AS period,
       count(cur.customer_id) * 1.0 / nullif(count(*), 0) AS value
FROM active AS prior
LEFT JOIN active AS cur ON cur.customer_id = prior.customer_id AND cur.year = prior.year + 1
WHERE prior.year + 1 >= year($start)
GROUP BY prior.year
