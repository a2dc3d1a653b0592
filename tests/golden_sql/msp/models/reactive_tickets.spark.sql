-- reactive_tickets (model) on spark: scripts/golden_sql.py
/* Reactive tickets: the break-fix work of the service desk. A ticket is reactive when its board */
/* is marked reactive in the boards reference list (Help Desk) and it is a parent or */
/* stand-alone ticket (a child ticket is part of its parent's work and is not counted again). */
/* Every company counts. closed_at is the closed date of a ticket whose closed flag is on (a */
/* ticket with a closed date but the flag off, re-opened say, is not closed). Timestamps are */
/* UTC; a metric puts them in the company's local months. */
SELECT
  t.id AS ticket_id,
  t.summary,
  t.board,
  t.status,
  t.company_id,
  t.company,
  t.priority,
  t.owner,
  t.date_entered,
  t.closed_date,
  CASE WHEN t.closed_flag THEN t.closed_date END AS closed_at,
  COALESCE(t.closed_flag, FALSE) AS is_closed,
  t.actual_hours,
  t.department,
  t.team,
  t.owner_id,
  t.client_id,
  t.source_funnel,
  t.utm_source,
  t.utm_medium,
  t.utm_campaign
FROM cw_tickets AS t
JOIN ref_boards AS b
  ON b.board = t.board
WHERE
  b.reactive AND t.parent_ticket_id IS NULL;
