-- service_time_entries (model) on duckdb: scripts/golden_sql.py
/* Time entered against service tickets (charge type ServiceTicket), on any board, with a flag */
/* for the entries on a reactive ticket (a Help Desk parent ticket: the reactive_tickets model). */
/* Project, charge-code and activity time are not service time. An entry counts in the period */
/* of its entry date (date_entered, UTC). The flag is a semi-join (`in`), not a left join: a */
/* reactive ticket has one row, and PostgreSQL plans the semi-join as a hash, not a loop. */
SELECT
  e.id AS entry_id,
  e.charge_to_id AS ticket_id,
  e.member,
  e.company_id,
  e.time_start,
  e.time_end,
  e.actual_hours,
  e.billable_option,
  e.work_type,
  e.date_entered,
  e.charge_to_id IN (
    SELECT
      ticket_id
    FROM reactive_tickets
  ) AS is_reactive,
  e.department,
  e.team,
  e.owner_id,
  e.client_id,
  e.source_funnel,
  e.utm_source,
  e.utm_medium,
  e.utm_campaign
FROM cw_time_entries AS e
WHERE
  e.charge_to_type = 'ServiceTicket';
