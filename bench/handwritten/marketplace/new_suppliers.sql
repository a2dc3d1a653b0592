-- Suppliers listed for the first time in the month; a month with none is 0 (a count of
-- nothing is a fact, not missing data).
WITH months AS (
  SELECT m::DATE AS month FROM range($start::TIMESTAMP, $end::TIMESTAMP, INTERVAL 1 MONTH) AS t(m)
),
monthly AS (
  SELECT date_trunc('month', first_listed_date) AS month, count(*) AS suppliers
  FROM raw_suppliers
  WHERE first_listed_date >= $start AND first_listed_date < $end
  GROUP BY 1
)
SELECT strftime(s.month, '%Y-%m') AS period, coalesce(m.suppliers, 0) AS value
FROM months AS s LEFT JOIN monthly AS m ON m.month = s.month
