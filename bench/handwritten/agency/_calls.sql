-- GoHighLevel's sales calls (a fragment): appointments not deleted, on a calendar the
-- reference list (its latest version, not deleted) calls triage or strategy, with the local
-- month each was booked in and due in.
calendars AS (
  SELECT calendar_id, lower(trim(kind)) AS kind
  FROM raw_ref_calendars
  QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY load_id DESC, row_seq DESC) = 1
      AND is_deleted IS DISTINCT FROM true
),
calls AS (
  SELECT c.kind, lower(trim(a.status)) AS status,
         CAST(date_trunc('month', timezone('America/Chicago', timezone('UTC', a.created_at)))
              AS DATE) AS booked_month,
         CAST(date_trunc('month', timezone('America/Chicago', timezone('UTC', a.start_time)))
              AS DATE) AS due_month
  FROM raw_ghl_appointments AS a
  JOIN calendars AS c ON c.calendar_id = a.calendar_id
  WHERE a.removed_at IS NULL AND c.kind IN ('triage', 'strategy')
),
