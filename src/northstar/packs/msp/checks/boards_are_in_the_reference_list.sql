-- description: Every active service board in the PSA is in the boards reference list
--   (reference/boards.csv), so that a new board is marked reactive or not before its first
--   tickets arrive.
-- severity: warning
select p.id as board_id, p.name as board, p.department
from cw_boards as p
left join ref_boards as b on b.board = p.name
where b.board is null and not coalesce(p.inactive, false)
