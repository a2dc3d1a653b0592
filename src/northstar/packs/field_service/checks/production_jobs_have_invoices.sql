-- description: Every completed production or warranty job has an invoice. Without one it has
--   no revenue and no materials cost: dollars produced and gross margin miss it.
-- severity: warning
select job_id, job_number, job_type_name, business_unit_name, completed_on
from dim_jobs
where job_status = 'Completed' and invoice_id is null
  and job_type_category in ('production', 'warranty')
