-- Estimates with their job's type and KPI category and their business unit: the estimate's own
-- unit, or its job's when it names none. is_sold: its status is Sold (sold_on is when).
-- Change orders (an estimate added to a job under way) are flagged; deleted estimates are left
-- out.
select e.id as estimate_id, e.job_id, e.name, e.status, e.status = 'Sold' as is_sold,
       e.created_on, e.sold_on, e.sold_by, e.subtotal, e.tax,
       coalesce(e.is_change_order, false) as is_change_order,
       coalesce(e.business_unit_id, j.business_unit_id) as business_unit_id,
       u.business_unit_name, u.business_unit, u.branch, u.trade,
       t.job_type_name, t.job_type_category, c.name as campaign_name, j.job_status,
       {{ unit_tags('e', 'u', 'c.name') }}
from st_estimates as e
left join st_jobs as j on j.id = e.job_id and coalesce(j.active, true)
left join dim_job_types as t on t.job_type_id = j.job_type_id
left join st_campaigns as c on c.id = j.campaign_id
left join dim_business_units as u
  on u.business_unit_id = coalesce(e.business_unit_id, j.business_unit_id)
where coalesce(e.active, true)
