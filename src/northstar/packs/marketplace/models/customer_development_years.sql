-- The customer development view with one column per year, as seed 004 describes it for
-- customers (billings per year): one row per customer of customer_development and year that
-- has billings, with that year's billings (GMV + discounts - credit memos) and NRR (billings
-- over the year before's). A dashboard tile pivots it on `year`: a column a year.
with yearly as (
  select customer_id, {{ year_of('txn_date') }} as year, sum(amount) as billed
  from revenue_lines
  where kind in ('gmv', 'discount', 'credit_memo')
  group by 1, 2
),
years as (select distinct year from yearly)
select d.customer_id, d.customer_name, d.owner_id, y.year, d.core_action_state, d.total_billed,
       coalesce(b.billed, 0) as billed,
       cast(b.billed as double) / nullif(cast(p.billed as double), 0) as nrr
from customer_development as d
cross join years as y
left join yearly as b on b.customer_id = d.customer_id and b.year = y.year
left join yearly as p on p.customer_id = d.customer_id and p.year = y.year - 1
