SELECT CAST(timezone('America/Chicago', timezone('UTC', created_on)) AS DATE) AS day, team,
       count(*) AS value
FROM jobs
WHERE category = 'estimate' AND department = 'sales'
GROUP BY 1, 2
HAVING day >= $start AND day < $end
