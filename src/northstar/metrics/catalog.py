"""The project's metrics: every metric file, checked against each other and people.yml."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from northstar.errors import ConfigError, UnknownMetricError
from northstar.files import load_yaml, validate
from northstar.metrics.definition import MetricDef
from northstar.people import Person
from northstar.suggest import did_you_mean


@dataclass(frozen=True)
class Catalog:
    metrics: dict[str, MetricDef]
    people: dict[str, Person]
    files: dict[str, Path]

    def __iter__(self) -> Iterator[MetricDef]:
        return iter(self.metrics.values())

    def __len__(self) -> int:
        return len(self.metrics)

    def get(self, name: str) -> MetricDef:
        """The metric of that name; a mistyped name says which metrics it looks like."""
        found = self.metrics.get(name)
        if found is not None:
            return found
        hint = did_you_mean(name, self.metrics)
        raise UnknownMetricError(f"unknown metric {name!r} — {hint}" if hint else (
            f"unknown metric {name!r}; no metric has a name like it (`northstar metrics` "
            "lists them)"))

    def owner_of(self, name: str) -> Person | None:
        metric = self.get(name)
        if metric.owner is not None:
            return self.people.get(metric.owner)
        return next((p for p in self.people.values() if p.metric == name), None)


def load_catalog(folder: Path, people: list[Person],
                 people_lines: dict[tuple[str | int, ...], int], people_path: Path) -> Catalog:
    metrics: dict[str, MetricDef] = {}
    files: dict[str, Path] = {}
    lines_of: dict[str, dict[tuple[str | int, ...], int]] = {}
    for path in sorted((folder / "metrics").glob("*.y*ml")):
        data, lines = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError("a metric file holds one mapping of fields", path=str(path), line=1)
        metric = validate(MetricDef, data, path, lines)
        if metric.name in metrics:
            raise ConfigError(f"metric {metric.name!r} is already declared in "
                              f"{files[metric.name]}", path=str(path), line=lines.get(("name",)))
        metrics[metric.name] = metric
        files[metric.name] = path
        lines_of[metric.name] = lines

    by_id = {p.id: p for p in people}
    for i, person in enumerate(people):
        if list(by_id).count(person.id) > 1 or by_id[person.id] is not person:
            raise ConfigError(f"person id {person.id!r} appears twice", path=str(people_path),
                              line=people_lines.get(("people", i, "id")))
        if person.metric is not None and person.metric not in metrics:
            raise ConfigError(
                f"{person.id} owns metric {person.metric!r}, which no file in metrics/ declares",
                path=str(people_path), line=people_lines.get(("people", i, "metric")),
            )
        other = next((p for p in people[:i] if p.metric and p.metric == person.metric), None)
        if other is not None:
            raise ConfigError(f"metric {person.metric!r} is owned by both {other.id} and "
                              f"{person.id}; one metric, one owner", path=str(people_path),
                              line=people_lines.get(("people", i, "metric")))

    for name, metric in metrics.items():
        path, lines = files[name], lines_of[name]
        if metric.owner is not None:
            if metric.owner not in by_id:
                raise ConfigError(f"owner {metric.owner!r} is not a person in people.yml",
                                  path=str(path), line=lines.get(("owner",)))
            listed = by_id[metric.owner].metric
            if listed is not None and listed != name:
                raise ConfigError(f"owner {metric.owner!r} owns {listed!r} in people.yml, "
                                  f"not {name!r}", path=str(path), line=lines.get(("owner",)))
        for ref in metric.referenced_metrics():
            if ref not in metrics:
                raise ConfigError(f"expression names {ref!r}, which is not a metric",
                                  path=str(path), line=lines.get(("expression",)))
            if metric.dimensions and not set(metric.dimensions) <= set(metrics[ref].dimensions):
                raise ConfigError(f"dimensions: {ref!r} cannot be sliced by all of "
                                  f"{metric.dimensions}", path=str(path),
                                  line=lines.get(("dimensions",)))
    _check_cycles(metrics, files)
    return Catalog(metrics, by_id, files)


def _check_cycles(metrics: dict[str, MetricDef], files: dict[str, Path]) -> None:
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = " -> ".join([*path[path.index(name):], name])
            raise ConfigError(f"metric expressions form a cycle: {cycle}", path=str(files[name]))
        state[name] = 1
        for ref in metrics[name].referenced_metrics():
            visit(ref, [*path, name])
        state[name] = 2

    for name in metrics:
        visit(name, [])
