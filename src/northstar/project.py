"""`Project`: the open project folder. CLI commands, web routes and tests all go through it."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from northstar.config import CONFIG_FILE, DEFAULT_TOML, Settings, load_settings
from northstar.engines import Engine, connect
from northstar.errors import ConfigError, LoadError, NorthstarError
from northstar.ledger.anchor import ANCHOR_FILE, HeadAnchor
from northstar.ledger.corrections import Corrections, parse_number
from northstar.ledger.definitions import Definitions, Recorded
from northstar.ledger.hashing import ChainKey
from northstar.ledger.schema import RESERVED
from northstar.ledger.store import Ledger, LoadResult, raw_table, utcnow
from northstar.ledger.verify import VerifyReport, verify
from northstar.metrics.catalog import Catalog, load_catalog
from northstar.metrics.compute import MetricComputer, MetricValue
from northstar.models import parsecache
from northstar.models.parsecache import ParseCache
from northstar.models.templating import MACROS_DIR, SqlTemplates
from northstar.models.views import DISAGREEMENTS, ModelBuilder
from northstar.people import PEOPLE_FILE, load_people
from northstar.periods import Calendar, Period
from northstar.reference import REFERENCE_DIR, ReferenceLoad, load_reference
from northstar.secret import (
    SECRET_DIR,
    load_ledger_key,
    load_or_create_ledger_key,
    load_or_create_secret,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from northstar.packs import Pack

__all__ = ["Project"]


class Project:
    """A project folder: settings, the engine, the ledger, the models and the metrics."""

    def __init__(self, root: Path, settings: Settings, engine: Engine, *,
                 read_only: bool = False) -> None:
        self.root = root
        self.settings = settings
        self.engine = engine
        self.read_only = read_only
        self._parse_cache = ParseCache(root / SECRET_DIR / "cache" / "sql.json")
        parsecache.use(self._parse_cache)
        # The ledger key and head anchor live beside the secret, outside the database.
        secret = load_ledger_key(root) if read_only else load_or_create_ledger_key(root)
        key = None if secret is None else ChainKey(secret)
        anchor = HeadAnchor(root / SECRET_DIR / ANCHOR_FILE)
        self.definitions = Definitions(engine, root, key, anchor)
        self.ledger = Ledger(engine, key=key, anchor=anchor, definitions=self.definitions)
        self.corrections = Corrections(self.ledger)
        self.calendar = Calendar(settings.company.timezone,
                                 settings.company.fiscal_year_start_month)
        self.models = ModelBuilder(engine, root / "models", settings.ownership,
                                   SqlTemplates.for_folder(root / "models", {
                                       # period bounds in SQL: `var('company_timezone')`
                                       "company_timezone": settings.company.timezone,
                                       **settings.vars}),
                                   on_built=None if read_only else self._views_built)
        self._build_reason = "views rebuilt"
        """Why the views are being built: recorded with the definitions they give."""

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, folder: str | Path = ".", *, read_only: bool = False) -> Project:
        root = Path(folder).resolve()
        if not (root / CONFIG_FILE).exists():
            raise ConfigError(f"{root} is not a Northstar project (no {CONFIG_FILE}); "
                              "create one with `northstar init`")
        settings = load_settings(root)
        engine = connect(settings.engine.url, root, read_only=read_only,
                         memory_limit=settings.engine.memory_limit,
                         threads=settings.engine.threads)
        return cls(root, settings, engine, read_only=read_only)

    @classmethod
    def init(cls, folder: str | Path, *, name: str = "My company", timezone: str = "UTC",
             fiscal_year_start_month: int = 1, engine_url: str = "duckdb:///northstar.duckdb",
             pack: Pack | None = None) -> Project:
        """Create a project folder (and copy a pack's files into it: metrics, models, checks,
        dashboards, macros, reference files, people and the QBR layout; its reference files
        are loaded)."""
        root = Path(folder).resolve()
        if (root / CONFIG_FILE).exists():
            raise ConfigError(f"{root / CONFIG_FILE} already exists; open the project instead")
        root.mkdir(parents=True, exist_ok=True)
        for sub in ("metrics", "models", "dashboards", "checks", MACROS_DIR, REFERENCE_DIR):
            (root / sub).mkdir(exist_ok=True)
        load_or_create_secret(root)  # signs sessions and tokens; kept outside the database
        load_or_create_ledger_key(root)  # keys the ledger's hash chain
        (root / CONFIG_FILE).write_text(DEFAULT_TOML.format(
            name=name.replace('"', "'"), timezone=timezone, fiscal=fiscal_year_start_month,
            url=engine_url,
        ), encoding="utf-8")
        if pack is not None:
            if pack.ownership:  # the pack says which source owns which facts
                from northstar.packs.manifest import ownership_toml

                with (root / CONFIG_FILE).open("a", encoding="utf-8") as f:
                    f.write(ownership_toml(pack.ownership))
            for src, dst in ((pack.metrics_dir, root / "metrics"),
                             (pack.models_dir, root / "models"),
                             (pack.dashboards_dir, root / "dashboards"),
                             (pack.checks_dir, root / "checks"),
                             (pack.macros_dir, root / MACROS_DIR),
                             (pack.reference_dir, root / REFERENCE_DIR)):
                for file in sorted(src.glob("*")) if src.is_dir() else []:
                    shutil.copy2(file, dst / file.name)
            templates = pack.metrics_dir.parent / "templates"  # files to fill in, if any
            if templates.is_dir():
                shutil.copytree(templates, root / "templates", dirs_exist_ok=True)
            shutil.copy2(pack.people_file, root / PEOPLE_FILE)
            if pack.qbr_file.is_file():  # the quarterly business review's layout, if any
                shutil.copy2(pack.qbr_file, root / pack.qbr_file.name)
        else:
            (root / PEOPLE_FILE).write_text(
                "# Who owns which metric: one metric per person.\npeople: []\n", encoding="utf-8"
            )
        project = cls.open(root)
        if project.catalog.errors:  # validate the files we just wrote
            project.close()
            raise project.catalog.errors[0]
        try:
            from northstar.qbr import load_layout

            load_layout(root, project.catalog)  # names only metrics the files declare
        except NorthstarError:
            project.close()
            raise
        try:
            project.load_reference()
        except NorthstarError as exc:
            project.close()
            raise LoadError(f"{exc} (the project is created; once the file is right, load it "
                            "with `northstar reference`)") from None
        return project

    def close(self) -> None:
        self._parse_cache.save()
        if parsecache.active() is self._parse_cache:
            parsecache.use(None)
        self.engine.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- files ---------------------------------------------------------------------------
    @cached_property
    def catalog(self) -> Catalog:
        """The metric files; one with a mistake is left out, its error in `catalog.errors`."""
        people, lines, path = load_people(self.root)
        return load_catalog(self.root, people, lines, path, strict=False)

    @cached_property
    def metrics(self) -> MetricComputer:
        return MetricComputer(
            self.engine, self.corrections, self.catalog, self.calendar, self.models,
            freeze=self.settings.freeze.closed_periods,
            freeze_after_days=self.settings.freeze.after_days, read_only=self.read_only,
        )

    def period(self, text: str) -> Period:
        return self.calendar.parse(text)

    # -- writing the ledger ----------------------------------------------------------------
    def append(self, name: str, data: pa.Table, *, source: str, id_column: str = "id",
               tags: dict[str, str] | None = None) -> LoadResult:
        return self.ledger.append(raw_table(name), data, source=source, id_column=id_column,
                                  tags=tags)

    def load_file(self, name: str, path: str | Path, *, source: str, id_column: str = "id",
                  tags: dict[str, str] | None = None) -> LoadResult:
        """Append a CSV or JSON Lines file to raw table `name`: every row, or none."""
        table = raw_table(name)
        known = dict(self.engine.columns(table) or [])
        started = utcnow()
        try:
            from northstar.ledger.files import read_records

            data = read_records(Path(path), known, self.settings.load)
        except LoadError as exc:
            self.ledger.record_failure(table, source, started, str(exc))
            raise
        return self.ledger.append(table, data, source=source, id_column=id_column, tags=tags)

    def load_reference(self, paths: list[Path] | None = None) -> list[ReferenceLoad]:
        """Load the reference files (`reference/*.csv`) that differ from what the ledger holds:
        one load per changed file, rows no longer in it marked deleted."""
        return load_reference(self, paths)

    def adjust_record(self, name: str, record_id: str, field: str, value: str | None, *,
                      author: str, reason: str, effective: date | None = None) -> LoadResult:
        """Correct one field of one record. The raw row stays as it was."""
        table = raw_table(name)
        columns = dict(self.engine.columns(table) or [])
        if not columns:
            raise NorthstarError(f"there is no raw table {name!r} to correct")
        if field in RESERVED:
            raise NorthstarError(f"{field} is kept by the ledger and cannot be corrected")
        if field not in columns:
            fields = ", ".join(c for c in columns if c not in RESERVED)
            raise NorthstarError(f"{name} has no field {field!r} to correct; fields: {fields}")
        if not self.engine.scalar(f'SELECT count(*) FROM "{table}" WHERE source_id = ?',
                                  [record_id]):
            raise NorthstarError(f"{name} has no record with id {record_id!r}")
        if value is not None:
            from northstar.ledger.files import converter

            try:
                converter(columns[field])(value)
            except ValueError as exc:
                raise NorthstarError(f"{field} holds {columns[field]}: {exc}") from None
        return self.corrections.adjust_record(name, record_id, field, value, author=author,
                                              reason=reason, effective=effective)

    def adjust_metric(self, metric: str, period: str, delta: str | Decimal, *, author: str,
                      reason: str, effective: date | None = None) -> LoadResult:
        self.catalog.get(metric)
        p = self.period(period)
        amount = delta if isinstance(delta, Decimal) else parse_number(delta, "the correction")
        return self.corrections.adjust_metric(metric, str(p), amount, author=author,
                                              reason=reason, effective=effective)

    def explain(self, check: str, record: str, period: str, *, author: str,
                reason: str) -> LoadResult:
        """Explain a row a check flags (a supplier's year, say): the check passes for it from
        now on, and the reason is kept with who gave it and when."""
        from northstar.checks import CHECKS_DIR, read_checks

        names = [c.name for c in read_checks(self.root / CHECKS_DIR)]
        if check not in names:
            raise NorthstarError(f"there is no check {check!r} to explain; checks: "
                                 + (", ".join(names) or "none"))
        return self.corrections.explain(check, record, period, author=author, reason=reason)

    def set_manual(self, metric: str, period: str, value: str | Decimal | None, *, author: str,
                   note: str | None = None, release: bool = False) -> LoadResult:
        """Enter a manual value for a period, or (release=True) hand it back to collection."""
        self.catalog.get(metric)
        p = self.period(period)
        if release:
            if (metric, str(p)) not in self.corrections.manual_values():
                raise NorthstarError(f"{metric} has no manual value for {p} to hand back")
            return self.corrections.set_manual(metric, str(p), None, author=author, note=note,
                                               release=True)
        if value is None:
            raise NorthstarError("a manual value needs a value (or --release)")
        amount = value if isinstance(value, Decimal) else parse_number(value, "the value")
        return self.corrections.set_manual(metric, str(p), amount, author=author, note=note)

    # -- reading ---------------------------------------------------------------------------
    def compute(self, metrics: list[str] | None = None, periods: list[str] | None = None,
                by: str | None = None, filters: dict[str, str] | None = None,
                ) -> list[MetricValue]:
        names = metrics or list(self.catalog.metrics)
        parsed = [self.period(p) for p in periods] if periods else None
        return self.metrics.compute(names, parsed, by=by, filters=filters)

    def recompute(self, metric: str, period: str, *, reason: str, author: str) -> MetricValue:
        return self.metrics.recompute(metric, self.period(period), reason=reason, author=author)

    def verify(self) -> VerifyReport:
        return verify(self.engine, key=self.ledger.key, anchor=self.ledger.anchor,
                      root=self.root)

    def record_definitions(self) -> Recorded:
        """Build the model views from the files again and record the project's definitions
        (a new version only when something changed): the explicit route for an edit."""
        if self.read_only:
            raise NorthstarError("the project is open read-only: nothing can be recorded")
        self.metrics.state()  # views current with the ledger and the model files
        self._build_reason = "recorded by hand"
        try:
            self.models.refresh()  # and built from the files, whatever the database held
        finally:
            self._build_reason = "views rebuilt"
        newest = self.definitions.newest()
        assert newest is not None  # every build records (or finds) a version
        return newest

    def _views_built(self, views: list[str]) -> None:
        live = self.definitions.live_views()
        self.definitions.record({name: live[name] for name in views if name in live},
                                self._build_reason)

    def findings(self) -> list[dict[str, Any]]:
        """Data-quality findings: records where sources disagree on a fact one of them owns."""
        self.metrics.state()
        if DISAGREEMENTS not in self.engine.relations():
            return []
        return list(self.engine.query(f"SELECT * FROM {DISAGREEMENTS} ORDER BY 1, 2, 3")
                    .to_pylist())

    def load_sample(self, pack: Pack, rows: int, *, seed: int = 7, end: date | None = None,
                    progress: Any = None) -> int:
        """Append a pack's sample company to the ledger; returns the number of rows."""
        total = 0
        for batch in pack.sample(rows, seed=seed, end=end):
            if batch.data.num_rows == 0:
                continue
            result = self.append(batch.name, batch.data, source=batch.source,
                                 id_column=batch.id_column)
            total += result.rows
            if progress is not None:
                progress(batch.name, result.rows)
        if total == 0:
            raise LoadError("the sample generator produced no rows")
        return total
