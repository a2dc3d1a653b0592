-- description: Every time entry charged to a service ticket names a ticket the PSA sync has
--   collected. Time on a ticket not collected yet cannot be told reactive or not.
-- severity: warning
select e.id as entry_id, e.charge_to_id as ticket_id, e.date_entered, e.actual_hours
from cw_time_entries as e
left join cw_tickets as t on t.id = e.charge_to_id
where e.charge_to_type = 'ServiceTicket' and t.id is null
