"""Green, yellow, red — or grey when there is no number to judge."""

from __future__ import annotations

from decimal import Decimal

from northstar.metrics.definition import Bands, MetricDef

DEFAULT_BANDS = {
    "higher": Bands(relative_to="target", green=1.0, yellow=0.9),
    "lower": Bands(relative_to="target", green=1.0, yellow=1.1),
}


def status_of(metric: MetricDef, value: Decimal | float | None,
              target: float | None) -> str | None:
    """The status colour, or None when the metric has neither bands nor a target to judge by."""
    if value is None:
        return "grey"
    bands = metric.bands or (DEFAULT_BANDS[metric.direction] if target is not None else None)
    if bands is None:
        return None
    if bands.relative_to == "target":
        if target is None:
            return None
        green, yellow = bands.green * target, bands.yellow * target
    else:
        green, yellow = bands.green, bands.yellow
    v = float(value)
    if metric.direction == "higher":
        return "green" if v >= green else "yellow" if v >= yellow else "red"
    return "green" if v <= green else "yellow" if v <= yellow else "red"
