-- Core action state counts for the supply dashboard: how many suppliers are active, losing,
-- lost or inactive, and their net payouts this year.
select core_action_state, count(*) as suppliers, sum(payout_this_year) as net_payout
from supplier_development
group by core_action_state
