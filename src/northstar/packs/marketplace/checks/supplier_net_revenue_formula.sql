-- description: Per supplier and year, net revenue in supplier_net_revenue (summed from the
--   lines the net_revenue metric reads) equals GMV + discounts - credit memos - payouts +
--   vendor credits within one cent, both from its own columns and recomputed here from the
--   accounting lines with every bill counted once, for the supplier its remittances pay the
--   most (the lowest id on a tie).
--   Invoices name no supplier, so GMV, discounts and credit memos are checked on the one
--   Demand row and a supplier's part is its payouts less vendor credits: the check proves the
--   metric's signs and accounts follow the formula and that no bill's dollars are counted for
--   two suppliers. It does not prove a supplier's GMV (no data links an invoice to one).
-- severity: error
with paid as (
  select bill_id, supplier_id, remitted
  from bill_links
),
links as (
  select p.bill_id, min(p.supplier_id) as supplier_id
  from paid as p
  where p.remitted = (select max(q.remitted) from paid as q where q.bill_id = p.bill_id)
  group by p.bill_id
),
lines as (
  select 'supply' as side, bill_id, txn_date, -amount as amount
  from bill_lines
  where account_number between '4200' and '4230'
  union all
  select 'supply', bill_id, txn_date, amount
  from vendor_credit_lines
  where account_number between '4200' and '4230'
  union all
  select 'demand', cast(null as varchar), txn_date, amount
  from invoice_lines
  where account_number between '4110' and '4169' or account_number = '4190'
  union all
  select 'demand', cast(null as varchar), txn_date, -amount
  from credit_memo_lines
  where account_number between '4110' and '4169'
),
formula as (
  select case when l.side = 'demand' then 'Demand (no supplier on invoices)'
              when k.supplier_id is null then 'Unlinked (Not in Platform)'
              else coalesce(s.name, k.supplier_id) end as supplier_name,
         {{ year_of('l.txn_date') }} as year,
         sum(l.amount) as net_revenue
  from lines as l
  left join links as k on k.bill_id = l.bill_id
  left join suppliers as s on s.id = k.supplier_id
  group by 1, 2
)
select coalesce(v.supplier_name, f.supplier_name) as supplier_name,
       coalesce(v.year, f.year) as year, v.net_revenue,
       v.gmv + v.discounts - v.credit_memos - v.payouts + v.vendor_credits as from_columns,
       f.net_revenue as from_accounting_lines
from supplier_net_revenue as v
full outer join formula as f
  on f.supplier_name = v.supplier_name and f.year is not distinct from v.year
where abs(coalesce(v.net_revenue, 0) - coalesce(f.net_revenue, 0)) >= 0.01
   or abs(coalesce(v.net_revenue, 0)
          - coalesce(v.gmv + v.discounts - v.credit_memos - v.payouts + v.vendor_credits, 0))
      >= 0.01
