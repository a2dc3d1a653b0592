-- One row per customer: billings (GMV + discounts - credit memos) this year, last year and in
-- total, first year billed (the cohort) and what it billed that year (its year 1), years active
-- (tenure), NRR, and the core action state by the same rule as suppliers, applied to billings.
-- "This year" is the year of the latest billing line.
with yearly as (
  select customer_id, {{ year_of('txn_date') }} as year,
         sum(amount) as billed
  from revenue_lines
  where kind in ('gmv', 'discount', 'credit_memo')
  group by 1, 2
),
latest as (select max(year) as year from yearly),
per as (
  select c.id as customer_id, c.name as customer_name, c.owner_id,
         min(case when y.billed > 0 then y.year end) as first_year,
         count(case when y.billed > 0 then 1 end) as years_active,
         coalesce(sum(case when y.year = (select year from latest) then y.billed end), 0)
           as billed_this_year,
         coalesce(sum(case when y.year = (select year from latest) - 1 then y.billed end), 0)
           as billed_last_year,
         coalesce(sum(y.billed), 0) as total_billed
  from customers as c
  left join yearly as y on y.customer_id = c.id
  group by 1, 2, 3
)
select p.customer_id, customer_name, owner_id, p.first_year, years_active, billed_this_year,
       billed_last_year, total_billed, f.billed as billed_first_year,
       cast(billed_this_year as double) / nullif(cast(billed_last_year as double), 0) as nrr,
       {{ core_action_state('billed_this_year', 'billed_last_year') }} as core_action_state
from per as p
left join yearly as f on f.customer_id = p.customer_id and f.year = p.first_year
