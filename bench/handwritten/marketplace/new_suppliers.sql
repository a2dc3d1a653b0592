-- Suppliers listed for the first time in the month.
WITH monthly AS (
  SELECT date_trunc('month', first_listed_date) AS month, count(*) AS suppliers
  FROM raw_suppliers
  WHERE first_listed_date >= $start AND first_listed_date < $end
  GROUP BY 1
)
SELECT strftime(month, '%Y-%m') AS period, suppliers AS value
FROM monthly
