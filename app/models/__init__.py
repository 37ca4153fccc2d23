"""SQLAlchemy models of the whole domain. Importing this package registers every table on `Base.metadata`."""

from app.models.attachment import Attachment
from app.models.base import Base, Syncable, new_id, syncable_tables
from app.models.coaching import ActionItem, CoachingSession, Experiment, ExperimentEvent, LogEntry, SessionAttendee
from app.models.dispute import MeasurementDispute
from app.models.kpi import Kpi, KpiOverride, KpiVersion, Measurement
from app.models.learning import LearningCompletion, LearningModule
from app.models.local import Device, LocalSetting, SessionDraft
from app.models.partner import Contact, EscalationStep, Partner
from app.models.plan import PlanGoal, PlanMilestone, PlanTemplate, PlanTemplateVersion, SuccessPlan
from app.models.playbook import ChecklistItem, OnboardingChecklist, Playbook, PlaybookStep, PlaybookVersion
from app.models.selection import (
    CriteriaSet,
    Criterion,
    DecisionItem,
    ReferenceCall,
    SelectionAssessment,
    SelectionScore,
)
from app.models.sync import SyncConflict, SyncHistory, SyncMark, SyncProposal, SyncSigner

__all__ = [
    "ActionItem", "Attachment", "Base", "ChecklistItem", "CoachingSession", "Contact", "CriteriaSet", "Criterion",
    "DecisionItem", "Device", "EscalationStep", "Experiment", "ExperimentEvent", "Kpi", "KpiOverride",
    "KpiVersion", "LearningCompletion", "LearningModule", "LocalSetting", "LogEntry", "Measurement",
    "MeasurementDispute", "OnboardingChecklist", "Partner", "PlanGoal", "PlanMilestone", "PlanTemplate",
    "PlanTemplateVersion", "Playbook", "PlaybookStep", "PlaybookVersion", "ReferenceCall", "SelectionAssessment",
    "SelectionScore", "SessionAttendee", "SessionDraft", "SuccessPlan", "SyncConflict", "SyncHistory", "SyncMark",
    "SyncProposal", "SyncSigner", "Syncable", "new_id", "syncable_tables",
]
