-- Time entered against service tickets (charge type ServiceTicket), on any board, with a flag
-- for the entries on a reactive ticket (a Help Desk parent ticket: the reactive_tickets model).
-- Project, charge-code and activity time are not service time. An entry counts in the period
-- of its entry date (date_entered, UTC). The flag is a semi-join (`in`), not a left join: a
-- reactive ticket has one row, and PostgreSQL plans the semi-join as a hash, not a loop.
select e.id as entry_id, e.charge_to_id as ticket_id, e.member, e.company_id, e.time_start,
       e.time_end, e.actual_hours, e.billable_option, e.work_type, e.date_entered,
       e.charge_to_id in (select ticket_id from reactive_tickets) as is_reactive,
       {{ tags('e') }}
from cw_time_entries as e
where e.charge_to_type = 'ServiceTicket'
