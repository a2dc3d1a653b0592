-- What happens to an estimate, one row per event: presented when it is created, sold when it
-- is sold (with its subtotal), for the estimates the sales KPIs count: on jobs of an estimate
-- job type, in a sales business unit, change orders left out. Counting both events from one
-- model gives a unit that presented estimates and sold none a close rate of 0%, not none.
with counted as (
  select estimate_id, job_id, created_on, sold_on, is_sold, subtotal, business_unit_id,
         business_unit_name, business_unit, branch, {{ tags() }}
  from dim_estimates
  where job_type_category = 'estimate' and department = 'sales' and not is_change_order
)
select estimate_id, job_id, 'presented' as event, created_on as happened_at, 1 as presented,
       0 as sold, cast(0 as decimal(18, 2)) as booked, business_unit_id, business_unit_name,
       business_unit, branch, {{ tags() }}
from counted
union all
select estimate_id, job_id, 'sold', sold_on, 0, 1, subtotal, business_unit_id,
       business_unit_name, business_unit, branch, {{ tags() }}
from counted
where is_sold and sold_on is not null
