-- Reactive tickets: the break-fix work of the service desk. A ticket is reactive when its board
-- is marked reactive in the boards reference list (Help Desk) and it is a parent or
-- stand-alone ticket (a child ticket is part of its parent's work and is not counted again).
-- Every company counts. closed_at is the closed date of a ticket whose closed flag is on (a
-- ticket with a closed date but the flag off, re-opened say, is not closed). Timestamps are
-- UTC; a metric puts them in the company's local months.
select t.id as ticket_id, t.summary, t.board, t.status, t.company_id, t.company, t.priority,
       t.owner, t.date_entered, t.closed_date,
       case when t.closed_flag then t.closed_date end as closed_at,
       coalesce(t.closed_flag, false) as is_closed,
       t.actual_hours,
       {{ tags('t') }}
from cw_tickets as t
join ref_boards as b on b.board = t.board
where b.reactive and t.parent_ticket_id is null
