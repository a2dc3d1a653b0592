"""The marketplace pack: a two-sided sampling marketplace (brands buy product sampling at events;
venues and organisers are paid out). Net revenue is the north star; eighteen people each own one
metric, from NRR and pipeline coverage to collection rate and net payout retention. `pack.toml`
says what it reads; `sample/` is its sample company."""

from __future__ import annotations

from pathlib import Path

from northstar.packs import load_pack

__all__ = ["PACK"]

PACK = load_pack(Path(__file__).parent)
