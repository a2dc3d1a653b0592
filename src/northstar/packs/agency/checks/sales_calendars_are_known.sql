-- description: Every calendar GoHighLevel's appointments are booked in is in the calendars
--   list (reference/calendars.csv) with the step of the funnel it books: `triage`, `strategy`,
--   or another word (`other`) for a calendar that books no sales call (client onboarding). A
--   calendar missing from it (a new closer's own calendar, a renamed one) counts in no sales
--   metric, so booked calls, calls held, show and close rates would miss its calls. Add it to
--   the list with its kind, then run `northstar reference`.
-- severity: error
select calendar_id, count(*) as appointments, min(start_time) as first_start,
       max(start_time) as last_start
from sales_calls
where kind is null
group by calendar_id
