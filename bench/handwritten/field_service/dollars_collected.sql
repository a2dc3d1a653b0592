payments AS (SELECT * FROM raw_st_payments WHERE coalesce(active, true)),
applied AS (
  SELECT payment_id, sum(amount) AS amount FROM raw_st_payment_applications GROUP BY 1
),
invoice_units AS (
  SELECT i.id, coalesce(j.business_unit_id, i.business_unit_id) AS unit
  FROM raw_st_invoices AS i LEFT JOIN jobs AS j ON j.id = i.job_id
  WHERE coalesce(i.active, true)
),
parts AS (
  SELECT p.paid_on, a.amount, coalesce(iu.unit, p.business_unit_id) AS unit
  FROM raw_st_payment_applications AS a
  JOIN payments AS p ON p.id = a.payment_id
  LEFT JOIN invoice_units AS iu ON iu.id = a.invoice_id
  UNION ALL
  SELECT p.paid_on, p.total - coalesce(x.amount, 0), p.business_unit_id
  FROM payments AS p LEFT JOIN applied AS x ON x.payment_id = p.id
  WHERE p.total - coalesce(x.amount, 0) <> 0
)
SELECT CAST(timezone('America/Chicago', timezone('UTC', paid_on)) AS DATE) AS day, u.team,
       sum(amount) AS value
FROM parts JOIN units AS u ON u.id = parts.unit
GROUP BY 1, 2
HAVING day >= $start AND day < $end
