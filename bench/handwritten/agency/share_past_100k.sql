-- By month: of the active clients at the month's end, the share past $100k.
WITH
-- include: _clients.sql
-- include: _levels.sql
SELECT strftime(month, '%Y-%m') AS period, past_100k / nullif(active, 0) AS value FROM levels
