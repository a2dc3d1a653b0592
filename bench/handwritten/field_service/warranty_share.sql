-- include: _work.sql
SELECT day, team, warranty / nullif(produced, 0) AS value FROM by_day
WHERE jobs > 0 AND day >= $start AND day < $end
