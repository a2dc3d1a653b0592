-- Reactive tickets: the break-fix work of the service desk. A ticket is reactive when its board
-- is marked reactive in the boards reference list (Help Desk) and it is a parent or
-- stand-alone ticket (a child ticket is part of its parent's work and is not counted again).
-- Every company counts. A ticket belongs to the month its UTC timestamp falls in (the ledger
-- stores UTC): entered_on and closed_on are those UTC dates. closed_on is only set for a ticket
-- whose closed flag is on.
select t.id as ticket_id, t.summary, t.board, t.status, t.company_id, t.company, t.priority,
       t.owner, t.date_entered,
       cast(t.date_entered as date) as entered_on,
       t.closed_date,
       case when t.closed_flag then cast(t.closed_date as date) end as closed_on,
       coalesce(t.closed_flag, false) as is_closed,
       t.actual_hours,
       {{ tags('t') }}
from cw_tickets as t
join ref_boards as b on b.board = t.board
where b.reactive and t.parent_ticket_id is null
