-- The CTEs every hand-written field-service query starts with (bench/field_service.py puts
-- this file in front of each query): business units with the map, job types with their
-- category, and the local day of a UTC timestamp in the project's timezone (America/Chicago).
WITH units AS (
  SELECT u.id, m.reported_as AS team, m.department
  FROM raw_st_business_units AS u JOIN raw_ref_business_units AS m ON m.business_unit = u.name
),
types AS (
  SELECT t.id, c.category
  FROM raw_st_job_types AS t JOIN raw_ref_job_types AS c ON c.job_type = t.name
),
jobs AS (
  SELECT j.id, j.created_on, j.job_status, j.business_unit_id, j.first_appointment_id,
         j.invoice_id, j.total, t.category, u.team, u.department
  FROM raw_st_jobs AS j
  LEFT JOIN types AS t ON t.id = j.job_type_id
  LEFT JOIN units AS u ON u.id = j.business_unit_id
  WHERE coalesce(j.active, true)
),
