estimates AS (
  SELECT e.created_on, e.sold_on, e.status, e.subtotal, u.team
  FROM raw_st_estimates AS e
  LEFT JOIN jobs AS j ON j.id = e.job_id
  JOIN units AS u ON u.id = coalesce(e.business_unit_id, j.business_unit_id)
  WHERE coalesce(e.active, true) AND j.category = 'estimate' AND u.department = 'sales'
    AND NOT coalesce(e.is_change_order, false)
),
presented AS (
  SELECT CAST(timezone('America/Chicago', timezone('UTC', created_on)) AS DATE) AS day, team,
         count(*) AS n
  FROM estimates GROUP BY 1, 2
),
sold AS (
  SELECT CAST(timezone('America/Chicago', timezone('UTC', sold_on)) AS DATE) AS day, team,
         count(*) AS n, sum(subtotal) AS booked
  FROM estimates WHERE status = 'Sold' AND sold_on IS NOT NULL GROUP BY 1, 2
),
sales AS (
  SELECT coalesce(p.day, s.day) AS day, coalesce(p.team, s.team) AS team,
         coalesce(p.n, 0) AS presented, coalesce(s.n, 0) AS sold,
         coalesce(s.booked, 0) AS booked
  FROM presented AS p FULL JOIN sold AS s ON s.day = p.day AND s.team = p.team
)
