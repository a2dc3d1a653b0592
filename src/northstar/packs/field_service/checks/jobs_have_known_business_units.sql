-- description: Every job names a business unit the business-units sync has collected (a unit
--   created since the last reference run is missing until the next one).
-- severity: warning
select j.id as job_id, j.job_number, j.business_unit_id, j.created_on
from st_jobs as j
left join st_business_units as u on u.id = j.business_unit_id
where u.id is null
