-- Net payout lines (organiser bills on 4200-4230, less vendor credits on the same accounts),
-- each attributed to a supplier organisation through the platform's remittances (Bill # ->
-- supplier, model bill_links). A bill with no remittance is "Unlinked (Not in Platform)", its
-- dollars are kept, so every total still matches the P&L. A bill split over several lines and several remittances
-- is linked once: to the supplier its remittances pay the most (the lowest id on a tie), so no
-- payout is counted twice.
with links as (
  select bill_id, supplier_id
  from (select bill_id, supplier_id,
               row_number() over (partition by bill_id
                                  order by remitted desc, supplier_id) as n
        from bill_links) as ranked
  where n = 1
),
lines as (
  select id as line_id, bill_id, txn_date, 'bill' as kind, account_number, amount,
         department, team
  from bill_lines
  where account_number between '4200' and '4230'
  union all
  select id, bill_id, txn_date, 'vendor_credit', account_number, -amount, department, team
  from vendor_credit_lines
  where account_number between '4200' and '4230'
)
select l.line_id, l.bill_id, l.txn_date,
       {{ year_of('l.txn_date') }} as txn_year,
       l.kind, l.account_number, l.amount, k.supplier_id,
       case when k.supplier_id is null then 'Unlinked (Not in Platform)'
            else coalesce(s.name, k.supplier_id) end as supplier_name,
       l.department, l.team
from lines as l
left join links as k on k.bill_id = l.bill_id
left join suppliers as s on s.id = k.supplier_id
