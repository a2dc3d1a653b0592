-- Hours per ticket by local month: reactive hours over reactive tickets closed.
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
closed AS (
  SELECT date_trunc('month', timezone('America/Chicago', timezone('UTC', closed_date)))::DATE AS month, count(*) AS n FROM reactive
  WHERE closed_flag AND closed_date IS NOT NULL GROUP BY 1
),
hours AS (
  SELECT date_trunc('month', timezone('America/Chicago', timezone('UTC', e.date_entered)))::DATE AS month, sum(e.actual_hours) AS n
  FROM raw_cw_time_entries AS e
  WHERE e.charge_to_type = 'ServiceTicket' AND e.charge_to_id IN (SELECT id FROM reactive)
  GROUP BY 1
)
SELECT strftime(m.month, '%Y-%m') AS period, h.n / nullif(d.n, 0) AS value
FROM months AS m LEFT JOIN hours AS h USING (month) LEFT JOIN closed AS d USING (month)
