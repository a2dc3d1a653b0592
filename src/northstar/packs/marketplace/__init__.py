"""The marketplace pack: a two-sided sampling marketplace (brands buy product sampling at events;
venues and organisers are paid out). Net revenue is the north star; eighteen people each own one
metric, from NRR and pipeline coverage to collection rate and net payout retention."""

from __future__ import annotations

from pathlib import Path

from northstar.packs import Pack
from northstar.packs.marketplace.sample import generate

__all__ = ["PACK"]

PACK = Pack(
    name="marketplace",
    description=(
        "Two-sided marketplace: brands buy product sampling at events, organisers are paid out. "
        "Net revenue (GMV + discounts - credit memos - payouts + vendor credits) as north star; "
        "NRR, concentration, pipeline coverage, collections, payouts and supply growth."
    ),
    root=Path(__file__).parent,
    generate=generate,
)
