-- automations (model) on duckdb: scripts/golden_sql.py
/* The automation platform's run log: one row per workflow and day, its runs and how many */
/* succeeded and failed. automation_success is succeeded over runs. */
SELECT
  a.date,
  a.workflow,
  a.runs,
  a.succeeded,
  a.failed,
  a.department,
  a.team,
  a.owner_id,
  a.client_id,
  a.source_funnel,
  a.utm_source,
  a.utm_medium,
  a.utm_campaign
FROM automation_runs AS a;
