-- Median days to first lead by the month the first lead came: of the clients whose newest month
-- in the delivery file says they got it then, the median of the days from onboarding to it.
WITH newest AS (
  SELECT onboarded_on, first_lead_on
  FROM raw_client_snapshots
  QUALIFY row_number() OVER (PARTITION BY client_id ORDER BY month DESC) = 1
)
SELECT strftime(date_trunc('month', first_lead_on), '%Y-%m') AS period,
       median(date_diff('day', onboarded_on, first_lead_on)) AS value
FROM newest
WHERE first_lead_on >= $start AND first_lead_on < $end
GROUP BY 1
