"""The MSP pack: a managed-services provider that runs its quarterly business review (QBR) from
its PSA (ConnectWise Manage), its RMM (NinjaOne), its books (QuickBooks) and a few monthly inputs
entered by hand. Reactive tickets, endpoints, MRR and net profit as monthly inputs, the
SmartNumbers computed from them, and the QBR of a quarter against the one before and the same
quarter last year. `pack.toml` says what it reads; `sample/` is its sample company."""

from __future__ import annotations

from pathlib import Path

from northstar.packs import load_pack

__all__ = ["PACK"]

PACK = load_pack(Path(__file__).parent)
