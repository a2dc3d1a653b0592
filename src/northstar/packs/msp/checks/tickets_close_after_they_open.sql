-- description: No ticket is closed before it was entered, and every ticket whose closed flag
--   is on has a closed date (otherwise it never counts as closed).
-- severity: warning
select id as ticket_id, board, date_entered, closed_date, closed_flag,
       case when closed_date < date_entered then 'closed before it was entered'
            else 'closed without a closed date' end as issue
from cw_tickets
where closed_date < date_entered
   or (closed_flag and closed_date is null)
