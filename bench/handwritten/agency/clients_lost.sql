-- By month: clients churned in the month (0 in a month with none).
WITH
-- include: _clients.sql
-- include: _moves.sql
SELECT strftime(month, '%Y-%m') AS period, lost AS value FROM moves
