"""Green, yellow, red — or grey when there is no number to judge."""

from __future__ import annotations

from decimal import Decimal

from northstar.metrics.definition import Bands, MetricDef

DEFAULT_BANDS = {
    "higher": Bands(relative_to="target", green=1.0, yellow=0.9),
    "lower": Bands(relative_to="target", green=1.0, yellow=1.1),
}


def status_of(metric: MetricDef, value: Decimal | float | None,
              target: float | None, *, scale: float = 1.0, size: float = 1.0) -> str | None:
    """The status colour, or None when the metric has neither bands nor a target to judge by.

    `scale` pro-rates what the value is judged against (the target, or absolute bands): an open
    period's running total, a third of the way through, is judged against a third of it.
    `size` scales absolute bands alone: a monthly total judged over a week, whose target is
    already the week's."""
    if value is None:
        return "grey"
    bands = metric.bands or (DEFAULT_BANDS[metric.direction] if target is not None else None)
    if bands is None:
        return None
    if bands.relative_to == "target":
        if target is None:
            return None
        green, yellow = bands.green * target * scale, bands.yellow * target * scale
    else:
        green, yellow = bands.green * scale * size, bands.yellow * scale * size
    v = float(value)
    if metric.direction == "higher":
        return "green" if v >= green else "yellow" if v >= yellow else "red"
    return "green" if v <= green else "yellow" if v <= yellow else "red"
