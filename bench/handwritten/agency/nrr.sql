-- NRR at each month's end: of the clients active a year before, their MRR now over their MRR
-- then (those lost since count with what is left of theirs, none).
WITH
-- include: _clients.sql
pairs AS (
  SELECT e.month, now.mrr AS mrr_now, prior.mrr AS mrr_then
  FROM ends AS e
  JOIN book AS prior ON prior.period_end = CAST(e.period_end - INTERVAL 1 YEAR AS DATE)
                    AND prior.active
  JOIN book AS now ON now.period_end = e.period_end AND now.client_id = prior.client_id
  WHERE e.month >= $start
)
SELECT strftime(month, '%Y-%m') AS period, sum(mrr_now) / nullif(sum(mrr_then), 0) AS value
FROM pairs GROUP BY month
