-- sales_calls (model) on spark: scripts/golden_sql.py
/* GoHighLevel's calendar appointments, one row per appointment, with the step of the funnel */
/* its calendar books (reference/calendars.csv: `triage`, the setters' qualifying call, or */
/* `strategy`, the closers' strategy session; a calendar the list lacks has no kind, counts in */
/* no sales metric, and the check sales_calendars_are_known lists it). booked_at is when the */
/* call was booked, start_time when it was due. status is GoHighLevel's in lower case: showed, */
/* noshow, cancelled, confirmed (still ahead, or not marked yet), new, invalid. A call is due */
/* once it showed, did not show or was cancelled (a rescheduled call keeps its id and moves), */
/* and held when it showed. An appointment deleted in GoHighLevel (removed_at) is left out. */
SELECT
  a.id AS call_id,
  a.calendar_id,
  LOWER(TRIM(c.kind)) AS kind,
  LOWER(TRIM(a.status)) AS status,
  a.contact_id,
  a.created_at AS booked_at,
  a.start_time,
  CASE WHEN LOWER(TRIM(a.status)) = 'showed' THEN 1 ELSE 0 END AS held,
  CASE
    WHEN LOWER(TRIM(a.status)) IN ('showed', 'noshow', 'cancelled')
    THEN 1
    ELSE 0
  END AS due,
  a.department,
  a.team,
  a.owner_id,
  a.client_id,
  a.source_funnel,
  a.utm_source,
  a.utm_medium,
  a.utm_campaign
FROM ghl_appointments AS a
LEFT JOIN ref_calendars AS c
  ON c.calendar_id = a.calendar_id
WHERE
  a.removed_at IS NULL;
