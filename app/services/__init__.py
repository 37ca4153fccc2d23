"""Use cases of Tandem. `build_services` wires them once over an open database (called from main.py)."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.actions import ActionService
from app.services.agenda import AgendaService
from app.services.attachments import AttachmentService, BlobStore
from app.services.coaching import CoachingService
from app.services.database import Database
from app.services.disputes import DisputeService
from app.services.experiments import ExperimentService
from app.services.hub_sync import HubSync
from app.services.identity import IdentityService
from app.services.kpis import KpiService
from app.services.learning import LearningService
from app.services.measurements import MeasurementService
from app.services.onboarding import OnboardingService
from app.services.partners import PartnerService
from app.services.plans import PlanService
from app.services.playbooks import PlaybookService
from app.services.scorecards import ScorecardService
from app.services.selection import SelectionService
from app.services.settings import SettingsService
from app.services.sync import SyncService
from app.services.workspace import WorkspaceService


@dataclass
class Services:
    """Every service the UI and the command line use, built once over one database."""

    db: Database
    identity: IdentityService
    partners: PartnerService
    playbooks: PlaybookService
    onboarding: OnboardingService
    plans: PlanService
    selection: SelectionService
    settings: SettingsService
    actions: ActionService
    experiments: ExperimentService
    coaching: CoachingService
    kpis: KpiService
    measurements: MeasurementService
    scorecards: ScorecardService
    sync: SyncService
    learning: LearningService
    agenda: AgendaService
    attachments: AttachmentService
    disputes: DisputeService
    workspace: WorkspaceService  # this Tandem as a partner's workspace (None from current(): an ordinary one)
    hub: HubSync | None = None  # syncing with the team hub (app/hub)


def build_services(db: Database) -> Services:
    from app.services.reference_data import seed_reference_data
    from app.services.sync.exporter import remove_leftover_exports

    seed_reference_data(db)
    remove_leftover_exports(db)
    identity = IdentityService(db.sessions)
    workspace = WorkspaceService(db.sessions)
    attachments = AttachmentService(db.sessions, BlobStore.beside(db.path), identity)
    settings = SettingsService(db.sessions)
    sync = SyncService(db, identity, workspace)
    return Services(db=db, identity=identity, partners=PartnerService(db.sessions, workspace),
                    playbooks=PlaybookService(db.sessions, workspace), onboarding=OnboardingService(db.sessions, identity),
                    plans=PlanService(db.sessions, workspace, identity),
                    selection=SelectionService(db.sessions, workspace), settings=settings,
                    actions=ActionService(db.sessions), experiments=ExperimentService(db.sessions),
                    coaching=CoachingService(db.sessions),
                    kpis=KpiService(db.sessions, identity, workspace), measurements=MeasurementService(db.sessions),
                    scorecards=ScorecardService(db.sessions), sync=sync,
                    learning=LearningService(db.sessions, workspace),
                    agenda=AgendaService(db.sessions, identity),
                    attachments=attachments, disputes=DisputeService(db.sessions, identity, attachments),
                    workspace=workspace, hub=HubSync(db, sync, identity, settings))
