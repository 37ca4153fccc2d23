"""The live capture line: what a line typed during a session means.

A prefix turns an entry into something more than a note: ``d:`` decision, ``r:`` risk, ``a:`` action item
(``@owner``, ``due 2026-12-04`` / ``due +1w`` / ``due friday``), ``e:`` an update of an experiment
(``e: >check text`` moves it on, ``e: adopt text`` concludes it, ``e: new Title`` starts one).

An ``@owner`` is matched to the people of the session (attendees, the partner's contacts, the facilitator):
the full name, else a first name ("@Maria" → "Maria Schmidt") or initials ("@MS") that only one of them has.
What the parser could not make sense of is never dropped silently: `Capture.notices` says it in words the
live screen shows under the capture box ("@Nobody is not an attendee or contact…", "'due someday' is not a
date…"). Pure functions: no database, no Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.models.enums import EntryKind, ExperimentOutcome, PdcaStage

PREFIXES = {
    "n": EntryKind.NOTE, "note": EntryKind.NOTE,
    "d": EntryKind.DECISION, "decision": EntryKind.DECISION,
    "r": EntryKind.RISK, "risk": EntryKind.RISK,
    "a": EntryKind.ACTION, "action": EntryKind.ACTION, "todo": EntryKind.ACTION,
    "e": EntryKind.EXPERIMENT, "exp": EntryKind.EXPERIMENT, "experiment": EntryKind.EXPERIMENT,
}
#: The prefix each kind's keyboard shortcut puts in front of the text.
PREFIX_OF = {EntryKind.NOTE: "", EntryKind.DECISION: "d: ", EntryKind.RISK: "r: ", EntryKind.ACTION: "a: ",
             EntryKind.EXPERIMENT: "e: "}
_PREFIX_RE = re.compile(r"^\s*(" + "|".join(sorted(PREFIXES, key=len, reverse=True)) + r")\s*:\s*", re.I)
_DUE_RE = re.compile(r"(?:^|\s)due\s+(\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.(?:\d{2,4})?|\+\d+\s*[dw]|today|tomorrow|"
                     r"next\s+week|mon(?:day)?|tue(?:sday)?|wed(?:nesday)?|thu(?:rsday)?|fri(?:day)?|"
                     r"sat(?:urday)?|sun(?:day)?)(?!\w)", re.I)
#: "due <word>" that is not one of the forms above (reported, and left in the text)
_UNKNOWN_DUE_RE = re.compile(r"(?:^|\s)(due\s+[^\s,;]+)", re.I)
_STAGE_RE = re.compile(r"^(?:>|->|→)\s*(plan|do|check|act)\b[:\s]*", re.I)
_OUTCOME_RE = re.compile(r"^(adopt|adapt|abandon)\b[:\s]*", re.I)
_NEW_RE = re.compile(r"^new\b[:\s]*", re.I)
_WORD_RE = re.compile(r"[\w.\-']+")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DUE_FORMS = "2026-12-04, 4.12., +1w, tomorrow or friday"


@dataclass(frozen=True)
class Capture:
    """What a line typed in the capture box means.

    ``errors`` (field -> message) make the line unsavable; ``notices`` are things the parser did not
    understand but that do not stop the entry (an owner who is not in the session, a due date it cannot read):
    the screen shows them so the user can fix the entry.
    """

    kind: EntryKind
    text: str
    owner: str = ""
    due_date: date | None = None
    stage: PdcaStage | None = None  # experiment: move to this stage
    outcome: ExperimentOutcome | None = None  # experiment: conclude with this outcome
    new_experiment: bool = False  # experiment: start a new one titled `text`
    errors: dict[str, str] = field(default_factory=dict)
    notices: tuple[str, ...] = ()


def strip_prefix(line: str) -> str:
    """``line`` without its capture prefix ('d: text' -> 'text')."""
    return _PREFIX_RE.sub("", line, count=1)


def parse_due(token: str, today: date) -> date | None:
    """A due date written as ISO, "4.12." (day.month., next one to come), "+2w", "today", "tomorrow",
    "next week" or a weekday (the next one after today); None when it is none of these. Raises ValueError for
    a date that does not exist (31.02.)."""
    t = token.strip().lower()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        return date.fromisoformat(t)
    if m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{2,4})?\.?", t):
        year = int(m.group(3)) if m.group(3) else today.year
        year += 2000 if year < 100 else 0
        d = date(year, int(m.group(2)), int(m.group(1)))
        return d if m.group(3) or d >= today else date(year + 1, d.month, d.day)
    if m := re.fullmatch(r"\+(\d+)\s*([dw])", t):
        return today + timedelta(days=int(m.group(1)) * (7 if m.group(2) == "w" else 1))
    if t == "today":
        return today
    if t == "tomorrow":
        return today + timedelta(days=1)
    if re.fullmatch(r"next\s+week", t):
        return today + timedelta(days=7)
    if t[:3] in WEEKDAYS:
        ahead = (WEEKDAYS.index(t[:3]) - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    return None


def _initials(name: str) -> str:
    return "".join(part[0] for part in name.split() if part).lower()


def match_person(word: str, people: tuple[str, ...]) -> tuple[str, list[str]]:
    """(the one person ``word`` names, or "") and the candidates when it could be several. A word names a
    person by their whole name, their first name or their initials (two letters or more)."""
    w = word.lower()
    exact = [p for p in people if p.lower() == w]
    if exact:
        return exact[0], []
    for rule in (lambda p: p.split()[0].lower() == w if p.split() else False,
                 lambda p: len(w) >= 2 and _initials(p) == w):
        found = list(dict.fromkeys(p for p in people if rule(p)))
        if len(found) == 1:
            return found[0], []
        if found:
            return "", found
    return "", []


def _owner(text: str, people: tuple[str, ...]) -> tuple[str, str, list[str]]:
    """(owner, text without the @mention, notices) for the first ``@`` in ``text``."""
    m = re.search(r"(?:^|(?<=[\s(]))@", text)  # a mention starts a word: bob@example.com is no owner
    if m is None:
        return "", text, []
    at = m.start()
    rest = text[at + 1:]
    # The longest full name the mention starts with ("@Jonas Berg" is not "@Jonas" + " Berg").
    full = max((p for p in people if rest.lower().startswith(p.lower())
                and not rest[len(p):len(p) + 1].isalnum()), key=len, default="")
    if full:
        return full, (text[:at] + rest[len(full):]).strip(), []
    m = _WORD_RE.match(rest)
    word = m.group(0).rstrip(".'-") if m else ""
    remaining = (text[:at] + rest[len(word):]).strip()
    if not word:
        return "", text, ["'@' names nobody: write the owner right after it, as in @Maria."]
    person, candidates = match_person(word, people)
    if person:
        return person, remaining, []
    if candidates:
        return word, remaining, [f"@{word} could be {', '.join(candidates[:-1])} or {candidates[-1]}: the owner "
                                 f"is set to '{word}' — write more of the name to choose."]
    known = " (nobody is listed for this session)" if not people else ""
    return word, remaining, [f"@{word} is not an attendee or contact{known}: the owner is set to '{word}'. "
                             "Fix the action if that is a typo."]


def parse_capture(line: str, people: tuple[str, ...] = (), today: date | None = None) -> Capture:
    """Read a capture line: its prefix (kind), and for an action its ``@owner`` and ``due ...`` date; for an
    experiment update a stage move (``>do``), an outcome (``adopt``) or ``new``. ``people`` are the names an
    ``@`` may name (attendees and contacts; see `match_person`). What was not understood is in ``notices``.
    """
    today = today or date.today()
    text = line.strip()
    kind = EntryKind.NOTE
    if m := _PREFIX_RE.match(text):
        kind, text = PREFIXES[m.group(1).lower()], text[m.end():].strip()
    if kind is EntryKind.ACTION:
        due, errors, notices = None, {}, []
        if m := _DUE_RE.search(text):
            try:
                due = parse_due(m.group(1), today)
            except ValueError:
                errors["due_date"] = f"'{m.group(1)}' is not a date; write it as 2026-12-04, +1w or friday."
            text = (text[:m.start()] + " " + text[m.end():]).strip()
        elif m := _UNKNOWN_DUE_RE.search(text):
            notices.append(f"'{m.group(1)}' is not a date Tandem reads, so no due date is set (write {DUE_FORMS}).")
        owner, text, owner_notices = _owner(text, people)
        notices += owner_notices
        text = re.sub(r"\s{2,}", " ", text).strip(" ,;-–")
        return Capture(kind, text, owner=owner, due_date=due, errors=errors, notices=tuple(notices))
    if kind is EntryKind.EXPERIMENT:
        if m := _STAGE_RE.match(text):
            return Capture(kind, text[m.end():].strip(), stage=PdcaStage(m.group(1).lower()))
        if m := _OUTCOME_RE.match(text):
            return Capture(kind, text[m.end():].strip(), outcome=ExperimentOutcome(m.group(1).lower()))
        if m := _NEW_RE.match(text):
            return Capture(kind, text[m.end():].strip(), new_experiment=True)
    return Capture(kind, text)


def people_case(name: str, people: tuple[str, ...]) -> str:
    """``name`` as it is spelled in ``people`` when it is one of them."""
    return next((p for p in people if p.lower() == name.lower()), name)
