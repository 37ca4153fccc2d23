"""Readable names for what sync shows: tables and fields as a user knows them, values formatted for reading.

Packages and conflicts speak in column names (``annual_spend``) and stored values (``2525430``); the import
preview and the conflicts list show "Annual spend" and "2,525,430".
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QLocale

from app.ui.formatting import format_date, format_datetime, format_number

#: tables as a user calls one of their records
TABLE_LABELS = {
    "partners": "Partner", "contacts": "Contact", "escalation_steps": "Escalation step",
    "kpis": "KPI", "kpi_versions": "KPI version", "kpi_overrides": "KPI override", "measurements": "Measurement",
    "measurement_disputes": "Measurement dispute",
    "playbooks": "Playbook", "playbook_versions": "Playbook version", "playbook_steps": "Playbook step",
    "onboarding_checklists": "Onboarding checklist", "checklist_items": "Checklist item",
    "coaching_sessions": "Session", "session_attendees": "Attendee", "log_entries": "Session note",
    "action_items": "Action item", "experiments": "Experiment", "experiment_events": "Experiment update",
    "criteria_sets": "Criteria set", "criteria": "Criterion", "selection_assessments": "Selection assessment",
    "selection_scores": "Selection score", "decision_items": "Decision checklist item",
    "reference_calls": "Reference call", "success_plans": "Success plan", "plan_goals": "Plan goal",
    "plan_milestones": "Milestone", "plan_templates": "Plan template", "devices": "Device",
}

#: fields whose column name does not read well once the underscores go
FIELD_LABELS = {
    "annual_spend": "Annual spend", "value_score": "Value score", "risk_score": "Risk score",
    "partnership_stage": "Partnership stage", "enablement_level": "Enablement level",
    "alignment_goals": "Alignment: goals", "alignment_values": "Alignment: values",
    "alignment_capabilities": "Alignment: capabilities", "enablement_lead": "Enablement lead",
    "is_primary": "Primary contact", "due_date": "Due date", "done_at": "Done on", "period_start": "Period",
    "started_at": "Started", "ended_at": "Ended", "scheduled_at": "Scheduled", "deleted_at": "Deleted",
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


#: column headings of import counts (the service's `COUNT_KEYS`); a key not here shows capitalised
COUNT_TITLES = {"new": "New", "updated": "Updated", "unchanged": "Unchanged", "conflicts": "Conflicts",
                "proposed": "Proposed", "rejected": "Rejected"}

#: plurals that are not the singular label with an "s"
TABLE_PLURALS = {"criteria": "Criteria", "learning_certifications": "Learning certifications"}


def table_label(table: str) -> str:
    return TABLE_LABELS.get(table, table.replace("_", " ").capitalize())


def table_plural(table: str) -> str:
    """A heading for a list of the table's records: ``contacts`` → "Contacts", ``kpis`` → "KPIs"."""
    if table in TABLE_PLURALS:
        return TABLE_PLURALS[table]
    if table in TABLE_LABELS:
        return TABLE_LABELS[table] + "s"
    return table.replace("_", " ").capitalize()


_REJECTION = re.compile(r"^(?P<table>[a-z_]+) (?P<row>\S+): (?P<reason>.*)$", re.DOTALL)
_FIELD_LIST = re.compile(r"(?P<verb>may not change) (?P<fields>[a-z_]+(?:, [a-z_]+)*)$")


def split_rejection(text: str) -> tuple[str, str, str]:
    """An importer rejection line ("contacts 3f2a…: a partner's package may …") as (table, row id, reason);
    ("", "", text) when it has another shape."""
    m = _REJECTION.match(text)
    return (m["table"], m["row"], m["reason"]) if m else ("", "", text)


def reason_text(reason: str) -> str:
    """A rejection reason with the column names it lists as the app names them:
    "may not change annual_spend, tier" → "may not change Annual spend, Tier"."""
    m = _FIELD_LIST.search(reason)
    if not m:
        return reason
    fields = ", ".join(field_label(f) for f in m["fields"].split(", "))
    return reason[:m.start()] + f"{m['verb']} {fields}"


def field_label(field: str) -> str:
    """``annual_spend`` → "Annual spend"; ``kpi_id`` → "KPI"."""
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    words = field.removesuffix("_id").split("_")
    text = " ".join(words).capitalize()
    return re.sub(r"\bkpi\b", "KPI", text, flags=re.IGNORECASE)


def value_text(value: Any) -> str:
    """A stored value as a person reads it: numbers grouped, dates in the locale, yes/no, "(empty)"."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            try:
                return format_date(date.fromisoformat(value))
            except ValueError:
                return value
        if _ISO_DATETIME.match(value):
            try:
                return format_datetime(datetime.fromisoformat(value.rstrip("Z")))
            except ValueError:
                return value
        return value
    if isinstance(value, (list, dict)):
        import json

        return json.dumps(value, ensure_ascii=False, indent=1)
    return str(value)


def period_text(kind: str, start: str) -> str:
    """A measurement's period as people say it: "Mar 2026", "Q1 2026", "week of 02/03/2026"."""
    try:
        day = date.fromisoformat(start)
    except ValueError:
        return start
    if kind == "month":
        return QLocale().toString(QDate(day.year, day.month, 1), "MMM yyyy")
    if kind == "quarter":
        return f"Q{(day.month - 1) // 3 + 1} {day.year}"
    if kind == "week":
        return f"week of {format_date(day)}"
    return format_date(day)


def measurement_parts(line: str) -> tuple[str, str, str, str] | None:
    """(partner id, KPI id, period kind, period start) of a measurement's id ("partner:kpi:month:2026-03-01"),
    None for another text."""
    parts = line.split(":")
    return (parts[0], parts[1], parts[2], parts[3]) if len(parts) == 4 and _ISO_DATE.match(parts[3]) else None
