-- funnel_events (model) on duckdb: scripts/golden_sql.py
/* GA4's event log, one row per day, session source, medium, campaign and event: page views of */
/* the funnels' landing pages (`page_view`), opt-ins (`opt_in`, the form's thank-you page) and */
/* booked calls (`booked_call`, the calendar's confirmation page), with their count. Event names */
/* are compared in lower case without surrounding blanks. The rows carry the funnel and UTM */
/* tags (GA4 knows no rep). opt_ins reads it; the booked calls the pipeline counts are */
/* GoHighLevel's (sales_calls), which owns the pipeline: GA4's `booked_call` is kept beside them. */
SELECT
  e.id AS event_id,
  e.date,
  LOWER(TRIM(e.event_name)) AS event_name,
  e.event_count,
  e.source,
  e.medium,
  e.campaign,
  e.department,
  e.team,
  e.owner_id,
  e.client_id,
  e.source_funnel,
  e.utm_source,
  e.utm_medium,
  e.utm_campaign
FROM ga4_events AS e;
