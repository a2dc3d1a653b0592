-- description: Every job type that jobs use has a KPI category in reference/job_types.csv
--   (estimate, production, warranty or excluded). A job of a type the list does not know counts
--   in no KPI: a new estimate type would be missing from leads, a new production type from
--   dollars produced.
-- severity: error
select j.job_type_id, j.job_type_name, count(*) as jobs, min(j.created_on) as first_created,
       max(j.created_on) as last_created
from dim_jobs as j
where j.job_type_category is null
group by j.job_type_id, j.job_type_name
