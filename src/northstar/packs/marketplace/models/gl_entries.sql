-- The general ledger: one row per posting, from invoices, credit memos, bills, vendor credits,
-- payments, bill payments, journal entries, deposits and purchases (gl_postings), with the
-- account's number, name, type and classification. amount is signed (debit positive, credit
-- negative), and debit and credit give it as the two columns an accountant reads. A posting whose
-- account the chart of accounts does not hold keeps a blank classification: it reaches neither
-- the P&L nor the balance sheet.
select p.id, p.source_type, p.source_id, p.txn_date,
       cast(date_trunc('month', p.txn_date) as date) as month,
       p.account_id, coalesce(p.account_number, a.account_number) as account_number,
       a.account_name, a.account_type, a.classification, p.amount,
       case when p.amount > 0 then p.amount else 0 end as debit,
       case when p.amount < 0 then -p.amount else 0 end as credit,
       p.party_id
from gl_postings as p
left join ledger_accounts as a on a.account_id = p.account_id
