-- include: _sales.sql
SELECT day, team, sold / nullif(presented, 0) AS value FROM sales
WHERE day >= $start AND day < $end
