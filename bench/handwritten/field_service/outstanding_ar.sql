-- include: _days.sql
, invoices AS (
  SELECT i.id, i.invoice_date, i.total, u.team
  FROM raw_st_invoices AS i
  LEFT JOIN jobs AS j ON j.id = i.job_id
  JOIN units AS u ON u.id = coalesce(j.business_unit_id, i.business_unit_id)
  WHERE coalesce(i.active, true)
),
changes AS (
  SELECT invoice_date AS day, team, total AS amount FROM invoices
  WHERE invoice_date IS NOT NULL
  UNION ALL
  SELECT CAST(timezone('America/Chicago', timezone('UTC', p.paid_on)) AS DATE), i.team,
         -a.amount
  FROM raw_st_payment_applications AS a
  JOIN raw_st_payments AS p ON p.id = a.payment_id AND coalesce(p.active, true)
  JOIN invoices AS i ON i.id = a.invoice_id
),
daily AS (SELECT day, team, sum(amount) AS amount FROM changes GROUP BY 1, 2),
opening AS (SELECT team, sum(amount) AS amount FROM daily WHERE day < $start GROUP BY 1),
grid AS (SELECT d.day, o.team FROM days AS d CROSS JOIN (SELECT DISTINCT team FROM daily) AS o)
SELECT g.day, g.team,
       coalesce(o.amount, 0) + sum(coalesce(x.amount, 0)) OVER (
         PARTITION BY g.team ORDER BY g.day ROWS UNBOUNDED PRECEDING) AS value
FROM grid AS g
LEFT JOIN daily AS x ON x.day = g.day AND x.team = g.team
LEFT JOIN opening AS o ON o.team = g.team
