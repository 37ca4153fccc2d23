"""Closed vocabularies of the domain, stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class PartnerKind(StrEnum):
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    DISTRIBUTOR = "distributor"


class PartnerStatus(StrEnum):
    CANDIDATE = "candidate"
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    AT_RISK = "at_risk"
    EXITING = "exiting"
    EXITED = "exited"


class Quadrant(StrEnum):
    """Value–risk matrix quadrant, derived from the value and risk scores (never stored)."""

    STRATEGIC = "strategic"  # high value, low risk: invest
    OPPORTUNISTIC = "opportunistic"  # high value, high risk: manage the risk
    OPERATIONAL = "operational"  # low value, low risk: keep efficient
    AVOID = "avoid"  # low value, high risk: exit or fix


class PartnershipStage(StrEnum):
    TRANSACTIONAL = "transactional"
    COOPERATIVE = "cooperative"
    COLLABORATIVE = "collaborative"
    STRATEGIC = "strategic"


class Side(StrEnum):
    """Which side of the partnership a person or a task belongs to."""

    OURS = "ours"
    PARTNER = "partner"
    JOINT = "joint"


class ItemStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"
    NOT_APPLICABLE = "not_applicable"


class KpiCategory(StrEnum):
    QUALITY = "quality"
    DELIVERY = "delivery"
    COST = "cost"
    RESPONSIVENESS = "responsiveness"
    INNOVATION = "innovation"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class IndicatorKind(StrEnum):
    LEADING = "leading"
    LAGGING = "lagging"


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


class SessionType(StrEnum):
    COACHING_BURST = "coaching_burst"
    WEEKLY_OPS = "weekly_ops"
    MONTHLY_REVIEW = "monthly_review"
    QUARTERLY_REVIEW = "quarterly_review"
    RETROSPECTIVE = "retrospective"


class SessionStatus(StrEnum):
    PLANNED = "planned"
    LIVE = "live"
    ENDED = "ended"


class EntryKind(StrEnum):
    NOTE = "note"
    DECISION = "decision"
    RISK = "risk"
    ACTION = "action"
    EXPERIMENT = "experiment"


class PdcaStage(StrEnum):
    PLAN = "plan"
    DO = "do"
    CHECK = "check"
    ACT = "act"


class ExperimentOutcome(StrEnum):
    ADOPT = "adopt"
    ADAPT = "adapt"
    ABANDON = "abandon"


class AlignmentGroup(StrEnum):
    """The three corners of the alignment triangle."""

    GOALS = "goals"
    VALUES = "values"
    CAPABILITIES = "capabilities"


class TemplateStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class DisputeStatus(StrEnum):
    """Where a partner's challenge of a measurement stands: open until the team accepts or rejects it."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


def label(value: StrEnum | str) -> str:
    """Human label for an enum value: 'at_risk' -> 'At risk'."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]
