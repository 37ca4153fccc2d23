"""The partner's pre-read: everything one partner is sent before a review, gathered as plain data.

`gather_brief(services, partner_id)` reads, through the other services, only records of that partner: its
scorecard with a trend per measured KPI, open action items on both sides, experiments with their stage, the
current success plan's progress, the last session run (its decisions) and the next session planned.
app/reports/brief.py turns the result into a PDF. Each read is its own transaction; any thread may call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from app.models.enums import SessionStatus
from app.services.actions import ActionItemData, ActionQuery, ActionStatus
from app.services.coaching import SessionData, SessionMinutes
from app.services.experiments import ExperimentData, ExperimentQuery
from app.services.partners import PartnerData
from app.services.plans import PlanData
from app.services.scorecards import PartnerScorecard, TrendSeries

if TYPE_CHECKING:
    from app.services import Services

RECENTLY_CONCLUDED = 5  # concluded experiments listed after the open ones


@dataclass(frozen=True)
class BriefData:
    partner: PartnerData
    today: date
    scorecard: PartnerScorecard
    trends: tuple[TrendSeries, ...]
    actions: tuple[ActionItemData, ...]  # open, by due date
    experiments: tuple[ExperimentData, ...]  # open ones, then the latest concluded
    plan: PlanData | None
    last_session: SessionMinutes | None  # the latest session that was run
    next_session: SessionData | None  # the next planned one

    @property
    def partner_ids(self) -> set[str]:
        """Every partner id the data holds (exactly one: the test of "nothing about another partner")."""
        ids = {self.partner.id, self.scorecard.partner_id}
        ids |= {t.partner_id for t in self.trends} | {a.partner_id for a in self.actions}
        ids |= {e.partner_id for e in self.experiments}
        if self.plan:
            ids.add(self.plan.partner_id)
        for s in (self.last_session.session if self.last_session else None, self.next_session):
            if s:
                ids.add(s.partner_id)
        return ids


def gather_brief(services: Services, partner_id: str, today: date | None = None) -> BriefData:
    """The pre-read data of one partner. Raises NotFound for an unknown partner."""
    today = today or date.today()
    partner = services.partners.get(partner_id)
    card = services.scorecards.partner_scorecard(partner_id, today)
    trends = tuple(services.scorecards.trend(partner_id, r.kpi_id) for r in card.rows if r.latest_value is not None)
    actions = tuple(services.actions.list(ActionQuery(partner_id=partner_id, status=ActionStatus.OPEN), today))
    experiments = services.experiments.log(ExperimentQuery(partner_id=partner_id), today)
    open_ = [e for e in experiments if e.is_open]
    done = [e for e in experiments if not e.is_open][:RECENTLY_CONCLUDED]
    plan = services.plans.current(partner_id, today)
    ran = services.coaching.list(partner_id, (SessionStatus.ENDED, SessionStatus.LIVE), limit=1)
    last = services.coaching.minutes(ran[0].id) if ran else None
    planned = services.coaching.list(partner_id, (SessionStatus.PLANNED,), newest_first=False)
    upcoming = [s for s in planned if s.scheduled_at.date() >= today] or planned[-1:]
    nxt = services.coaching.get(upcoming[0].id) if upcoming else None
    return BriefData(partner, today, card, trends, actions, tuple(open_ + done), plan, last, nxt)


__all__ = ["BriefData", "gather_brief"]
