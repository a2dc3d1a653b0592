-- Net profit by month: the P&L's income accounts less its expense accounts (both printed
-- positive). Target: 15% of the month's income.
WITH lines AS (
  SELECT month, amount,
         account IN ('Managed Services', 'Cloud & Licensing', 'Backup & Security Subscriptions',
                     'Project Services', 'Time & Materials', 'Hardware & Software Sales')
           AS income
  FROM raw_profit_and_loss
  WHERE month >= $start AND month < $end
    AND account IN ('Managed Services', 'Cloud & Licensing', 'Backup & Security Subscriptions',
                    'Project Services', 'Time & Materials', 'Hardware & Software Sales',
                    'Cost of Goods Sold:Agreement Tools & Licences',
                    'Cost of Goods Sold:Hardware & Software', 'Payroll - Technical',
                    'Payroll - Administrative & Sales', 'Rent', 'Insurance',
                    'Software & Subscriptions', 'Marketing', 'Professional Fees',
                    'Utilities & Telecom', 'Travel & Vehicles')
)
SELECT strftime(month, '%Y-%m') AS period,
       sum(CASE WHEN income THEN amount ELSE -amount END) AS value,
       0.15 * nullif(sum(CASE WHEN income THEN amount END), 0) AS target
FROM lines
GROUP BY 1
