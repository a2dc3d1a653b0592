-- GA4's opt-in events by month (a fragment): every opt-in, paid and organic.
opt_ins AS (
  SELECT CAST(date_trunc('month', date) AS DATE) AS month, sum(event_count) AS opt_ins
  FROM raw_ga4_events
  WHERE lower(trim(event_name)) = 'opt_in' AND date >= $start AND date < $end
  GROUP BY 1
),
