-- The funnel's third step by month: strategy sessions held over triage calls held.
WITH
-- include: _calls.sql
-- include: _held.sql
SELECT strftime(month, '%Y-%m') AS period, strategy / nullif(triage, 0) AS value FROM held
WHERE month >= $start AND month < $end
