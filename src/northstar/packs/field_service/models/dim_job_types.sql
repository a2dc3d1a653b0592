-- ServiceTitan's job types with their KPI category from reference/job_types.csv, by name:
-- estimate, production, warranty or excluded. A job type the list does not know has no
-- category and counts in no KPI (check job_types_are_categorised).
select t.id as job_type_id, t.name as job_type_name, t.class as job_type_class,
       coalesce(t.active, true) as is_active, c.category as job_type_category,
       c.job_type is not null as is_categorised
from st_job_types as t
left join ref_job_types as c on c.job_type = t.name
