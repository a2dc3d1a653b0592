-- Refunds by local month. Target: at most 3% of the month's gross charges.
WITH
-- include: _cash.sql
SELECT strftime(month, '%Y-%m') AS period, refunds AS value, 0.03 * gross_charges AS target
FROM cash
WHERE month >= $start AND month < $end
