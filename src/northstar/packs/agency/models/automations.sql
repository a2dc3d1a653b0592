-- The automation platform's run log: one row per workflow and day, its runs and how many
-- succeeded and failed. automation_success is succeeded over runs.
select a.date, a.workflow, a.runs, a.succeeded, a.failed, {{ tags('a') }}
from automation_runs as a
