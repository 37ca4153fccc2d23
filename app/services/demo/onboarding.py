"""Demo onboarding: playbooks (a second version of the shipped one, a distributor playbook, a draft), checklists
at every stage for partners in onboarding, closed checklists of active partners, re-onboarding of partners at
risk, and 30-60-90 success plans."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.models import PlanTemplate, PlaybookStep, PlaybookVersion
from app.models.enums import ItemStatus, PartnerKind, PartnerStatus, Side, TemplateStatus
from app.services.demo.context import DemoContext, DemoPartner
from app.services.plans import PHASES, ROLE_CONTACT, ROLE_LEAD, phase_end
from app.services.reference_data import stable_id

DEFAULT_PLAYBOOK = stable_id("playbook", "default")
DEFAULT_TEMPLATE = stable_id("plan_template", "default_30_60_90")
V2_AGE_DAYS = 45  # version 2 of the standard playbook was published this many days before "today"

V2_NEW_STEPS = [
    dict(title="Code of conduct and sustainability commitments signed", owner_side=Side.PARTNER, day_offset=10,
         evidence_required=True, description="The partner signs our supplier code of conduct and shares its "
                                             "sustainability certificates (ISO 14001 or equivalent)."),
    dict(title="Data protection agreement in place", owner_side=Side.OURS, day_offset=12, evidence_required=True,
         description="A data processing agreement covers every system the partner gets access to."),
]
DISTRIBUTOR_STEPS = [
    ("Channel agreement and territories confirmed", Side.JOINT, 0, True),
    ("Price lists and discount structure shared", Side.OURS, 3, False),
    ("Partner portal access and deal registration", Side.OURS, 5, True),
    ("Sales team product training", Side.OURS, 10, True),
    ("Technical pre-sales certification", Side.PARTNER, 20, True),
    ("Joint marketing plan for the first quarter", Side.JOINT, 21, False),
    ("Demo stock and sample kits delivered", Side.OURS, 14, False),
    ("First joint customer visit", Side.JOINT, 30, False),
    ("Forecast and stock-level reporting set up", Side.PARTNER, 28, True),
    ("First quarterly business review booked", Side.JOINT, 45, False),
]
EVIDENCE = ["Screenshot of the test order in the portal", "Signed PDF filed in the partner folder",
            "Minutes of the workshop shared with both teams", "Attendance list and training slides",
            "Confirmation e-mail from the partner", "Four-eyes check recorded in the vendor master",
            "Test transaction number recorded", "Certificate copy attached to the partner record"]


def generate(ctx: DemoContext) -> None:
    versions = _playbooks(ctx)
    open_starts = _checklists(ctx, versions)
    _plans(ctx, open_starts)


# -- playbooks ---------------------------------------------------------------------------------------------

def _playbooks(ctx: DemoContext) -> dict[str, tuple[str, date, list[dict]]]:
    """Returns {name: (version id, published on, steps)} of the published versions checklists can use."""
    with ctx.db.sessions() as s:
        v1 = s.get(PlaybookVersion, stable_id("playbook", "default", "v1"))
        v1_steps = [dict(id=x.id, key=x.id, title=x.title, description=x.description, owner_side=x.owner_side,
                         day_offset=x.day_offset, evidence_required=x.evidence_required, kpi_id=x.kpi_id)
                    for x in s.scalars(select(PlaybookStep).where(PlaybookStep.version_id == v1.id)
                                       .order_by(PlaybookStep.position))]
        v1_name, v1_description = v1.name, v1.description
    today = ctx.today
    v2_published = today - timedelta(days=V2_AGE_DAYS)
    v1_published = today - timedelta(days=ctx.options.months * 31 + 400)
    # Version 2 of the shipped playbook: two new steps, an earlier KPI step, a step the partner now co-owns.
    v2_id = ctx.new_id()
    v2_steps = []
    for x in v1_steps:
        step = dict(x, id=ctx.new_id())
        if step["title"].startswith("KPIs and baseline"):
            step["day_offset"] = 18
        if step["title"].startswith("Partner presents"):
            step["owner_side"] = Side.JOINT
        v2_steps.append(step)
    v2_steps[6:6] = [dict(id=ctx.new_id(), key="", kpi_id=None, **x) for x in V2_NEW_STEPS]
    ctx.insert("playbook_versions", [
        dict(id=v2_id, playbook_id=DEFAULT_PLAYBOOK, version=2, name=v1_name, description=v1_description,
             status=TemplateStatus.PUBLISHED, published_at=_at(v2_published),
             change_note="Added code of conduct and data protection after the 2026 audit; KPIs agreed earlier."),
    ])
    ctx.insert("playbook_steps", [dict(s_, version_id=v2_id, position=i) for i, s_ in enumerate(v2_steps)])

    # A distributor playbook, published, and a draft of a customer playbook being co-authored.
    dist_id, dist_v1 = ctx.new_id(), ctx.new_id()
    draft_id, draft_v1 = ctx.new_id(), ctx.new_id()
    ctx.insert("playbooks", [
        dict(id=dist_id, name="Distributor channel onboarding",
             description="Getting a new distributor or reseller selling: agreement, training, first deals."),
        dict(id=draft_id, name="Key customer onboarding",
             description="Draft co-authored with two pilot customers; not published yet."),
    ])
    ctx.insert("playbook_versions", [
        dict(id=dist_v1, playbook_id=dist_id, version=1, name="Distributor channel onboarding",
             description="Getting a new distributor or reseller selling: agreement, training, first deals.",
             status=TemplateStatus.PUBLISHED, published_at=_at(v1_published), change_note="First version"),
        dict(id=draft_v1, playbook_id=draft_id, version=1, name="Key customer onboarding",
             description="Draft co-authored with two pilot customers; not published yet.",
             status=TemplateStatus.DRAFT, published_at=None, change_note=""),
    ])
    dist_steps = [dict(id=ctx.new_id(), key="", version_id=dist_v1, position=i, title=t, description="",
                       owner_side=side, day_offset=off, evidence_required=ev, kpi_id=None)
                  for i, (t, side, off, ev) in enumerate(sorted(DISTRIBUTOR_STEPS, key=lambda x: x[2]))]
    draft_steps = [dict(id=ctx.new_id(), key="", version_id=draft_v1, position=i, title=t, description="",
                        owner_side=side, day_offset=off, evidence_required=False, kpi_id=None)
                   for i, (t, side, off) in enumerate([
                       ("Executive sponsor meeting", Side.JOINT, 0),
                       ("Account team introduced", Side.OURS, 2),
                       ("Customer success criteria written down", Side.PARTNER, 10),
                       ("Service levels signed", Side.JOINT, 20)])]
    ctx.insert("playbook_steps", dist_steps + draft_steps)
    return {
        "v1": (v1.id, v1_published, v1_steps),
        "v2": (v2_id, v2_published, v2_steps),
        "distributor": (dist_v1, v1_published, dist_steps),
    }


# -- checklists ---------------------------------------------------------------------------------------------

def _checklists(ctx: DemoContext, versions) -> dict[str, date]:
    """Returns the start date of each partner's open checklist."""
    rng, today = ctx.rng, ctx.today
    lists, items = [], []
    for p in ctx.partners:
        if p.status is PartnerStatus.ONBOARDING:
            _one_checklist(ctx, p, _version_for(p, p.since, versions), p.since, lists, items, closed=False)
        elif p.status is PartnerStatus.ACTIVE and rng.random() < 0.45:
            _one_checklist(ctx, p, _version_for(p, p.since, versions), p.since, lists, items, closed=True)
        elif p.status is PartnerStatus.AT_RISK and rng.random() < 0.5:
            # Re-onboarding a partner that slipped: an old closed checklist and a fresh open one.
            _one_checklist(ctx, p, _version_for(p, p.since, versions), p.since, lists, items, closed=True)
            restart = today - timedelta(days=rng.randint(10, 40))
            _one_checklist(ctx, p, versions["v2"] if p.kind is not PartnerKind.DISTRIBUTOR
                           else versions["distributor"], restart, lists, items, closed=False, title="Re-onboarding")
    ctx.insert("onboarding_checklists", lists)
    ctx.insert("checklist_items", items)
    return {c["partner_id"]: c["start_date"] for c in lists if c["closed_at"] is None}


def _version_for(p: DemoPartner, start: date, versions):
    if p.kind is PartnerKind.DISTRIBUTOR:
        return versions["distributor"]
    return versions["v2"] if start >= versions["v2"][1] else versions["v1"]


def _one_checklist(ctx: DemoContext, p: DemoPartner, version, start: date, lists: list, items: list, *,
                   closed: bool, title: str = "") -> None:
    rng, today = ctx.rng, ctx.today
    version_id, _published, steps = version
    checklist_id = ctx.new_id()
    # A slow partner lags: its chance to finish an item on time.
    diligence = rng.choice([0.55, 0.75, 0.9, 0.97])
    last_done = start
    for pos, step in enumerate(steps):
        due = start + timedelta(days=step["day_offset"])
        side = Side(step["owner_side"])
        owner = p.lead if side is not Side.PARTNER else p.partner_contacts[0]
        status, completed_on = ItemStatus.TODO, None
        if closed:
            status = ItemStatus.NOT_APPLICABLE if rng.random() < 0.05 else ItemStatus.DONE
        elif due <= today:
            r = rng.random()
            status = (ItemStatus.DONE if r < diligence else ItemStatus.IN_PROGRESS if r < diligence + 0.15
                      else ItemStatus.BLOCKED if r < diligence + 0.2 else ItemStatus.TODO)
        elif (due - today).days < 10 and rng.random() < 0.3:
            status = ItemStatus.IN_PROGRESS if rng.random() < 0.7 else ItemStatus.DONE
        if status is ItemStatus.DONE:
            completed_on = min(today, due + timedelta(days=rng.randint(-3, 6)), start + timedelta(days=120))
            completed_on = max(completed_on, start)
            last_done = max(last_done, completed_on)
        who = ""
        if completed_on:
            who = p.lead if side is Side.OURS else (p.partner_contacts[0] if side is Side.PARTNER
                                                    else rng.choice([p.lead, p.partner_contacts[0]]))
        evidence = ""
        if step["evidence_required"] and status is ItemStatus.DONE:
            evidence = rng.choice(EVIDENCE)
        elif status is ItemStatus.BLOCKED:
            evidence = rng.choice(["Waiting for the partner's IT department",
                                   "Legal review pending on our side", "Contact on leave until next week"])
        items.append(dict(
            id=ctx.new_id(), partner_id=p.id, checklist_id=checklist_id, step_id=step["id"], position=pos,
            title=step["title"], description=step["description"], owner_side=side, owner_name=owner,
            due_date=due, status=status, evidence_required=step["evidence_required"], evidence_note=evidence,
            completed_on=completed_on, completed_by=who))
    lists.append(dict(id=checklist_id, partner_id=p.id, playbook_version_id=version_id,
                      title=title or ("Distributor onboarding" if p.kind is PartnerKind.DISTRIBUTOR
                                      else "Onboarding"),
                      start_date=start, closed_at=_at(last_done + timedelta(days=2)) if closed else None))


# -- success plans ------------------------------------------------------------------------------------------

def _plans(ctx: DemoContext, open_starts: dict[str, date]) -> None:
    rng, today = ctx.rng, ctx.today
    with ctx.db.sessions() as s:
        template = s.get(PlanTemplate, DEFAULT_TEMPLATE)
        content = template.content if template is not None else {"phases": []}
    plans, goals, milestones = [], [], []
    for p in ctx.partners:
        if p.id in open_starts:  # every partner in (re-)onboarding has a plan from the same day
            start = open_starts[p.id]
        elif p.status is PartnerStatus.ACTIVE and rng.random() < 0.25:
            start = today - timedelta(days=rng.randint(20, 200))
        else:
            continue
        plan_id = ctx.new_id()
        plans.append(dict(id=plan_id, partner_id=p.id, title="30-60-90 success plan", start_date=start,
                          notes="Agreed in the kick-off; reviewed in every monthly review."))
        owners = {ROLE_LEAD: p.lead, ROLE_CONTACT: p.partner_contacts[0]}
        diligence = rng.choice([0.6, 0.8, 0.95])
        for ph in content["phases"]:
            phase = ph["phase"]
            for pos, g in enumerate(ph["goals"]):
                goals.append(dict(id=ctx.new_id(), partner_id=p.id, plan_id=plan_id, phase=phase, position=pos,
                                  description=g["description"], measure=g["measure"]))
            for pos, m in enumerate(ph["milestones"]):
                due, manual = phase_end(start, phase), False
                if rng.random() < 0.2:  # some dates agreed by hand, inside the phase
                    due, manual = due - timedelta(days=rng.randint(3, 20)), True
                days_left = (due - today).days
                if days_left < 0:
                    r = rng.random()
                    status = (ItemStatus.DONE if r < diligence else ItemStatus.BLOCKED if r < diligence + 0.1
                              else ItemStatus.IN_PROGRESS)
                elif days_left < 20:
                    status = rng.choice([ItemStatus.TODO, ItemStatus.IN_PROGRESS, ItemStatus.IN_PROGRESS,
                                         ItemStatus.DONE])
                else:
                    status = ItemStatus.TODO
                milestones.append(dict(id=ctx.new_id(), partner_id=p.id, plan_id=plan_id, phase=phase,
                                       position=pos, title=m["title"], owner=owners.get(m["owner"], m["owner"]),
                                       due_date=due, due_date_manual=manual, status=status))
        # An extra partner-specific milestone now and then, as real plans have.
        if rng.random() < 0.4:
            phase = rng.choice(PHASES)
            position = sum(1 for m in milestones if m["plan_id"] == plan_id and m["phase"] == phase)
            milestones.append(dict(id=ctx.new_id(), partner_id=p.id, plan_id=plan_id, phase=phase, position=position,
                                   title=rng.choice(["Second source qualified for the main part",
                                                     "Packaging redesign trial", "EDI invoicing live",
                                                     "Safety stock agreement signed"]),
                                   owner=p.lead, due_date=phase_end(start, phase), due_date_manual=False,
                                   status=ItemStatus.TODO if phase_end(start, phase) > today
                                   else ItemStatus.DONE))
    ctx.insert("success_plans", plans)
    ctx.insert("plan_goals", goals)
    ctx.insert("plan_milestones", milestones)
    ctx.insert("plan_templates", [dict(
        id=ctx.new_id(), name="Distributor launch plan",
        description="Saved from a distributor's plan: sell-in first, then sell-through.",
        content={"phases": [
            {"phase": 30, "goals": [{"description": "The sales team can sell the core range",
                                     "measure": "Everyone in sales passed the product training"}],
             "milestones": [{"title": "Price lists loaded", "owner": ROLE_CONTACT},
                            {"title": "First deal registered", "owner": ROLE_CONTACT}]},
            {"phase": 60, "goals": [{"description": "Pipeline builds", "measure": "Ten qualified opportunities"}],
             "milestones": [{"title": "Joint customer event held", "owner": ROLE_LEAD}]},
            {"phase": 90, "goals": [{"description": "Sell-through starts", "measure": "First reorder placed"}],
             "milestones": [{"title": "First quarterly business review", "owner": ROLE_LEAD}]},
        ]})])


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0))
