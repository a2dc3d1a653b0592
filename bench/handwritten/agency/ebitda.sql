-- EBITDA by month, as finance enters it. Target: 20% of the month's net cash.
WITH
-- include: _cash.sql
-- include: _finance.sql
SELECT strftime(c.month, '%Y-%m') AS period, f.ebitda AS value, 0.20 * c.net_cash AS target
FROM cash AS c LEFT JOIN finance AS f ON f.month = c.month
WHERE c.month >= $start AND c.month < $end
