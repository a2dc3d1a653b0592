-- Invoices with their job and the business unit they reach through it (invoice -> job ->
-- business unit; the invoice's own unit when it has no job), the cost of their items
-- (materials and equipment: total_cost) and what active payments applied to them. open_amount
-- is the total less what was applied; balance is ServiceTitan's own figure (check
-- invoice_balances_match_payments). Voided invoices (active false) are left out.
with items as (
  select invoice_id, sum(total_cost) as materials_cost, count(*) as items
  from st_invoice_items
  where coalesce(active, true)
  group by invoice_id
),
paid as (
  select a.invoice_id, sum(a.amount) as applied
  from st_payment_applications as a
  join st_payments as p on p.id = a.payment_id
  where coalesce(p.active, true)
  group by a.invoice_id
)
select i.id as invoice_id, i.reference_number, i.invoice_date, i.due_date, i.sub_total,
       i.sales_tax, i.total, i.balance, i.invoice_type, i.job_id, j.job_number,
       j.job_type_name, j.job_type_category, j.job_status,
       coalesce(j.business_unit_id, i.business_unit_id) as business_unit_id,
       u.business_unit_name, u.business_unit, u.branch, u.trade,
       coalesce(x.materials_cost, 0) as materials_cost, coalesce(x.items, 0) as items,
       coalesce(pd.applied, 0) as applied, i.total - coalesce(pd.applied, 0) as open_amount,
       i.customer_id, i.customer_name,
       {{ unit_tags('i', 'u', 'j.campaign_name') }}
from st_invoices as i
left join dim_jobs as j on j.job_id = i.job_id
left join dim_business_units as u
  on u.business_unit_id = coalesce(j.business_unit_id, i.business_unit_id)
left join items as x on x.invoice_id = i.id
left join paid as pd on pd.invoice_id = i.id
where coalesce(i.active, true)
