-- Reactive hours by local month: time entries charged to a service ticket that is a reactive
-- ticket, by entry date. Target: 0.3 hours per endpoint managed at the month's end.
WITH months AS (
  SELECT m::DATE AS month,
         timezone('UTC', timezone('America/Chicago', m + INTERVAL 1 MONTH)) AS end_utc,
         timezone('UTC', timezone('America/Chicago', m - INTERVAL 11 MONTH)) AS prior_end_utc
  FROM range($start::TIMESTAMP, $end::TIMESTAMP, INTERVAL 1 MONTH) AS t(m)
),
endpoints AS (
  SELECT m.month, count(d.id) AS n
  FROM months AS m
  LEFT JOIN raw_ninja_devices AS d
    ON d.approval_status = 'APPROVED'
   AND d.node_class IN ('WINDOWS_WORKSTATION', 'MAC', 'LINUX_WORKSTATION', 'WINDOWS_SERVER',
                        'LINUX_SERVER', 'MAC_SERVER', 'VMWARE_VM_HOST', 'VMWARE_VM_GUEST',
                        'HYPERV_VMM_HOST', 'HYPERV_VMM_GUEST')
   AND d.created < m.end_utc AND (d.removed_at IS NULL OR d.removed_at >= m.end_utc)
  GROUP BY 1
),
reactive AS (
  SELECT id, date_entered, closed_date, closed_flag FROM raw_cw_tickets
  WHERE board = 'Help Desk' AND parent_ticket_id IS NULL
),
hours AS (
  SELECT date_trunc('month', timezone('America/Chicago', timezone('UTC', e.date_entered)))::DATE AS month, sum(e.actual_hours) AS n
  FROM raw_cw_time_entries AS e
  WHERE e.charge_to_type = 'ServiceTicket' AND e.charge_to_id IN (SELECT id FROM reactive)
  GROUP BY 1
)
SELECT strftime(m.month, '%Y-%m') AS period, h.n AS value, 0.3 * nullif(e.n, 0) AS target
FROM months AS m LEFT JOIN hours AS h USING (month) LEFT JOIN endpoints AS e USING (month)
