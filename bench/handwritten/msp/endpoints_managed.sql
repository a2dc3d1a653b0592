-- Endpoints managed at each month's end: approved devices of an endpoint node class, created
-- before local midnight ending the month and not removed by then.
-- Target: 10% more than at the same month's end a year earlier.
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
prior AS (
  SELECT m.month, count(d.id) AS n
  FROM months AS m
  LEFT JOIN raw_ninja_devices AS d
    ON d.approval_status = 'APPROVED'
   AND d.node_class IN ('WINDOWS_WORKSTATION', 'MAC', 'LINUX_WORKSTATION', 'WINDOWS_SERVER',
                        'LINUX_SERVER', 'MAC_SERVER', 'VMWARE_VM_HOST', 'VMWARE_VM_GUEST',
                        'HYPERV_VMM_HOST', 'HYPERV_VMM_GUEST')
   AND d.created < m.prior_end_utc
   AND (d.removed_at IS NULL OR d.removed_at >= m.prior_end_utc)
  GROUP BY 1
)
SELECT strftime(m.month, '%Y-%m') AS period, e.n AS value, 1.10 * nullif(p.n, 0) AS target
FROM months AS m LEFT JOIN endpoints AS e USING (month) LEFT JOIN prior AS p USING (month)
