-- include: _sales.sql
SELECT day, team, presented AS value FROM sales WHERE day >= $start AND day < $end
