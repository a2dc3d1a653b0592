-- Every customer contract as of the latest invoice date: what was committed, spent (GMV inside
-- the contract's dates) and unspent, how far through its term it is, its health and its
-- land-and-expand type.
-- Health: on track when the spent share is at least 90% of the elapsed share of the term, at
-- risk from 70%, off track below. Type: land (the customer's first contract), expand (bigger
-- than the one before), renew (within 5%), contract (smaller).
with latest as (select max(txn_date) as day from gmv_lines),
spent as (
  select k.id as contract_id, sum(g.amount) as spent
  from contracts as k
  join gmv_lines as g on g.customer_id = k.customer_id
   and g.txn_date >= k.start_date and g.txn_date <= k.end_date
  group by 1
),
base as (
  select k.id as contract_id, k.customer_id, k.owner_id, k.start_date, k.end_date, k.amount,
         coalesce(s.spent, 0) as spent,
         least(1.0, greatest(0.0, (date_diff('day', k.start_date, (select day from latest)) + 1)
                                  * 1.0 / (date_diff('day', k.start_date, k.end_date) + 1)))
           as elapsed_share,
         lag(k.amount) over (partition by k.customer_id order by k.start_date) as previous_amount
  from contracts as k
  left join spent as s on s.contract_id = k.id
)
select contract_id, customer_id, owner_id, start_date, end_date, amount, spent,
       amount - spent as unspent, elapsed_share,
       cast(spent as double) / nullif(cast(amount as double), 0) as spent_share,
       case when spent >= 0.9 * elapsed_share * amount then 'on track'
            when spent >= 0.7 * elapsed_share * amount then 'at risk'
            else 'off track' end as health,
       case when previous_amount is null then 'land'
            when amount > 1.05 * previous_amount then 'expand'
            when amount >= 0.95 * previous_amount then 'renew'
            else 'contract' end as motion
from base
