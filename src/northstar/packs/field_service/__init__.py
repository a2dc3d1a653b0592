"""The field-service pack: a trades contractor (a painting company) that runs on ServiceTitan
and steers by daily KPIs per business unit, its sales units and production units kept apart.
ServiceTitan's jobs, estimates, invoices and payments carry business-unit and job-type ids;
the models join their names, fold retired units into the ones they are reported as, and sort
the job types into the KPI categories of `reference/job_types.csv`. `pack.toml` says what it
reads; `sample/` is its sample company."""

from __future__ import annotations

from pathlib import Path

from northstar.packs import load_pack

__all__ = ["PACK"]

PACK = load_pack(Path(__file__).parent)
