-- Invoices with their job and the business unit they reach through it (invoice -> job ->
-- business unit; the invoice's own unit when it has no job: invoice_units), the cost of their
-- items (materials and equipment: total_cost) and what active payments applied to them.
-- open_amount is the total less what was applied; balance is ServiceTitan's own figure (check
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
       j.job_type_name, j.job_type_category, j.job_status, v.business_unit_id,
       v.business_unit_name, v.business_unit, v.branch, v.trade,
       coalesce(x.materials_cost, 0) as materials_cost, coalesce(x.items, 0) as items,
       coalesce(pd.applied, 0) as applied, i.total - coalesce(pd.applied, 0) as open_amount,
       i.customer_id, i.customer_name,
       {{ tags('v') }}
from st_invoices as i
join invoice_units as v on v.invoice_id = i.id
left join dim_jobs as j on j.job_id = i.job_id
left join items as x on x.invoice_id = i.id
left join paid as pd on pd.invoice_id = i.id
