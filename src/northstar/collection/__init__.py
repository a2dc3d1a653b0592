"""The collection rules every pack gets (the seed's, issue 10 item 6):

- a new source's schedule is off: its backfill is run by hand (`northstar sync SOURCE
  --backfill-from 2024-01`), reviewed, and then an admin turns the schedule on (`switch`);
- every run is written to the collection log, a ledger table and a log file, with its period,
  source, status, error and duration (`log`);
- re-running one month is explicit and needs a reason (`run.rerun_month`);
- the suspicious-data rules apply to metric values too, as the metric files declare
  (`metric_checks`);
- the scheduler inside `northstar serve` and the systemd timer (`northstar collect`) run the
  same function, over the same window (`run.run_scheduled`).

A run itself is all or nothing across every object of its source (`northstar.sources.sync`)."""
