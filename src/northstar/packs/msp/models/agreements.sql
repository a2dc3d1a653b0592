-- Service agreements with their company and what their active additions bill and cost each
-- month. An agreement is in force from its start date until its end date (or without end
-- when it has no ending date), unless it is cancelled; the agreements metric counts those in
-- force at a period's end. An addition is active until its cancelled date.
with additions as (
  select agreement_id,
         sum(quantity * unit_price) as addition_price,
         sum(quantity * unit_cost) as addition_cost,
         count(*) as additions
  from cw_agreement_additions
  where cancelled_date is null
  group by agreement_id
)
select a.id as agreement_id, a.name, a.type, a.company_id, c.name as company, a.start_date,
       a.end_date, coalesce(a.cancelled_flag, false) as is_cancelled,
       coalesce(a.no_ending_date, false) as has_no_end, a.bill_amount, a.billing_cycle,
       coalesce(x.additions, 0) as additions, x.addition_price, x.addition_cost,
       {{ tags('a') }}
from cw_agreements as a
left join cw_companies as c on c.id = a.company_id
left join additions as x on x.agreement_id = a.id
