-- MER by month: net cash over ad spend.
WITH
-- include: _cash.sql
-- include: _spend.sql
SELECT strftime(s.month, '%Y-%m') AS period, c.net_cash / nullif(s.spend, 0) AS value
FROM spend AS s JOIN cash AS c ON c.month = s.month
