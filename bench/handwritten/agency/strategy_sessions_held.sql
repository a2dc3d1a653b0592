-- Strategy sessions held (showed) by the local month they were due.
WITH
-- include: _calls.sql
-- include: _held.sql
SELECT strftime(month, '%Y-%m') AS period, strategy AS value FROM held
WHERE month >= $start AND month < $end
