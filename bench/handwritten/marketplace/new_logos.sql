-- Customers created in the quarter.
WITH quarterly AS (
  SELECT date_trunc('quarter', created_date) AS quarter, count(*) AS customers
  FROM raw_customers
  WHERE created_date >= $start AND created_date < $end
  GROUP BY 1
)
SELECT format('{}-Q{}', year(quarter), quarter(quarter)) AS period, customers AS value
FROM quarterly
