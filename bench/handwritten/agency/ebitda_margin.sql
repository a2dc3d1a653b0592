-- EBITDA margin by month: finance's EBITDA for the month over its net cash.
WITH
-- include: _cash.sql
-- include: _finance.sql
SELECT strftime(f.month, '%Y-%m') AS period, f.ebitda / nullif(c.net_cash, 0) AS value
FROM finance AS f JOIN cash AS c ON c.month = f.month
