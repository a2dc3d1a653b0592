-- MRR by month: the Managed Services income account of the P&L by month.
-- Target: 10% above the same month a year earlier (there is one even before the month's books).
WITH months AS (
  SELECT m::DATE AS month FROM range($start::TIMESTAMP, $end::TIMESTAMP, INTERVAL 1 MONTH) AS t(m)
),
monthly AS (
  SELECT month, sum(amount) AS mrr FROM raw_profit_and_loss
  WHERE account = 'Managed Services' AND month >= $start - INTERVAL 1 YEAR AND month < $end
  GROUP BY 1
)
SELECT strftime(s.month, '%Y-%m') AS period, m.mrr AS value, 1.10 * ly.mrr AS target
FROM months AS s
LEFT JOIN monthly AS m ON m.month = s.month
LEFT JOIN monthly AS ly ON ly.month = s.month - INTERVAL 1 YEAR
