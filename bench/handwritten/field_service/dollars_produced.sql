-- include: _work.sql
SELECT day, team, produced AS value FROM by_day
WHERE jobs > 0 AND day >= $start AND day < $end
