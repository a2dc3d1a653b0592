"""The project's metrics: every metric file, checked against each other and people.yml.

A metric file with a mistake is left out and its error kept in `Catalog.errors` (file, line,
what was wrong), so one typo stops neither `northstar compute` nor the web app: the other
metrics load as usual. A metric whose expression names one left out is left out too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from northstar.errors import ConfigError, MetricError, UnknownMetricError
from northstar.files import load_yaml, validate
from northstar.metrics.definition import MetricChecks, MetricDef, phrase
from northstar.people import Person
from northstar.suggest import did_you_mean


@dataclass(frozen=True)
class Catalog:
    metrics: dict[str, MetricDef]
    people: dict[str, Person]
    files: dict[str, Path]
    errors: tuple[ConfigError, ...] = ()
    """Metric files that did not load, in file order: each error names file, line and what
    was wrong."""
    left_out: dict[str, ConfigError] = field(default_factory=dict)
    """Names declared by files that did not load (or built on one), and why."""

    def __iter__(self) -> Iterator[MetricDef]:
        return iter(self.metrics.values())

    def __len__(self) -> int:
        return len(self.metrics)

    def get(self, name: str) -> MetricDef:
        """The metric of that name; a mistyped name says which metrics it looks like."""
        found = self.metrics.get(name)
        if found is not None:
            return found
        error = self.left_out.get(name)
        if error is not None:
            raise MetricError(f"metric {name!r} is left out until its file is fixed: {error}")
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
                 people_lines: dict[tuple[str | int, ...], int], people_path: Path, *,
                 strict: bool = True) -> Catalog:
    """Every metric file under `folder/metrics`, checked against each other and people.yml.

    `strict` raises the first mistake. Otherwise a metric file with a mistake is left out and
    its error kept in `Catalog.errors`; a metric built on one left out is left out too. A
    mistake in people.yml itself is raised either way."""
    metrics: dict[str, MetricDef] = {}
    files: dict[str, Path] = {}
    lines_of: dict[str, dict[tuple[str | int, ...], int]] = {}
    errors: list[ConfigError] = []
    left_out: dict[str, ConfigError] = {}
    goals: dict[str, str] = {}
    """Asana goal gid -> the metric that pushes to it: one metric per goal."""
    words: dict[str, tuple[str, str]] = {}
    """A phrase that finds a metric (name, title or synonym) -> (metric, which of them)."""

    def leave_out(name: str | None, error: ConfigError, *, report: bool = True) -> None:
        if strict:
            raise error
        if report:
            errors.append(error)
        if name is not None and name not in metrics:
            left_out.setdefault(name, error)

    def drop(name: str, error: ConfigError, *, report: bool = True) -> None:
        del metrics[name], files[name]
        leave_out(name, error, report=report)

    for path in sorted((folder / "metrics").glob("*.y*ml")):
        declared: str | None = None
        try:
            data, lines = load_yaml(path)
            if not isinstance(data, dict):
                raise ConfigError("a metric file holds one mapping of fields", path=str(path),
                                  line=1)
            declared = data["name"] if isinstance(data.get("name"), str) else None
            metric = validate(MetricDef, data, path, lines)
            if metric.name in metrics:
                declared = None  # the name stands, declared by the first file
                raise ConfigError(f"metric {metric.name!r} is already declared in "
                                  f"{files[metric.name]}", path=str(path),
                                  line=lines.get(("name",)))
            if metric.asana is not None and metric.asana.goal in goals:
                raise ConfigError(f"Asana goal {metric.asana.goal} is already pushed by "
                                  f"{goals[metric.asana.goal]!r}: one metric per goal, or "
                                  "each push would undo the other", path=str(path),
                                  line=lines.get(("asana", "goal")))
            _check_words(metric, words, files, path, lines)
        except ConfigError as exc:
            leave_out(declared, exc)
            continue
        for i, word in enumerate((metric.name, metric.title, *metric.synonyms)):
            words.setdefault(phrase(word), (metric.name, ("the name", "the title")[i]
                                            if i < 2 else "a synonym"))
        metrics[metric.name] = metric
        files[metric.name] = path
        if metric.asana is not None:
            goals[metric.asana.goal] = metric.name
        lines_of[metric.name] = lines

    by_id = {p.id: p for p in people}
    for i, person in enumerate(people):
        if list(by_id).count(person.id) > 1 or by_id[person.id] is not person:
            raise ConfigError(f"person id {person.id!r} appears twice", path=str(people_path),
                              line=people_lines.get(("people", i, "id")))
        if (person.metric is not None and person.metric not in metrics
                and person.metric not in left_out):  # a file left out has its own error
            raise ConfigError(
                f"{person.id} owns metric {person.metric!r}, which no file in metrics/ declares",
                path=str(people_path), line=people_lines.get(("people", i, "metric")),
            )
        other = next((p for p in people[:i] if p.metric and p.metric == person.metric), None)
        if other is not None:
            raise ConfigError(f"metric {person.metric!r} is owned by both {other.id} and "
                              f"{person.id}; one metric, one owner", path=str(people_path),
                              line=people_lines.get(("people", i, "metric")))

    changed = True
    while changed:  # until no metric is left that leans on one left out
        changed = False
        for name in list(metrics):
            error = _mistake(name, metrics, files[name], lines_of[name], by_id, left_out)
            if error is not None:
                drop(name, error)
                changed = True
        cycle = None if changed else _cycle(metrics)
        if cycle is not None:
            error = ConfigError("metric expressions form a cycle: " + " -> ".join(cycle),
                                path=str(files[cycle[0]]))
            for i, name in enumerate(dict.fromkeys(cycle)):
                drop(name, error, report=i == 0)
            changed = True
    return Catalog(metrics, by_id, files, tuple(errors), left_out)


def _check_words(metric: MetricDef, words: dict[str, tuple[str, str]], files: dict[str, Path],
                 path: Path, lines: dict[tuple[str | int, ...], int]) -> None:
    """A synonym must find this metric only: not its own name or title again, nor the name,
    title or synonym of a metric declared before it; nor may its name or title be an earlier
    metric's synonym."""
    own = {phrase(metric.name), phrase(metric.title)}
    for i, word in enumerate(metric.synonyms):
        line = lines.get(("synonyms", i), lines.get(("synonyms",)))
        if phrase(word) in own:
            raise ConfigError(f"synonym {word!r} is the metric's own name or title; list only "
                              "other words for it", path=str(path), line=line)
        found = words.get(phrase(word))
        if found is not None:
            other, what = found
            raise ConfigError(f"synonym {word!r} of {metric.name} is already {what} of "
                              f"metric {other!r} in {files[other]}; a synonym may find one "
                              "metric only", path=str(path), line=line)
    for what, word in (("name", metric.name), ("title", metric.title)):
        found = words.get(phrase(word))
        if found is not None and found[1] == "a synonym":
            raise ConfigError(f"metric {what} {word!r} is already a synonym of metric "
                              f"{found[0]!r} in {files[found[0]]}; a synonym may find one "
                              "metric only", path=str(path), line=lines.get((what,)))


def _mistake(name: str, metrics: dict[str, MetricDef], path: Path,
             lines: dict[tuple[str | int, ...], int], by_id: dict[str, Person],
             left_out: dict[str, ConfigError]) -> ConfigError | None:
    """What is wrong with a metric given the others and people.yml (None: nothing)."""
    metric = metrics[name]
    if metric.owner is not None:
        if metric.owner not in by_id:
            return ConfigError(f"owner {metric.owner!r} is not a person in people.yml",
                               path=str(path), line=lines.get(("owner",)))
        listed = by_id[metric.owner].metric
        if listed is not None and listed != name:
            return ConfigError(f"owner {metric.owner!r} owns {listed!r} in people.yml, "
                               f"not {name!r}", path=str(path), line=lines.get(("owner",)))
    if metric.asana is not None and metric.asana.set_target and metric.target is None:
        return ConfigError("asana.set_target is true but the metric has no target: add a "
                           "`target:` or leave set_target out", path=str(path),
                           line=lines.get(("asana", "set_target")))
    for ref in metric.referenced_metrics():
        if ref not in metrics:
            why = ("which is left out: its file does not load" if ref in left_out else
                   "which is not a metric")
            return ConfigError(f"expression names {ref!r}, {why}", path=str(path),
                               line=lines.get(("expression",)))
        if metric.dimensions and not set(metric.dimensions) <= set(metrics[ref].dimensions):
            return ConfigError(f"dimensions: {ref!r} cannot be sliced by all of "
                               f"{metric.dimensions}", path=str(path),
                               line=lines.get(("dimensions",)))
    if metric.checks != MetricChecks() and not _collected(metric, metrics):
        return ConfigError(
            "checks judge collected values after each collection run, and this metric's "
            "values are typed in (manual), so they would never run: remove them, or put them "
            "on the metric that collects the number", path=str(path),
            line=lines.get(("checks",)))
    return None


def _collected(metric: MetricDef, metrics: dict[str, MetricDef],
               seen: frozenset[str] = frozenset()) -> bool:
    """The metric's value comes, at least in part, from collected data (not only from manual
    values): what the collection checks can judge."""
    if metric.kind != "expression":
        return metric.kind != "manual"
    return any(ref in metrics and ref not in seen
               and _collected(metrics[ref], metrics, seen | {metric.name})
               for ref in metric.referenced_metrics())


def _cycle(metrics: dict[str, MetricDef]) -> list[str] | None:
    """The first loop of expressions found (`[a, b, a]`), or None."""
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> list[str] | None:
        if state.get(name) == 2:
            return None
        if state.get(name) == 1:
            return [*path[path.index(name):], name]
        state[name] = 1
        for ref in metrics[name].referenced_metrics():
            found = visit(ref, [*path, name])
            if found is not None:
                return found
        state[name] = 2
        return None

    for name in metrics:
        found = visit(name, [])
        if found is not None:
            return found
    return None
