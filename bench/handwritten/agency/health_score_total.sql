-- By month: the active clients' health scores at the month's end, added up.
WITH
-- include: _clients.sql
-- include: _levels.sql
SELECT strftime(month, '%Y-%m') AS period, health AS value FROM levels
