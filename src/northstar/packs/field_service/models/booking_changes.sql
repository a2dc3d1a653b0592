-- What moves the backlog of booked production work: a production job (not cancelled) enters
-- it with its revenue when it is booked (created_on) and leaves it when it starts (its first
-- appointment, or its booking if it was entered after it had started). Summed over every row
-- before a moment, it is the work booked and not yet started then: future bookings. A job not
-- scheduled yet stays in the backlog.
with production as (
  select job_id, created_on, start_at, revenue, {{ tags() }}
  from job_costing
  where job_type_category = 'production'
)
select job_id, 'booked' as change, created_on as changed_at, revenue as amount, {{ tags() }}
from production
union all
select job_id, 'started', greatest(start_at, created_on), -revenue, {{ tags() }}
from production
where start_at is not null
