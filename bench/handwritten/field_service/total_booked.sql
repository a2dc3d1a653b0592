-- include: _sales.sql
SELECT day, team, booked AS value FROM sales WHERE day >= $start AND day < $end
