-- Every subscription with its plan's name and tier (from the reference list) and its value at
-- a year's rate.
select s.id as subscription_id, s.plan_code, p.plan_name, p.tier, s.started_on,
       {{ year_of('s.started_on') }} as start_year, s.monthly_amount,
       {{ annualised('s.monthly_amount') }} as annual_amount, {{ tags('s') }}
from subscriptions as s
left join ref_plans as p on p.plan_code = s.plan_code
