-- Automation success by month: runs that succeeded over all runs, every workflow together.
SELECT strftime(date_trunc('month', date), '%Y-%m') AS period,
       sum(succeeded) / nullif(sum(runs), 0) AS value
FROM raw_automation_runs
WHERE date >= $start AND date < $end
GROUP BY 1
