-- Reactive tickets per endpoint by local month: tickets created over endpoints at the end.
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
created AS (
  SELECT date_trunc('month', timezone('America/Chicago', timezone('UTC', date_entered)))::DATE AS month, count(*) AS n FROM reactive GROUP BY 1
)
SELECT strftime(m.month, '%Y-%m') AS period, c.n / nullif(e.n, 0) AS value
FROM months AS m LEFT JOIN created AS c USING (month) LEFT JOIN endpoints AS e USING (month)
