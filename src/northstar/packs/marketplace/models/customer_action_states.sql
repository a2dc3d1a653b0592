-- Core action state counts for the demand dashboards: customers active, losing, lost or
-- inactive, and what they were billed this year.
select core_action_state, count(*) as customers, sum(billed_this_year) as billed
from customer_development
group by core_action_state
