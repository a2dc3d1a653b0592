"""Attainment: how much of its target a value reaches, as a share (0.89 reads "89%").

1.0 is on target and more is beyond it, whichever way the metric points: value / target when
higher is better, target / value when lower is (10 hours against a ceiling of 8 is 80%). A
value that is itself a percent gives a ratio of ratios: 88% against a 99% goal is 0.88 / 0.99,
89% of goal (the gap in points, -11 pts, is what the change column shows). docs/metric-files.md
("Attainment") states every rule with worked examples."""

from __future__ import annotations

from decimal import Decimal


def attainment(value: Decimal | float | None, target: float | None,
               direction: str) -> float | None:
    """`value` against `target` as a share of it, the right way round for `direction`.

    None where the division says nothing a reader can trust:
    - no value, or no target;
    - a target of 0 or below (against 0 any value is infinitely far; against a negative target
      the ratio turns round: -25 against -50 is "50%" though it beats the target);
    - a lower-is-better value of 0 or below (better than any ratio can say).
    A negative value against a positive target, higher being better, is a negative share: -50
    against 500 is -10%."""
    if value is None or target is None or target <= 0:
        return None
    v = float(value)
    if direction == "lower":
        return target / v if v > 0 else None
    return v / target


def judged_attainment(value: Decimal | float | None, target: float | None,
                      direction: str, *, label: str | None = None,
                      graded: bool = True) -> float | None:
    """The attainment a page shows beside a status: none for a value shown in words (a
    label's number stands for a state, "not burning", not for an amount) or one not graded
    yet (an open rate before its minimum share of the period is gone)."""
    if label is not None or not graded:
        return None
    return attainment(value, target, direction)
