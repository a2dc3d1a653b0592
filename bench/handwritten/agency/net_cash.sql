-- Net cash by local month. Target: finance's cash plan for the month.
WITH
-- include: _cash.sql
-- include: _finance.sql
SELECT strftime(coalesce(c.month, f.month), '%Y-%m') AS period, c.net_cash AS value,
       f.cash_plan AS target
FROM cash AS c FULL JOIN finance AS f ON f.month = c.month
WHERE coalesce(c.month, f.month) >= $start AND coalesce(c.month, f.month) < $end
