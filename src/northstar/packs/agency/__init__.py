"""The agency pack: an agency and coaching business that sells through paid funnels (Meta and
YouTube ads, GA4's event log), books and runs its sales calls in GoHighLevel, collects through
Stripe and keeps its clients' milestones in a delivery file. MER, CPL, show and close rates,
the funnel's steps, hook and hold rates, client health, NRR and churn, seven departments and the
leadership dashboard. `pack.toml` says what it reads; `sample/` is its sample company."""

from __future__ import annotations

from pathlib import Path

from northstar.packs import load_pack

__all__ = ["PACK"]

PACK = load_pack(Path(__file__).parent)
