-- GA4's event log, one row per day, session source, medium, campaign and event: page views of
-- the funnels' landing pages (`page_view`), opt-ins (`opt_in`, the form's thank-you page) and
-- booked calls (`booked_call`, the calendar's confirmation page), with their count. Event names
-- are compared in lower case without surrounding blanks. The rows carry the funnel and UTM
-- tags (GA4 knows no rep). opt_ins reads it; the booked calls the pipeline counts are
-- GoHighLevel's (sales_calls), which owns the pipeline: GA4's `booked_call` is kept beside them.
select e.id as event_id, e.date, lower(trim(e.event_name)) as event_name, e.event_count,
       e.source, e.medium, e.campaign, {{ tags('e') }}
from ga4_events as e
