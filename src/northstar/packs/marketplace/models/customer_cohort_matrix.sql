-- The customer retention waterfall, long form: cohort = first year billed. chart =
-- BILLED_DOLLARS (GMV + discounts - credit memos), TOTAL (all cohorts together) and NRR_PERCENT
-- (a cohort's billings over its first year's). `cohort` is the first year as text, or TOTAL:
-- the dashboard pivots the rows into a matrix.
with yearly as (
  select customer_id, cast(extract(year from txn_date) as integer) as year,
         sum(amount) as billed
  from revenue_lines
  where kind in ('gmv', 'discount', 'credit_memo')
  group by 1, 2
),
cohort as (
  select customer_id, min(year) as first_year
  from yearly
  where billed > 0
  group by 1
),
dollars as (
  select c.first_year, y.year, sum(y.billed) as value
  from yearly as y
  join cohort as c on c.customer_id = y.customer_id
  group by 1, 2
)
select 'BILLED_DOLLARS' as chart, first_year, cast(first_year as varchar) as cohort, year,
       cast(value as double) as value
from dollars
union all
select 'TOTAL', cast(null as integer), 'TOTAL', year, cast(sum(value) as double)
from dollars
group by year
union all
select 'NRR_PERCENT', d.first_year, cast(d.first_year as varchar), d.year,
       cast(d.value as double) / nullif(cast(b.value as double), 0)
from dollars as d
join dollars as b on b.first_year = d.first_year and b.year = d.first_year
