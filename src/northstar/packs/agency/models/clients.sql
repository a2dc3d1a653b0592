-- One row per client: the delivery file's latest month for it (its last snapshot), with the
-- milestones known by then: onboarded, first lead, past $100k in revenue, churned, and the days
-- from onboarding to the first lead. median_days_to_first_lead reads it by first_lead_on.
select s.client_name, s.month as last_month, s.mrr, s.health_score,
       s.onboarded_on, s.first_lead_on, s.hit_100k_on, s.churned_on,
       date_diff('day', s.onboarded_on, s.first_lead_on) as days_to_first_lead,
       {{ tags('s') }}
from (select c.*,
             row_number() over (partition by c.client_id order by c.month desc) as newest
      from client_snapshots as c) as s
where s.newest = 1
