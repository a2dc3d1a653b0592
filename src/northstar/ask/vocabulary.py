"""What a question can name: metrics (name, title, synonyms), people, departments, teams and
the tag values in the data (a client, a funnel, a campaign), matched with typos allowed.

Matching is rapidfuzz's `ratio` between the question's words and each phrase: 88 or more is a
match; 75 to 88, or a second reading within 4 points of the first, is a question to ask back
(the two or three closest readings). Short words (under five letters: "gmv", "cash", "nora")
only match as typed, since one wrong letter in four is already a different word."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from northstar.engines.base import quote

if TYPE_CHECKING:
    from northstar.project import Project

__all__ = ["SURE", "UNSURE", "Match", "Term", "Vocabulary", "words"]

SURE = 88.0
"""A reading this close (rapidfuzz ratio, 0-100) is taken."""
UNSURE = 75.0
"""From here up to SURE a reading is asked back."""
NEAR = 4.0
"""A second reading within this many points of the first is asked back too."""
SHORT = 5
"""Phrases and words shorter than this only match exactly."""
MAX_VALUES = 2000
"""Distinct values read per tag (a client list); more are left to exact filters."""

NAME_COLUMNS = ("client_name", "name")
"""The columns a model names its clients in, next to client_id (the agency's clients model,
the marketplace's customers and suppliers lists)."""

Kind = Literal["metric", "person", "department", "team", "value"]
PRIORITY: dict[str, int] = {"metric": 0, "person": 1, "department": 2, "team": 3, "value": 4}
"""Which reading wins when words name two kinds of thing as well ("sales": a metric's synonym
and a department): a metric, then a person, a department, a team, a tag value."""
ASKED_BACK: tuple[Kind, ...] = ("metric", "person")
"""Only these are asked back when unsure; an unsure department or value is left out."""

_STOP = """
a an the what whats was were is are be been being how much many did do does done we our ours
us i me tell give get got please of for in on at to with and or it its this that these
those there have has had value values number numbers figure figures kpi kpis metric metrics
now about doing look looks looking like can you could would will should during since
from into as than then look up see know let lets want need current currently today
their them they he she his her which who whom whose where when much very quick quickly
by
"""
STOPWORDS = frozenset(_STOP.split())
"""Not "show": it names a metric ("show rate", "no-show rate"); "show me" is read as a word
that names nothing."""


def words(text: str) -> list[str]:
    """A text as the words matching compares: lower case, possessives and punctuation
    dropped (`Teresa's` is `teresa`, `CUS-00001` is `cus 00001`, `net_revenue` is `net
    revenue`), stopwords left out."""
    lowered = text.lower().replace("\N{RIGHT SINGLE QUOTATION MARK}", "'")
    lowered = re.sub(r"'s\b", "", lowered).replace("'", "")
    return [w for w in re.findall(r"[a-z0-9]+", lowered) if w not in STOPWORDS]


@dataclass(frozen=True)
class Term:
    """One phrase that names one thing."""

    phrase: str
    kind: Kind
    target: str
    """The metric's name, the person's id, the department, team or tag value."""
    label: str
    """How a choice shows it: the metric's title, the person's name, the client's name."""
    tag: str | None = None
    """For a tag value: its tag (client_id, source_funnel...)."""


@dataclass(frozen=True)
class Match:
    """Words of the question read as a term; `others` are readings as close (ask back)."""

    term: Term
    start: int
    end: int
    score: float
    others: tuple[Match, ...] = field(default=(), compare=False)

    @property
    def words(self) -> int:
        """How many words of the question it reads: the window's, or the phrase's when the
        window is wider (a word typed in two)."""
        return min(self.end - self.start, len(self.term.phrase.split()))

    @property
    def sure(self) -> bool:
        return self.score >= SURE and not self.others

    def readings(self) -> list[Match]:
        """This reading and the others, closest first."""
        return [self, *self.others]


class Vocabulary:
    """Every term of a project; `match` reads a question's words against them."""

    def __init__(self, terms: Iterable[Term]) -> None:
        seen: dict[tuple[str, str, str], Term] = {}
        for term in terms:
            if term.phrase:
                seen.setdefault((term.phrase, term.kind, term.target), term)
        self.terms: list[Term] = list(seen.values())
        self._phrases = [t.phrase for t in self.terms]
        self._lengths = [len(t.phrase.split()) for t in self.terms]
        self._longest = max(self._lengths, default=1)

    def of_kind(self, kind: Kind) -> list[Term]:
        return [t for t in self.terms if t.kind == kind]

    @cached_property
    def client_names(self) -> dict[str, str]:
        """client_id -> the client's name, where a customers or suppliers list gives one."""
        return {t.target: t.label for t in self.terms
                if t.tag == "client_id" and t.label != t.target}

    def match(self, tokens: list[str]) -> list[Match]:
        """The readings of `tokens` (an empty string breaks a phrase), left to right: each
        word is read at most once, the longest sure reading first."""
        from rapidfuzz import fuzz, process

        windows: list[tuple[int, int, str]] = []
        for size in range(1, self._longest + 2):
            for start in range(len(tokens) - size + 1):
                part = tokens[start:start + size]
                if all(part):
                    windows.append((start, start + size, " ".join(part)))
        if not windows or not self.terms:
            return []
        scores = process.cdist([w[2] for w in windows], self._phrases, scorer=fuzz.ratio,
                               score_cutoff=UNSURE, workers=1)
        found: list[Match] = []
        for i, j in zip(*scores.nonzero(), strict=True):
            start, end, text = windows[i]
            term, score = self.terms[j], float(scores[i, j])
            if abs((end - start) - self._lengths[j]) > 1:
                continue
            if (len(term.phrase) < SHORT or len(text) < SHORT) and text != term.phrase:
                continue
            if _digits(text) != _digits(term.phrase):
                continue  # "paid in 7 days" is not "paid in 30 days"
            found.append(Match(term, start, end, score))
        # the sure reading of the most words first (a window wider than its phrase counts
        # the phrase's words), then a metric before a person..., then the closest
        found.sort(key=lambda m: (m.score >= SURE, m.words, -PRIORITY[m.term.kind],
                                  m.score), reverse=True)
        chosen: list[Match] = []
        taken: set[int] = set()
        for m in found:
            if taken & set(range(m.start, m.end)):
                continue
            if m.score < SURE and not _asked_back(m.term):
                continue
            chosen.append(_with_others(m, found))
            taken |= set(range(m.start, m.end))
        return sorted((_apart(m, chosen) for m in chosen), key=lambda m: m.start)

    # -- building ----------------------------------------------------------------------------
    @classmethod
    def of_project(cls, p: Project) -> Vocabulary:
        """The project's terms: its catalogue, people.yml, and the tag values its models hold
        (read through the model views, as the metrics read them)."""
        terms: list[Term] = [*_metric_terms(p), *_people_terms(p)]
        terms += _value_terms(p)
        return cls(terms)


def _digits(text: str) -> list[str]:
    return re.findall(r"\d+", text)


def _asked_back(term: Term) -> bool:
    """A metric, a person or a client's name is asked back when unsure; a stray word that
    looks a little like a funnel or a campaign is left out."""
    return term.kind in ASKED_BACK or (term.tag == "client_id" and " " in term.phrase)


def _with_others(m: Match, found: list[Match]) -> Match:
    """`m` with the readings as close as it of the same words (another metric, another
    person), at most two, the closest first; and a reading of more words around it, however
    unsure ("reactive tickets": the tickets created, or closed?)."""
    if not _asked_back(m.term):
        return m
    best: dict[str, Match] = {}
    for other in found:
        if other.term.kind != m.term.kind or other.term.target == m.term.target:
            continue
        if other.end <= m.start or other.start >= m.end:
            continue  # other words
        wider = (other.start <= m.start and m.end <= other.end and other.words > m.words
                 and set(m.term.phrase.split()) <= set(other.term.phrase.split()))
        if m.start <= other.start and other.end <= m.end and (
                other.end - other.start) < (m.end - m.start):
            continue  # a part of the words read: "net revenue" in "net revenue retention"
        if m.score >= SURE and other.score < m.score - NEAR and not wider:
            continue
        if other.term.target not in best or other.score > best[other.term.target].score:
            best[other.term.target] = other
    others = sorted(best.values(), key=lambda o: o.score, reverse=True)[:2]
    return Match(m.term, m.start, m.end, m.score, tuple(others))


def _apart(m: Match, chosen: list[Match]) -> Match:
    """`m` without the other readings that take words another reading has ("Marcus Bell's
    clients": "bell clients" is not a reading of "clients", as "Marcus Bell" is the person)."""
    def elsewhere(o: Match) -> bool:
        return any(c is not m and o.start < c.end and c.start < o.end for c in chosen)

    if not any(elsewhere(o) for o in m.others):
        return m
    others = tuple(o for o in m.others if not elsewhere(o))
    return Match(m.term, m.start, m.end, m.score, others)


def _phrase(text: str) -> str:
    return " ".join(words(text))


def _metric_terms(p: Project) -> list[Term]:
    explicit: list[Term] = []
    derived: list[Term] = []
    for m in p.catalog:
        for text in (m.name, m.title, *m.synonyms):
            explicit.append(Term(_phrase(text), "metric", m.name, m.title))
        found = re.fullmatch(r"(.+?)\s*\((.+)\)\s*", m.title)
        if found:  # "Cost of goods sold (COGS)": also "cost of goods sold" and "cogs"
            for text in found.groups():
                derived.append(Term(_phrase(text), "metric", m.name, m.title))
    claimed = {t.phrase: t.target for t in explicit}
    return explicit + [t for t in derived if claimed.get(t.phrase, t.target) == t.target]


def _unique(values: list[str]) -> set[str]:
    return {v for v in values if values.count(v) == 1}


def _people_terms(p: Project) -> list[Term]:
    people = list(p.catalog.people.values())
    firsts = _unique([_phrase(x.name.split()[0]) for x in people if x.name.split()])
    titles = _unique([_phrase(x.title) for x in people if x.title])
    out: list[Term] = []
    for person in people:
        for text in (person.id, person.name):
            out.append(Term(_phrase(text), "person", person.id, person.name))
        first = _phrase(person.name.split()[0]) if person.name.split() else ""
        if first in firsts:
            out.append(Term(first, "person", person.id, person.name))
        if person.title and _phrase(person.title) in titles:
            out.append(Term(_phrase(person.title), "person", person.id, person.name))
    departments = sorted({x.department for x in people} | {m.department for m in p.catalog})
    for d in departments:
        out.append(Term(_phrase(d), "department", d, d.replace("_", " ").capitalize()))
    for team in sorted({x.team for x in people if x.team}):
        out.append(Term(_phrase(team), "team", team, team.replace("_", " ").capitalize()))
    return out


def _value_terms(p: Project) -> list[Term]:
    """Tag values in the models the sliceable metrics read; a client's name too, where a
    model has `client_id` and a name (`client_name` or `name`: the agency's clients, the
    customers and suppliers lists). A team in the data that people.yml does not name (a
    business unit: "Phoenix-Sales") is a team too."""
    wanted: dict[str, set[str]] = {}
    for m in p.catalog:
        if m.kind == "measure" and m.model and m.dimensions:
            wanted.setdefault(m.model, set()).update(m.dimensions)
    if not wanted:
        return []
    p.metrics.state()  # the model views current with the ledger
    seen: dict[str, set[str]] = {}
    for model, tags in sorted(wanted.items()):
        columns = dict(p.engine.columns(model) or [])
        for tag in sorted(tags):
            if tag not in columns or tag in ("owner_id", "department"):
                continue  # people and departments are named by people.yml
            rows = p.engine.rows(f"SELECT DISTINCT {quote(tag)} FROM {quote(model)} "
                                 f"WHERE {quote(tag)} IS NOT NULL LIMIT {MAX_VALUES}")
            seen.setdefault(tag, set()).update(str(r[0]) for r in rows)
    names: dict[str, str] = {}
    clients = seen.get("client_id", set())
    if clients:  # the customers and suppliers lists: a view with client_id and a name
        for relation in sorted(p.engine.relations()):
            if relation.startswith(("raw_", "ns_")):
                continue
            columns = dict(p.engine.columns(relation) or [])
            name = next((c for c in NAME_COLUMNS if c in columns), None)
            if "client_id" in columns and name is not None:
                rows = p.engine.rows(f"SELECT DISTINCT client_id, {quote(name)} FROM "
                                     f"{quote(relation)} WHERE client_id IS NOT NULL AND "
                                     f"{quote(name)} IS NOT NULL LIMIT {MAX_VALUES}")
                names.update((str(cid), str(name)) for cid, name in rows if str(cid) in clients)
    teams = seen.pop("team", set())
    out = [Term(_phrase(value), "value", value, names.get(value, value), tag)
           for tag, values in sorted(seen.items()) for value in sorted(values)]
    out += [Term(_phrase(team), "team", team, team.replace("_", " ")) for team in sorted(teams)]
    out += [Term(_phrase(name), "value", cid, name, "client_id") for cid, name in names.items()]
    # a client's first name word where no other client shares it ("Goldleaf")
    firsts = [(_phrase(name).split() or [""])[0] for name in names.values()]
    out += [Term(first, "value", cid, name, "client_id")
            for (cid, name), first in zip(names.items(), firsts, strict=True)
            if len(first) >= SHORT and firsts.count(first) == 1]
    return out
