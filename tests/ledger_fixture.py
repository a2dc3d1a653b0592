"""The one-metric project the ledger's tests (tamper checks, the Spark engine) build on."""

NET_REVENUE = """\
name: net_revenue
title: Net revenue
description: Sum of invoice line amounts.
department: finance
unit: usd
model: invoice_lines
measure: sum(amount)
time_column: txn_date
target: {value: 100}
"""
