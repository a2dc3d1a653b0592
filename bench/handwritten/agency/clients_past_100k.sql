-- By month: the clients past $100k in revenue at the month's end.
WITH
-- include: _clients.sql
-- include: _levels.sql
SELECT strftime(month, '%Y-%m') AS period, past_100k AS value FROM levels
