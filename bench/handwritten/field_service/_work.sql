materials AS (
  SELECT invoice_id, sum(total_cost) AS cost FROM raw_st_invoice_items
  WHERE coalesce(active, true) GROUP BY 1
),
labour AS (
  SELECT job_id, sum(coalesce(amount, 0) + coalesce(amount_adjustment, 0)) AS cost
  FROM raw_st_gross_pay_items WHERE coalesce(active, true) GROUP BY 1
),
work AS (
  SELECT j.id, j.created_on, a.start, j.team, j.category,
         coalesce(i.sub_total, j.total) AS revenue,
         coalesce(m.cost, 0) + coalesce(l.cost, 0) AS cost,
         CAST(timezone('America/Chicago', timezone('UTC', a.start)) AS DATE) AS day
  FROM jobs AS j
  LEFT JOIN raw_st_appointments AS a ON a.id = j.first_appointment_id
  LEFT JOIN raw_st_invoices AS i ON i.id = j.invoice_id AND coalesce(i.active, true)
  LEFT JOIN materials AS m ON m.invoice_id = i.id
  LEFT JOIN labour AS l ON l.job_id = j.id
  WHERE j.job_status <> 'Canceled' AND j.department = 'production'
    AND j.category IN ('production', 'warranty')
),
by_day AS (
  SELECT day, team,
         sum(CASE WHEN category = 'production' THEN revenue END) AS produced,
         sum(CASE WHEN category = 'production' THEN cost END) AS costs,
         sum(CASE WHEN category = 'warranty' THEN cost ELSE 0 END) AS warranty,
         count(*) FILTER (WHERE category = 'production') AS jobs
  FROM work GROUP BY 1, 2
)
