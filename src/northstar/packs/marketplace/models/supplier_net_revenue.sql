-- Net revenue by supplier and year, in the seed's terms: net revenue = GMV + discounts - credit
-- memos - organiser payouts + vendor credits. The canonical shape's invoices name no supplier
-- (nothing says which organiser's event a brand's invoice line paid for), so GMV, discounts and
-- credit memos cannot be split by supplier: they sit on one row, "Demand (no supplier on
-- invoices)". A supplier's row carries what it was paid (bills and vendor credits on
-- 4200-4230, linked through remittances as in supplier_payouts, the rest on "Unlinked (Not in
-- Platform)"), so its net revenue is its net payout, negated, and take_rate is empty. A year's
-- rows add up to the company's net revenue (the P&L).
-- net_revenue is summed from revenue_lines, the lines the net_revenue metric reads, the
-- component columns from the accounting lines. row_kind: supplier, unlinked, demand.
with attributed as (
  select line_id, case kind when 'bill' then 'payout' else kind end as kind, supplier_name
  from supplier_payouts
),
net as (
  select coalesce(a.supplier_name, 'Demand (no supplier on invoices)') as supplier_name,
         {{ year_of('r.txn_date') }} as year,
         sum(r.amount) as net_revenue
  from revenue_lines as r
  left join attributed as a on a.line_id = r.line_id and a.kind = r.kind
  group by 1, 2
),
supply as (
  select supplier_name, txn_year as year,
         sum(case when kind = 'bill' then amount else 0 end) as payouts,
         -sum(case when kind = 'vendor_credit' then amount else 0 end) as vendor_credits
  from supplier_payouts
  group by 1, 2
),
invoiced as (
  select {{ year_of('txn_date') }} as year,
         sum(case when account_number between '4110' and '4169' then amount else 0 end) as gmv,
         sum(case when account_number = '4190' then amount else 0 end) as discounts
  from invoice_lines
  where account_number between '4110' and '4169' or account_number = '4190'
  group by 1
),
memos as (
  select {{ year_of('txn_date') }} as year, sum(amount) as credit_memos
  from credit_memo_lines
  where account_number between '4110' and '4169'
  group by 1
),
demand as (
  select 'Demand (no supplier on invoices)' as supplier_name, coalesce(i.year, m.year) as year,
         coalesce(i.gmv, 0) as gmv, coalesce(i.discounts, 0) as discounts,
         coalesce(m.credit_memos, 0) as credit_memos
  from invoiced as i
  full outer join memos as m on m.year = i.year
),
components as (
  select supplier_name, year, 0 as gmv, 0 as discounts, 0 as credit_memos, payouts,
         vendor_credits
  from supply
  union all
  select supplier_name, year, gmv, discounts, credit_memos, 0, 0
  from demand
)
select coalesce(c.supplier_name, n.supplier_name) as supplier_name,
       case when coalesce(c.supplier_name, n.supplier_name) = 'Unlinked (Not in Platform)'
            then 'unlinked'
            when coalesce(c.supplier_name, n.supplier_name) = 'Demand (no supplier on invoices)'
            then 'demand'
            else 'supplier' end as row_kind,
       coalesce(c.year, n.year) as year,
       coalesce(c.gmv, 0) as gmv, coalesce(c.discounts, 0) as discounts,
       coalesce(c.credit_memos, 0) as credit_memos, coalesce(c.payouts, 0) as payouts,
       coalesce(c.vendor_credits, 0) as vendor_credits,
       coalesce(n.net_revenue, 0) as net_revenue,
       cast(coalesce(n.net_revenue, 0) as double) / nullif(cast(c.gmv as double), 0)
         as take_rate
from components as c
full outer join net as n
  on n.supplier_name = c.supplier_name and n.year is not distinct from c.year
