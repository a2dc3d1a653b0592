-- Chargebacks by local month. Target: at most 0.75% of the month's gross charges.
WITH
-- include: _cash.sql
SELECT strftime(month, '%Y-%m') AS period, chargebacks AS value,
       0.0075 * gross_charges AS target
FROM cash
WHERE month >= $start AND month < $end
