-- Lifetime value by tenure: customers grouped by how many years they have been billed, with
-- their average lifetime billings and the multiple of the one-year customers' average.
with by_tenure as (
  select years_active, count(*) as customers,
         cast(avg(total_billed) as double) as avg_lifetime_billed
  from customer_development
  where years_active > 0
  group by 1
)
select years_active, customers, avg_lifetime_billed,
       avg_lifetime_billed
       / nullif((select avg_lifetime_billed from by_tenure where years_active = 1), 0)
       as multiple_of_year_one
from by_tenure
