-- Customers with their type and how many locations they have, the city of their first one
-- (by id) and how many jobs they have had: for drilling into a KPI's jobs by customer.
with locations as (
  select customer_id, count(*) as locations, min(city) as city
  from st_locations
  where coalesce(active, true)
  group by customer_id
),
jobs as (
  select customer_id, count(*) as jobs from st_jobs where coalesce(active, true)
  group by customer_id
)
select c.id as customer_id, c.name as customer_name, c.type as customer_type,
       coalesce(l.locations, 0) as locations, l.city, coalesce(j.jobs, 0) as jobs,
       coalesce(c.active, true) as is_active, {{ tags('c') }}
from st_customers as c
left join locations as l on l.customer_id = c.id
left join jobs as j on j.customer_id = c.id
