-- description: Every ticket's board is in the boards reference list (reference/boards.csv),
--   which says whether the board is reactive. A ticket on a board the list does not know is
--   counted as not reactive: if the board is a Help Desk under a new name, reactive tickets
--   and hours are short.
-- severity: warning
select t.board, count(*) as tickets, min(t.date_entered) as first_entered,
       max(t.date_entered) as last_entered
from cw_tickets as t
left join ref_boards as b on b.board = t.board
where b.board is null
group by t.board
