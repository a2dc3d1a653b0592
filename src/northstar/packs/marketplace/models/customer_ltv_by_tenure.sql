-- Lifetime value by tenure, as the seed compares it: customers grouped by how many calendar
-- years they have been billed (years active), with their average lifetime billings, the same
-- customers' average first-year billings (year 1: what they billed in the year they started)
-- and the one over the other ("4-year customers average $1.23M, 42x year 1").
with by_tenure as (
  select years_active, count(*) as customers,
         cast(avg(total_billed) as double) as avg_lifetime_billed,
         cast(avg(billed_first_year) as double) as avg_first_year_billed
  from customer_development
  where years_active > 0
  group by 1
)
select years_active, customers, avg_lifetime_billed, avg_first_year_billed,
       avg_lifetime_billed / nullif(avg_first_year_billed, 0) as multiple_of_first_year
from by_tenure
