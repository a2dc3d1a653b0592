-- Close ratio by local month: reactive tickets closed over reactive tickets created.
WITH months AS (
  SELECT m::DATE AS month,
         timezone('UTC', timezone('America/Chicago', m + INTERVAL 1 MONTH)) AS end_utc,
         timezone('UTC', timezone('America/Chicago', m - INTERVAL 11 MONTH)) AS prior_end_utc
  FROM range($start::TIMESTAMP, $end::TIMESTAMP, INTERVAL 1 MONTH) AS t(m)
),
reactive AS (
  SELECT id, date_entered, closed_date, closed_flag FROM raw_cw_tickets
  WHERE board = 'Help Desk' AND parent_ticket_id IS NULL
),
created AS (
  SELECT date_trunc('month', timezone('America/Chicago', timezone('UTC', date_entered)))::DATE AS month, count(*) AS n FROM reactive GROUP BY 1
),
closed AS (
  SELECT date_trunc('month', timezone('America/Chicago', timezone('UTC', closed_date)))::DATE AS month, count(*) AS n FROM reactive
  WHERE closed_flag AND closed_date IS NOT NULL GROUP BY 1
)
SELECT strftime(m.month, '%Y-%m') AS period, d.n / nullif(c.n, 0) AS value
FROM months AS m LEFT JOIN closed AS d USING (month) LEFT JOIN created AS c USING (month)
