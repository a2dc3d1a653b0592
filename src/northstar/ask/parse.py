"""The built-in reader: a question in plain words becomes a `Plan`, with no language model.

It takes, in order: what it must refuse (SQL, writes, private data), the comparison ("vs last
year"), the period ("last month"), the slice and ranking ("by rep", "which customer has the
highest"), "why", and then reads the words left against the project's vocabulary: metrics by
name, title or synonym, people, departments, teams and tag values, typos allowed. When a
reading is unsure it asks back with the closest readings, each a plan ready to run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from northstar.ask.periods import KIND_WORDS, MONTHS, NUMBERS, find_period
from northstar.ask.plan import Choice, Clarification, Comparison, Plan, Rank, Refusal, Slice
from northstar.ask.vocabulary import Match, Vocabulary, words
from northstar.errors import PeriodError
from northstar.metrics.catalog import Catalog
from northstar.periods import Calendar, PeriodKind

__all__ = ["Plan", "Reader", "parse"]

MAX_QUESTION = 500
TREND = 13
"""Periods of a trend ("net revenue trend", "over time"), as a metric page draws it."""

SLICE_NOUNS: dict[str, str] = {}
for _tag, _nouns in {
    "owner_id": "rep reps seller sellers salesperson salespeople sales_rep sales_reps owner "
                "owners person people account_manager account_managers am ams ae aes "
                "account_executive account_executives member members closer closers "
                "setter setters csm csms success_manager success_managers "
                "client_success_manager client_success_managers",
    "department": "department departments dept depts",
    "team": "team teams business_unit business_units unit units bu",
    "client_id": "client clients customer customers account accounts brand brands supplier "
                 "suppliers venue venues organiser organisers organizer organizers company "
                 "companies",
    "source_funnel": "funnel funnels source_funnel source_funnels lead_source lead_sources "
                     "source sources channel channels",
    "utm_source": "utm_source utm_sources platform platforms ad_platform ad_platforms network "
                  "networks",
    "utm_medium": "medium media utm_medium utm_mediums",
    "utm_campaign": "campaign campaigns utm_campaign utm_campaigns",
}.items():
    for _noun in _nouns.split():
        SLICE_NOUNS[_noun.replace("_", " ")] = _tag
TAG_WORDS = {"owner_id": "person", "department": "department", "team": "team",
             "client_id": "client", "source_funnel": "source funnel",
             "utm_source": "UTM source", "utm_medium": "UTM medium",
             "utm_campaign": "UTM campaign"}
"""A tag in a sentence."""

ROLES: dict[str, str] = {}
for _role, _nouns in {"setter": "setter setters", "closer": "closer closers",
                      "success manager": "csm csms success_manager success_managers "
                                         "client_success_manager client_success_managers"}.items():
    for _noun in _nouns.split():
        ROLES[_noun.replace("_", " ")] = _role
"""A role in a split or a ranking ("which setter", "by closer"): the people whose title in
people.yml ends with it, so only their team's rows ("which setter has the lowest show rate"
ranks the setters, not every rep)."""

_NOUN = "|".join(re.escape(n) for n in sorted(SLICE_NOUNS, key=len, reverse=True))
_PLURAL = "|".join(re.escape(n) for n in sorted(SLICE_NOUNS, key=len, reverse=True)
                   if n.endswith("s") or n in ("people", "salespeople", "media"))
_RANK_WORDS: dict[str, str] = {
    "lowest": "lowest", "least": "lowest", "fewest": "lowest", "smallest": "lowest",
    "bottom": "lowest", "worst": "worst", "highest": "highest", "most": "highest",
    "biggest": "highest", "largest": "highest", "greatest": "highest", "top": "highest",
    "best": "best", "strongest": "best", "weakest": "worst"}
_RANK = "|".join(_RANK_WORDS)
_COUNT = r"\d{1,2}|" + "|".join(NUMBERS)
_VERB = (r"has|had|have|is|was|were|brought|brings|made|makes|did|does|got|gets|shows?|"
         r"drove|drives|owns|sold|closed|won|opened|opens|logged|logs|raised|raises|"
         r"submitted|created|creates|used|uses|spent|spends|needed|needs|took|takes|"
         r"generated|generates|booked|books|produced|produces|collected|collects|paid|pays")

_RANKINGS = (
    # "which rep has the lowest close rate", "what customer had the most GMV"
    re.compile(rf"\b(?:which|what)\s+(?P<noun>{_NOUN})\s+(?:(?:{_VERB})\s+)?(?:the\s+)?"
               rf"(?P<rank>{_RANK})\b"),
    # "who has the lowest win rate"
    re.compile(rf"\bwho\s+(?:(?:{_VERB})\s+)?(?:the\s+)?(?P<rank>{_RANK})\b"),
    # "top 5 customers", "the worst three reps" (a count or a plural: "top customer share"
    # is a metric)
    re.compile(rf"\b(?:the\s+)?(?P<rank>top|bottom|best|worst|highest|lowest|biggest)\s+"
               rf"(?:(?P<count>{_COUNT})\s+(?P<noun>{_NOUN})|(?P<plural>{_PLURAL}))\b"),
    # "rank reps by win rate", "ranking of customers"
    re.compile(rf"\brank(?:ing|ed)?\s+(?:of\s+)?(?:the\s+|our\s+)?(?P<noun>{_NOUN})\b"),
)
_WHICH_OF = re.compile(rf"\bwhich\s+of\s+(?:(?P<det>the|our|my)\s+|"
                       rf"(?P<who>[a-z]+(?:\s+[a-z]+)?)'s\s+)?(?P<noun>{_PLURAL})\b")
"""A ranking among a person's slices ("which of Hannah's clients has the lowest health"):
"which client has the lowest health", of Hannah's rows."""
_BY = re.compile(rf"\b(?:split\s+by|broken\s+down\s+by|break\s*down\s+by|by|per|for\s+each|"
                 rf"for\s+every|each|every|across)\s+(?:the\s+|our\s+|individual\s+)?"
                 rf"(?P<noun>{_NOUN})\b")
_WHY = re.compile(r"\bwhy\b|\bwhat\s+(?:drove|drives|caused|causes|explains|happened\s+to)\b|"
                  r"\bexplain\b|\breasons?\s+for\b")
_TREND = re.compile(r"\b(?:trend(?:s|ing)?|over\s+time|history|historically)\b")
_GROWTH = re.compile(r"\b(?:grow|grew|grown|growth|chang(?:e|ed|es)|increas(?:e|ed|es)|"
                     r"decreas(?:e|ed|es)|drop(?:ped|s)?|f[ae]ll|rise|rose|risen|improv(?:e|ed)|"
                     r"declin(?:e|ed)|jump(?:ed)?|move[ds]?|went\s+(?:up|down)|go\s+(?:up|down))\b")
_MY = re.compile(r"\b(?:my|mine|i\s+own)\b")
_THEIRS = re.compile(r"(?<=[a-z])'s\s+(?:own\s+)?(?:clients|customers|accounts|portfolio|"
                     r"book(?:\s+of\s+(?:clients|business))?)\b")
"""A person's clients ("client health for Marcus Bell's clients"): the person's rows, not the
metric "clients" (read so only when another metric is named)."""

_AGAINST = (r"(?:vs\.?|versus|v\.|compared?\s+(?:to|with)|comparison\s+(?:to|with)|against|"
            r"relative\s+to|over|since|to|with)")
_COMPARISONS: tuple[tuple[re.Pattern[str], Comparison, PeriodKind | None], ...] = (
    (re.compile(rf"\b{_AGAINST}\s+(?:the\s+)?same\s+(?:period|week|month|quarter|time)\s+"
                r"(?:last|a|the\s+previous|the\s+prior)\s+year\b"), "last_year", None),
    (re.compile(rf"\b{_AGAINST}\s+(?:the\s+)?(?:last|previous|prior|preceding)\s+year\b|"
                rf"\b{_AGAINST}\s+(?:a\s+)?year\s+(?:ago|earlier|before)\b|"
                r"\b(?:yoy|y/y|year[\s-]+(?:over|on)[\s-]+year)\b"), "last_year", "year"),
    (re.compile(rf"\b{_AGAINST}\s+(?:the\s+)?(?:last|previous|prior|preceding)\s+"
                r"(?P<kind>week|month|quarter)\b"), "previous", None),
    (re.compile(rf"\b{_AGAINST}\s+(?:the\s+)?(?:previous|prior|preceding|last)\s+period\b|"
                rf"\b{_AGAINST}\s+before\b|\bperiod[\s-]+(?:over|on)[\s-]+period\b"),
     "previous", None),
    (re.compile(r"\b(?:mom|m/m|month[\s-]+(?:over|on)[\s-]+month)\b"), "previous", "month"),
    (re.compile(r"\b(?:qoq|q/q|quarter[\s-]+(?:over|on)[\s-]+quarter)\b"), "previous",
     "quarter"),
    (re.compile(r"\b(?:wow|w/w|week[\s-]+(?:over|on)[\s-]+week)\b"), "previous", "week"),
    (re.compile(r"\b(?:(?:vs\.?|versus|against|compared?\s+(?:to|with)|to|on|hit|hitting|"
                r"meet|meeting|miss|missing|reach)\s+(?:the\s+|its\s+|our\s+|their\s+)?"
                r"(?:target|goal|budget|plan)s?|on\s+(?:track|pace)|behind\s+target|"
                r"ahead\s+of\s+target)\b|\b(?:target|goal)s?\b"), "target", None),
)

_SQL = re.compile(r"\bselect\b.+\bfrom\b|\b(?:insert\s+into|delete\s+from|drop\s+(?:table|view|"
                  r"schema|database)|alter\s+table|update\s+\w+\s+set|union\s+(?:all\s+)?select|"
                  r"truncate\s+(?:table\s+)?\w+|attach\s+(?:database\s+)?'|copy\s+\w+\s+(?:from|to)|"
                  r"create\s+(?:table|view|or\s+replace))\b|--|/\*|\bread_(?:csv|parquet|json)\b|"
                  r"\bpg_\w+\s*\(|\b(?:information_schema|sqlite_master|duckdb_\w+)\b|\braw_\w+")
_WRITE = re.compile(
    r"^(?:(?:please|pls|kindly|now)\s+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|"
    r"i\s+(?:want|need|would\s+like)\s+(?:you\s+)?to\s+|i'?d\s+like\s+to\s+|let'?s\s+|go\s+and\s+|"
    r"(?:can|could|may)\s+i\s+|help\s+me\s+)?"
    r"(?:set|change|update|delete|remove|drop|add|create|adjust|correct|enter|record|freeze|"
    r"unfreeze|recompute|reset|rename|edit|write|insert|erase|overwrite|modify|increase|"
    r"decrease|raise|lower|move|approve|import|load|sync|truncate|wipe|clear|fix|replace|"
    r"override|mark|hand\s+back|release|make)\b"
    r"|\b(?:set|change|update|adjust|modify|overwrite|bump|raise|lower)\b.*\b(?:to|=|by)\s*"
    r"[-$+]?\d")
_PRIVATE = re.compile(
    r"\b(?:passwords?|passwd|passcodes?|(?:api\s+|access\s+|bearer\s+)?tokens?|api[\s-]?keys?|"
    r"secrets?|credentials?|audit\s+(?:log|trail)s?|(?<!strategy\s)sessions?|log\s?ins?|"
    r"sign[\s-]?ins?|"
    r"user\s+accounts?|usernames?|user\s+names?|user\s+list|list\s+of\s+users|"
    r"who\s+(?:can|may)\s+log\s+in|roles?\s+of|salar(?:y|ies)|pay\s?slips?|"
    r"bank\s+(?:details|account\s+numbers?)|social\s+security|ssn|e-?mail\s+address(?:es)?|"
    r"phone\s+numbers?|home\s+address(?:es)?|dates?\s+of\s+birth|birthdays?|"
    r"performance\s+reviews?|disciplinary|medical|private\s+(?:notes|messages))\b")

SQL_MESSAGE = ("Ask never runs SQL from a question: it reads the metrics, computed as the pages "
               "compute them. Ask about a metric in words (\"net revenue last month\"); the rows "
               "behind a number are on its drill-through page.")
WRITE_MESSAGE = ("Ask only reads: it never changes a number, a target or a file. An editor "
                 "corrects a number on the admin page (an adjustment or a manual value, with a "
                 "reason) or with `northstar adjust` and `northstar set-manual`.")
PRIVATE_MESSAGE = ("Ask answers with the company's metrics only. Passwords, tokens, user "
                   "accounts, the audit log and people's personal details are not metrics, and "
                   "Ask cannot read them (admins see users and the audit log on the admin page).")


@dataclass(frozen=True)
class Reader:
    """What the parser reads a question against."""

    catalog: Catalog
    vocabulary: Vocabulary
    calendar: Calendar
    now: datetime
    person: str | None = None
    """The asker's person id (people.yml), for "my metric"."""


@dataclass
class _Found:
    """What the phrases of a question said, before its words are read."""

    comparison: Comparison | None = None
    default_kind: PeriodKind | None = None
    period: str | None = None
    last: int = 1
    by: str | None = None
    rank: str | None = None
    limit: int | None = None
    why: bool = False
    mine: bool = False
    role: str | None = None
    """The role a split or ranking named ("setter"), its people's team a filter."""


def parse(question: str, reader: Reader) -> Plan | Clarification | Refusal:
    """The plan of a question, the readings to choose from, or why it cannot be answered."""
    text = " ".join(question.split())
    if not text:
        return Refusal(question=question, message="Ask a question about a metric, e.g. "
                       "\"what was net revenue last month?\"")
    if len(text) > MAX_QUESTION:
        return Refusal(question=text[:MAX_QUESTION], message=(
            f"That question is longer than {MAX_QUESTION} characters; ask about one or two "
            "metrics at a time."))
    low = text.lower().replace("\N{RIGHT SINGLE QUOTATION MARK}", "'")
    for pattern, message, reason in ((_SQL, SQL_MESSAGE, "sql"),
                                     (_PRIVATE, PRIVATE_MESSAGE, "private"),
                                     (_WRITE, WRITE_MESSAGE, "write")):
        if pattern.search(low):
            return Refusal(question=text, message=message, reason=reason)
    try:
        found, rest = _phrases(low, reader)
    except PeriodError as exc:
        return Refusal(question=text, message=str(exc))
    tokens, matches = _read_words(rest, reader)
    theirs = _THEIRS.search(rest)
    if theirs is not None:  # "Marcus's clients" with a metric named besides: his rows
        cut = rest[:theirs.start()] + " " + rest[theirs.end():]
        cut_tokens, cut_matches = _read_words(cut, reader)
        if any(m.term.kind == "metric" for m in cut_matches) and any(
                m.term.kind == "person" for m in cut_matches):
            tokens, matches = cut_tokens, cut_matches
    unsure = next((m for m in matches if not m.sure), None)
    if unsure is None:
        return _build(text, matches, found, reader)
    choices: list[Choice] = []
    for reading in unsure.readings():
        chosen = [reading if m is unsure else _best(m) for m in matches]
        built = _build(text, chosen, found, reader)
        if isinstance(built, Plan) and all(c.plan != built for c in choices):
            choices.append(Choice(label=_label(reading, built, reader), plan=built))
    if not choices:
        return _build(text, [_best(m) for m in matches], found, reader)
    said = " ".join(w for w in tokens[unsure.start:unsure.end])
    return Clarification(question=text, message=f"Which did you mean by \"{said}\"?",
                         choices=choices)


def _read_words(rest: str, reader: Reader) -> tuple[list[str], list[Match]]:
    """The words left of a question (a break between its parts) and their readings."""
    tokens: list[str] = []
    for part in rest.split("|"):
        tokens += [*words(part), ""]
    return tokens, reader.vocabulary.match(tokens)


def _best(m: Match) -> Match:
    return Match(m.term, m.start, m.end, m.score)


def _label(reading: Match, plan: Plan, reader: Reader) -> str:
    if reading.term.kind == "metric":
        return reading.term.label
    titles = ", ".join(reader.catalog.get(n).title for n in plan.metrics)
    return f"{reading.term.label}: {titles}"


def _rank(word: str, direction: str) -> Rank:
    """`highest` or `lowest`; the best of a metric where lower is better is its lowest."""
    if word in ("best", "worst"):
        return "highest" if (word == "best") == (direction == "higher") else "lowest"
    return "lowest" if word == "lowest" else "highest"


def _take(text: str, match: re.Match[str]) -> str:
    """`text` with the match cut out, a break in its place."""
    return text[:match.start()] + " | " + text[match.end():]


_KNOWN = sorted({*MONTHS, *KIND_WORDS, "last", "previous", "this", "past", "today",
                 "yesterday"} - {"may"})
_NOUN_WORDS = sorted({n for n in SLICE_NOUNS if " " not in n})
_AFTER_BY = re.compile(r"\b(by|per|each|every|across)\s+([a-z]+)\b")


def _spelled(word: str, known: list[str]) -> str:
    """`word`, or the known word it is a typo of ("quater": quarter, "sorce": source): words
    of five letters or more, starting with the same letter, 85% alike."""
    from rapidfuzz import fuzz, process

    if len(word) < 5 or word in known or any(word.startswith(k) for k in known):
        return word
    found = process.extractOne(word, [k for k in known if k[0] == word[0]],
                               scorer=fuzz.ratio, score_cutoff=85)
    return word if found is None else str(found[0])


def _respell(low: str) -> str:
    """Typos of the words periods and slices are read from, put right before they are read."""
    low = re.sub(r"[a-z]{5,}", lambda m: _spelled(m[0], _KNOWN), low)
    return _AFTER_BY.sub(lambda m: f"{m[1]} {_spelled(m[2], _NOUN_WORDS)}", low)


def _phrases(low: str, reader: Reader) -> tuple[_Found, str]:
    """The comparison, period, slice, ranking and "why" of a question, and the text left."""
    found = _Found()
    rest = _respell(low)
    for pattern, comparison, kind in _COMPARISONS:
        m = pattern.search(rest)
        if m is not None:
            found.comparison = comparison
            named = m.groupdict().get("kind")
            found.default_kind = KIND_WORDS[named] if named else kind
            rest = _take(rest, m)
            break
    pick = find_period(rest, reader.calendar, reader.now)
    if pick is not None:
        found.period, found.last = str(pick.period), pick.count
        rest = rest[:pick.start] + " | " + rest[pick.end:]
    m = _WHICH_OF.search(rest)
    if m is not None:  # the ranking read as "which client", the person's name kept apart
        whose = f" | {m['who']}'s" if m["who"] else " | my" if m["det"] == "my" else ""
        rest = rest[:m.start()] + f"which {m['noun']}" + rest[m.end():] + whose
    for pattern in _RANKINGS:
        m = pattern.search(rest)
        if m is not None:
            groups = m.groupdict()
            noun = groups.get("noun") or groups.get("plural")
            found.by = SLICE_NOUNS[noun] if noun else "owner_id"
            found.role = ROLES.get(noun or "")
            found.rank = _RANK_WORDS.get(groups.get("rank") or "", "highest")
            count = groups.get("count")
            if count:
                found.limit = int(count) if count.isdigit() else NUMBERS[count]
            elif pattern is _RANKINGS[0] or pattern is _RANKINGS[1]:
                found.limit = 1  # "which rep has the lowest": one rep
            rest = _take(rest, m)
            break
    m = _BY.search(rest)
    if m is not None:
        if found.by is None:
            found.by = SLICE_NOUNS[m["noun"]]
            found.role = ROLES.get(m["noun"])
        rest = _take(rest, m)
    m = _WHY.search(rest)
    if m is not None:
        found.why = True
        rest = _take(rest, m)
    m = _TREND.search(rest)
    if m is not None:
        if found.last == 1 and found.period is None:
            found.last = TREND
        rest = _take(rest, m)
    m = _GROWTH.search(rest)
    if m is not None:
        if found.comparison is None:
            found.comparison = "previous"
        rest = _take(rest, m)
    if found.why and found.comparison is None:
        found.comparison = "previous"
    m = _MY.search(rest)
    if m is not None:
        found.mine = True
        rest = _take(rest, m)
    if found.period is None and found.default_kind is not None:
        found.period = str(reader.calendar.current(found.default_kind, reader.now))
    return found, rest


def _build(text: str, matches: list[Match], found: _Found,
           reader: Reader) -> Plan | Refusal:
    """The plan the readings make, or why they make none."""
    catalog = reader.catalog
    named = list(dict.fromkeys(m.term.target for m in matches if m.term.kind == "metric"))
    people = [m.term.target for m in matches if m.term.kind == "person"]
    departments = [m.term.target for m in matches if m.term.kind == "department"]
    teams = [m.term.target for m in matches if m.term.kind == "team"]
    values = [m.term for m in matches if m.term.kind == "value"]
    filters: dict[str, str] = {}
    whole_for: str | None = None
    if not named:
        owners = [catalog.people[x] for x in people] if people else []
        if not owners and found.mine and reader.person in catalog.people:
            owners = [catalog.people[reader.person]]
        if not owners and departments:
            owners = [x for x in catalog.people.values() if x.department in departments]
            if not any(x.metric for x in owners):
                named = [m.name for m in catalog if m.department in departments]
        if not owners and not named and teams:
            owners = [x for x in catalog.people.values() if x.team in teams]
        named += [x.metric for x in owners if x.metric and x.metric in catalog.metrics]
        if not named:
            if found.mine and not owners:
                return Refusal(question=text, message=(
                    "Ask does not know which person in people.yml you are, so it cannot tell "
                    "your metric; ask about a metric by name."))
            if owners:
                who = ", ".join(x.name for x in owners)
                return Refusal(question=text, message=f"{who} own(s) no metric in people.yml; "
                               "ask about a metric by name.")
            return Refusal(question=text, reason="unknown", message=(
                f"I could not find a metric in \"{text}\". Ask about one by its name or in your "
                "own words (\"net revenue last month\", \"which rep has the lowest win rate "
                "this quarter\"); `northstar metrics` lists them."))
        named = named[:12]
    else:
        for person in people:
            filters["owner_id"] = person  # "Derek Holt's net cash": his rows
        whole_for = _whole_for(people, named, reader)
        if whole_for is not None:
            del filters["owner_id"]
        for department in departments:
            if all(catalog.get(n).department == department
                   and "department" not in catalog.get(n).dimensions for n in named):
                continue  # "finance's cash": cash is a finance number
            filters["department"] = department
        for team in teams:
            filters["team"] = team
    for value in values:
        assert value.tag is not None
        filters[value.tag] = value.target
    of_role = _team_of(found.role, reader) if found.by == "owner_id" else None
    if of_role is not None and "team" not in filters and all(
            "team" in catalog.get(n).dimensions for n in named):
        filters["team"] = of_role  # "which setter": the setters' rows, each setter's number
    wanted = [t for t in [found.by, *filters] if t]
    for name in named:
        m = catalog.get(name)
        missing = [t for t in wanted if t not in m.dimensions]
        if missing:
            can = ", ".join(TAG_WORDS[d] for d in m.dimensions) or "nothing: it is one number"
            whose = ""
            if missing[0] == "owner_id" and filters.get("owner_id") in catalog.people:
                whose = (f", so Ask has no figure of {catalog.people[filters['owner_id']].name}'s "
                         "own")
            return Refusal(question=text, message=(
                f"{m.title} cannot be split by {TAG_WORDS[missing[0]]}{whose}; it can be split "
                f"by {can}."))
    rank = None if found.rank is None else _rank(found.rank, catalog.get(named[0]).direction)
    return Plan(metrics=named, period=found.period, last=found.last,
                slice=Slice(by=found.by, filters=filters), comparison=found.comparison,
                why=found.why, rank=rank, limit=found.limit if rank else None,
                person=whole_for)


def _whole_for(people: list[str], named: list[str], reader: Reader) -> str | None:
    """The one person named when the one metric named is theirs in people.yml and cannot be
    split by person ("Hannah Lee's NRR"): the answer is the company's number, and says so.
    Any other metric with no split by person is refused ("take rate for Nora")."""
    if len(people) != 1 or len(named) != 1:
        return None
    m = reader.catalog.get(named[0])
    owner = reader.catalog.people[people[0]]
    if owner.metric == m.name and "owner_id" not in m.dimensions:
        return owner.id
    return None


def _team_of(role: str | None, reader: Reader) -> str | None:
    """The team of the people whose title in people.yml ends with `role` ("Setter", "Client
    Success Manager"), when they share one; else none (every person is ranked)."""
    if role is None:
        return None
    teams = {x.team for x in reader.catalog.people.values()
             if x.title and f" {' '.join(words(x.title))}".endswith(f" {role}")}
    return teams.pop() if len(teams) == 1 and None not in teams else None
