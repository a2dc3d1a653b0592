-- description: Every ServiceTitan business unit that has jobs, estimates, invoices or payments
--   is in the business-unit map (reference/business_units.csv), which says the unit it is
--   reported as and whether it is a sales or a production unit. An unmapped unit (a new branch,
--   a renamed unit) counts in no sales or production KPI until it is added.
-- severity: error
select u.business_unit_id, u.business_unit_name, u.is_active,
       (select count(*) from st_jobs as j where j.business_unit_id = u.business_unit_id) as jobs
from dim_business_units as u
where not u.is_mapped
  and (exists (select 1 from st_jobs as j where j.business_unit_id = u.business_unit_id)
       or exists (select 1 from st_estimates as e where e.business_unit_id = u.business_unit_id)
       or exists (select 1 from st_invoices as i where i.business_unit_id = u.business_unit_id)
       or exists (select 1 from st_payments as p where p.business_unit_id = u.business_unit_id))
