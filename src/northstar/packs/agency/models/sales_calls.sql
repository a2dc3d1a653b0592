-- GoHighLevel's calendar appointments, one row per appointment, with the step of the funnel
-- its calendar books (reference/calendars.csv: `triage`, the setters' qualifying call, or
-- `strategy`, the closers' strategy session; a calendar the list lacks has no kind, counts in
-- no sales metric, and the check sales_calendars_are_known lists it). booked_at is when the
-- call was booked, start_time when it was due. status is GoHighLevel's in lower case: showed,
-- noshow, cancelled, confirmed (still ahead, or not marked yet), new, invalid. A call is due
-- once it showed, did not show or was cancelled (a rescheduled call keeps its id and moves),
-- and held when it showed. An appointment deleted in GoHighLevel (removed_at) is left out.
select a.id as call_id, a.calendar_id, lower(trim(c.kind)) as kind, lower(trim(a.status)) as status,
       a.contact_id, a.created_at as booked_at, a.start_time,
       case when lower(trim(a.status)) = 'showed' then 1 else 0 end as held,
       case when lower(trim(a.status)) in ('showed', 'noshow', 'cancelled') then 1 else 0 end
         as due,
       {{ tags('a') }}
from ghl_appointments as a
left join ref_calendars as c on c.calendar_id = a.calendar_id
where a.removed_at is null
