-- By month: the average health score of the active clients at the month's end.
WITH
-- include: _clients.sql
-- include: _levels.sql
SELECT strftime(month, '%Y-%m') AS period, health / nullif(active, 0) AS value FROM levels
