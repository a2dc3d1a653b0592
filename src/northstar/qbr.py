"""`qbr.yml`: the quarterly business review's layout. Which metrics it shows, in which sections,
which section holds the SmartNumbers, and the vendor id each source is known by in the API.

The file only names metrics; every number still comes from the metric layer. docs/qbr.md is
the reference for users."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from northstar.errors import ConfigError
from northstar.files import load_yaml, validate
from northstar.suggest import did_you_mean

if TYPE_CHECKING:
    from northstar.metrics.catalog import Catalog

__all__ = ["QBR_FILE", "QbrLayout", "load_layout"]

QBR_FILE = "qbr.yml"
_NAME = r"^[a-z][a-z0-9_]*$"


class QbrLayout(BaseModel):
    """`qbr.yml`, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = "Quarterly business review"
    """The report's heading."""
    smartnumbers: str = "SmartNumbers"
    """The section whose metrics are the SmartNumbers: shown against the previous quarter and
    the same quarter last year, with a five-quarter trend. Every other section is inputs."""
    sections: dict[str, list[str]] = Field(min_length=1)
    """Section title -> metric names, in the order the report shows them."""
    vendors: dict[str, int] = {}
    """Source name (as loads record it, `source_name`) -> the vendor id the QBR API reports
    for metrics that read it, e.g. `connectwise: 3`. `manual` is the id of a metric entered
    only by hand (it reads no source)."""

    @field_validator("sections")
    @classmethod
    def _sections(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for title, names in v.items():
            if not names:
                raise ValueError(f"section {title!r} lists no metric")
            for name in names:
                if not isinstance(name, str) or not re.match(_NAME, name):
                    raise ValueError(f"section {title!r}: {name!r} is not a metric name")
        return v

    @property
    def smart(self) -> list[str]:
        """The SmartNumbers, in order."""
        return list(self.sections.get(self.smartnumbers, []))

    @property
    def input_sections(self) -> dict[str, list[str]]:
        """Every section but the SmartNumbers: the monthly inputs behind them."""
        return {t: list(n) for t, n in self.sections.items() if t != self.smartnumbers}

    @property
    def inputs(self) -> list[str]:
        return [n for names in self.input_sections.values() for n in names]

    def section_of(self, metric: str) -> str | None:
        return next((t for t, names in self.sections.items() if metric in names), None)


def load_layout(root: Path, catalog: Catalog) -> QbrLayout | None:
    """The project's `qbr.yml` checked against its metrics; None when it has none. A metric
    no metric file declares, or one listed twice, is a `qbr.yml:LINE: ...` error."""
    path = root / QBR_FILE
    if not path.is_file():
        return None
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping with `sections:`", path=str(path), line=1)
    layout = validate(QbrLayout, data, path, lines)
    seen: dict[str, str] = {}
    for title, names in layout.sections.items():
        for i, name in enumerate(names):
            line = lines.get(("sections", title, i))
            if name not in catalog.metrics:
                hint = did_you_mean(name, catalog.metrics)
                raise ConfigError(f"section {title!r}: no metric named {name!r}"
                                  + (f"; {hint}" if hint else ""), path=str(path), line=line)
            if name in seen:
                raise ConfigError(f"{name!r} is listed twice (in {seen[name]!r} and "
                                  f"{title!r}); list a metric once", path=str(path), line=line)
            seen[name] = title
    if layout.smartnumbers not in layout.sections:
        raise ConfigError(f"smartnumbers names section {layout.smartnumbers!r}, which is not "
                          "one of the sections", path=str(path),
                          line=lines.get(("smartnumbers",), lines.get(("sections",))))
    return layout
