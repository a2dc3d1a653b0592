-- dim_job_types (model) on spark: scripts/golden_sql.py
/* ServiceTitan's job types with their KPI category from reference/job_types.csv, by name: */
/* estimate, production, warranty or excluded. A job type the list does not know has no */
/* category and counts in no KPI (check job_types_are_categorised). */
SELECT
  t.id AS job_type_id,
  t.name AS job_type_name,
  t.class AS job_type_class,
  COALESCE(t.active, TRUE) AS is_active,
  c.category AS job_type_category,
  NOT c.job_type IS NULL AS is_categorised
FROM st_job_types AS t
LEFT JOIN ref_job_types AS c
  ON c.job_type = t.name;
