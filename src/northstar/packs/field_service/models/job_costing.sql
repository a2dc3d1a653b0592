-- Job costing, one row per job that is not cancelled: revenue (the invoice subtotal), the
-- materials and equipment cost of its invoice's items (total_cost), the labour payroll paid for
-- it (gross pay items of the job: amount plus amount_adjustment) and the gross profit they
-- leave. The jobs API carries no cost; docs/field-service.md says where each part comes from.
with materials as (
  select invoice_id, sum(total_cost) as materials_cost
  from st_invoice_items
  where coalesce(active, true)
  group by invoice_id
),
labour as (
  select job_id, sum(coalesce(amount, 0) + coalesce(amount_adjustment, 0)) as labour_cost
  from st_gross_pay_items
  where coalesce(active, true)
  group by job_id
)
select j.job_id, j.job_number, j.job_status, j.job_type_name, j.job_type_category,
       j.created_on, j.start_at, j.completed_on, j.business_unit_id, j.business_unit_name,
       j.business_unit, j.branch, j.trade, j.revenue,
       coalesce(m.materials_cost, 0) as materials_cost,
       coalesce(l.labour_cost, 0) as labour_cost,
       coalesce(m.materials_cost, 0) + coalesce(l.labour_cost, 0) as total_cost,
       j.revenue - coalesce(m.materials_cost, 0) - coalesce(l.labour_cost, 0) as gross_profit,
       {{ tags('j') }}
from dim_jobs as j
left join materials as m on m.invoice_id = j.billed_invoice_id
left join labour as l on l.job_id = j.job_id
where not j.is_canceled
