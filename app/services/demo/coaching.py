"""Demo coaching: sessions of every type with realistic live logs, action items, and PDCA experiments in every
stage whose histories run across the sessions.

Partners we work with (not candidates or exited ones) get past sessions (more for tier 1 and partners at
risk) and often an upcoming planned one. Each past session follows its type's agenda: the partner's data
and hypotheses, root causes, decisions, risks, action items with owners and due dates, experiment updates
and wins. Experiments are started in one session and move Plan → Do → Check → Act in later ones; some
stall (stagnating), some miss their check date, some end adopted, adapted or abandoned. No session is left
live, so the demo never offers to resume a crashed session.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.models import Kpi
from app.models.enums import (
    EntryKind,
    ExperimentOutcome,
    PartnerStatus,
    PdcaStage,
    SessionStatus,
    SessionType,
    Side,
    label,
)
from app.services.coaching import session_types
from app.services.demo.context import DemoContext, DemoPartner

LOCATIONS = ["Partner's plant, meeting room 2", "Video call", "Our office, room Harbour", "Partner's HQ",
             "Shop floor, line 3", "Video call", "Supplier day, Hall B"]

#: (KPI code, title, problem, hypothesis, plan, result, lessons)
EXPERIMENTS = [
    ("OTD", "Two-bin kanban for resin", "Resin stock-outs stop line 3 about twice a month.",
     "Stock-outs come from ordering by forecast; pull by kanban removes them.",
     "Two-bin kanban for the three main resins, refill triggered by the empty bin, review weekly.",
     "No stock-out in six weeks; OTD up from 91% to 96.5%.", "Start with the A-items; the bins need a visual owner."),
    ("OTD", "Frozen zone of five days in the schedule", "Late changes in the schedule push confirmed orders out.",
     "A frozen zone stops the churn that makes orders late.",
     "No schedule changes inside five working days without the plant manager's approval.",
     "Churn halved, OTD +2.8 points.", "Sales must be in the room when the rule is agreed."),
    ("PPM", "Poka-yoke on the clip assembly", "Missing clips are a third of all rejects.",
     "Operators miss the clip when the cycle speeds up; a sensor check prevents it.",
     "Fit a presence sensor and stop the press when a clip is missing; trial on one line.",
     "Clip defects from 410 to 60 ppm on the trial line.", "Involve maintenance before buying sensors."),
    ("PPM", "Layered process audits on night shift", "Night shift produces twice the defects of day shift.",
     "Standard work is not followed at night; short daily audits will show where.",
     "Ten-minute layered audits by team leaders every night for six weeks.",
     "Audit findings fell by half, PPM did not move.", "The root cause was material, not method."),
    ("LT", "SMED on the line 2 changeovers", "Changeovers on line 2 take 95 minutes and drive lot sizes up.",
     "Half of the changeover work can be done while the line runs.",
     "Film two changeovers, split internal and external work, trial the new standard for four weeks.",
     "Changeover down to 48 minutes; lead time 3 days shorter.", "Film first, argue later."),
    ("COSTRED", "Joint value engineering on the housing", "Price pressure on the housing without a cost lever.",
     "A cheaper alloy meets the spec with a thicker wall.",
     "Samples in the new alloy, lab tests, then a customer approval run.",
     "Savings of 6% confirmed, approval pending.", "Bring engineering in before purchasing talks price."),
    ("RESP", "Shared inbox with a four-hour rule", "Quality claims wait days for a first answer.",
     "Claims get lost in personal inboxes; a shared inbox with a rule fixes it.",
     "One shared claims inbox, first answer within four hours, daily check by the CS lead.",
     "Median first response 3.1 h (was 31 h).", "A named backup for holidays is essential."),
    ("FCA", "Weekly consensus forecast call", "Forecast accuracy below 70% causes expediting.",
     "Sales and the partner's planners use different numbers; one weekly call aligns them.",
     "A 30-minute call every Monday to agree the four-week forecast.",
     "Accuracy 78% after eight weeks.", "Keep the call short or people stop coming."),
    ("INVACC", "Cycle counting by ABC class", "Inventory record accuracy at 88%.",
     "Yearly counts miss the drift; cycle counts by class catch it early.",
     "Count A-items weekly, B monthly, C quarterly; root-cause every variance above 2%.",
     "Accuracy 96%.", "Root-causing variances mattered more than counting more."),
    ("CAPA", "8D coaching for the quality team", "Corrective actions close late and reopen.",
     "The team jumps to fixes; coaching on 8D root-cause steps helps.",
     "Two coached 8Ds with our SQE, then a checklist for every claim.",
     "On-time CAPA closure 85% (was 52%).", "Pair the coaching with real, current claims."),
]
NOTES = {
    0: ["Recap of the agreed KPIs: {kpi} is the focus this month.", "Objective agreed: decide the next experiment on {kpi}.",
        "Last month's actions reviewed: most are closed."],
    1: ["{contact} presents the {kpi} trend: three weeks below target.", "Partner's hypothesis: the misses cluster on Mondays.",
        "{contact} shows the Pareto of causes; two causes make 70% of it.", "Data from the ERP export, checked by both sides."],
    2: ["5 whys on the late orders: the root cause is the weekend material call-off.",
        "Fishbone on the defects: method and material branches get the most votes.",
        "We agree the root cause is not confirmed yet: more data needed.",
        "Partner sees capacity at the bottleneck as the main driver."],
    3: ["Experiment owner and success criterion agreed.", "Both sides agree to revisit in four weeks."],
    4: ["Win: zero customer complaints for the second month.", "Win: the new packaging passed the drop test.",
        "Thanks to {contact}'s team for the weekend shift.", "Win: audit passed with no major finding."],
}
DECISIONS = ["Move the {kpi} review to the weekly call until it is back in green.",
             "Keep the extra inspection step until the end of the quarter.",
             "Escalate the capacity question to the steering committee.",
             "Share the monthly scorecard with the partner's shop-floor teams.",
             "Accept the partner's proposal for a safety stock of five days.",
             "No new part numbers for this partner until {kpi} is green."]
RISKS = ["Resin prices may rise 8% next quarter.", "Key planner leaves in January; no backup yet.",
         "New ERP go-live at the partner in March may disrupt deliveries.",
         "Port congestion could add a week to sea freight.", "Single tool for the housing: no spare."]
ACTIONS = ["Send the {kpi} raw data for the last 12 weeks", "Book the line walk with maintenance",
           "Draft the escalation note for the steering committee", "Update the control plan",
           "Share the changeover video with our SQE", "Propose dates for the next QBR",
           "Check the contract clause on safety stock", "Prepare the 8D report for claim 2214",
           "Confirm the trial volumes with sales"]


def _kpi_ids(ctx: DemoContext) -> dict[str, tuple[str, str, float]]:
    with ctx.db.sessions() as s:
        return {k.code: (k.id, k.name, k.target) for k in s.scalars(select(Kpi).where(Kpi.deleted_at.is_(None)))}


def _session_plan(ctx: DemoContext, p: DemoPartner) -> list[tuple[SessionType, date]]:
    """The past sessions of one partner: (type, day), oldest first."""
    rng, today = ctx.rng, ctx.today
    start = max(p.since, today - timedelta(days=200))
    if (today - start).days < 10:
        return []
    end_gap = rng.randint(2, 40) if p.status is not PartnerStatus.EXITING else rng.randint(20, 90)
    count = {1: rng.randint(4, 7), 2: rng.randint(2, 4), 3: rng.randint(1, 2)}[p.tier]
    if p.status is PartnerStatus.AT_RISK:
        count += 2
    span = max(4, (today - start).days - end_gap)
    days = sorted(rng.sample(range(3, span), min(count - 1, span - 3))) + [span]
    plan = []
    for i, offset in enumerate(days):
        day = start + timedelta(days=offset)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        if p.status is PartnerStatus.AT_RISK and i % 2 == 0:
            kind = SessionType.COACHING_BURST
        elif p.status is PartnerStatus.EXITING and i == len(days) - 1:
            kind = SessionType.RETROSPECTIVE
        elif p.tier == 1 and i % 3 == 2:
            kind = SessionType.QUARTERLY_REVIEW
        else:
            kind = rng.choice([SessionType.MONTHLY_REVIEW, SessionType.WEEKLY_OPS, SessionType.MONTHLY_REVIEW,
                               SessionType.COACHING_BURST, SessionType.RETROSPECTIVE])
        plan.append((kind, day))
    return plan


def generate(ctx: DemoContext) -> None:
    rng, today = ctx.rng, ctx.today
    kpis = _kpi_ids(ctx)
    types = session_types()
    sessions, attendees, entries, actions, experiments, events = [], [], [], [], [], []
    stage_cycle = [PdcaStage.PLAN, PdcaStage.DO, PdcaStage.CHECK, PdcaStage.ACT]
    outcome_cycle = [ExperimentOutcome.ADOPT, ExperimentOutcome.ADAPT, ExperimentOutcome.ABANDON]
    n_exp = n_act = 0

    for p in ctx.partners:
        if p.status in (PartnerStatus.CANDIDATE, PartnerStatus.EXITED):
            continue
        past = _session_plan(ctx, p)
        contact = p.partner_contacts[0]
        people = [(n, Side.PARTNER) for n in p.partner_contacts] + [(n, Side.OURS) for n in p.our_contacts]
        # Experiments for this partner: each starts in one of its sessions and moves on in later ones.
        pool = rng.sample(EXPERIMENTS, k=min(len(past) and rng.randint(1, 3), len(EXPERIMENTS)))
        exp_plans = []  # (row, start index, target stage or outcome)
        for j, (code, title, problem, hypo, plan_text, result, lessons) in enumerate(pool):
            if code not in kpis:
                continue
            target = stage_cycle[n_exp % 4]
            # start early enough that the later sessions can take it to its target stage
            start_i = rng.randrange(max(1, len(past) - stage_cycle.index(target)))
            target = stage_cycle[min(stage_cycle.index(target), len(past) - 1 - start_i)]
            outcome = None
            if target is PdcaStage.ACT:
                outcome, n_act = outcome_cycle[n_act % 3], n_act + 1
            n_exp += 1
            owner, side = (contact, Side.PARTNER) if j % 2 == 0 else (p.lead, Side.OURS)
            row = dict(id=ctx.new_id(), partner_id=p.id, title=title, problem=problem, hypothesis=hypo,
                       plan=plan_text, owner=owner, owner_side=side, kpi_id=kpis[code][0],
                       target_value=kpis[code][2], check_date=past[start_i][1] + timedelta(days=rng.choice([28, 42, 56])),
                       stage=PdcaStage.PLAN, result="", outcome=None, lessons="", started_in_session_id=None,
                       _code=code, _result=result, _lessons=lessons)
            exp_plans.append((row, start_i, target, outcome))

        session_ids = []
        for i, (kind, day) in enumerate(past):
            sid = ctx.new_id()
            session_ids.append(sid)
            info = types[kind]
            start = ctx.at(day, rng.choice([8, 9, 10, 13, 14]), rng.choice([0, 0, 30]))
            facilitator, fside = (p.lead, Side.OURS) if rng.random() < 0.75 else (contact, Side.PARTNER)
            focus = next((r["_code"] for r, s_i, *_ in exp_plans if s_i <= i), rng.choice(list(kpis)))
            kpi_name = kpis[focus][1]
            t = start + timedelta(minutes=rng.randint(1, 4))
            log = []

            def add(kind_, text, **links):
                nonlocal t
                log.append(dict(id=ctx.new_id(), partner_id=p.id, session_id=sid, position=float(len(log) + 1),
                                kind=kind_, text=text, logged_at=t, author=p.lead, **links))
                t += timedelta(minutes=rng.randint(2, 7), seconds=rng.randint(0, 59))

            fill = dict(kpi=kpi_name, contact=contact)
            for item_i in range(len(info.agenda)):
                bucket = min(item_i, 4) if item_i < len(info.agenda) - 1 else 4
                for text in rng.sample(NOTES[bucket], k=min(len(NOTES[bucket]), rng.randint(1, 2))):
                    add(EntryKind.NOTE, text.format(**fill))
                if bucket == 2:
                    if rng.random() < 0.5:
                        add(EntryKind.RISK, rng.choice(RISKS))
                    add(EntryKind.DECISION, rng.choice(DECISIONS).format(**fill))
                if bucket == 3:
                    # experiment updates happen here: start, move on, conclude
                    for row, s_i, target, outcome in exp_plans:
                        _experiment_step(ctx, row, s_i, i, len(past), target, outcome, sid, t, add, events,
                                         p.lead)
                    for _ in range(rng.randint(1, 3)):
                        owner, side = rng.choice(people)
                        due = day + timedelta(days=rng.choice([3, 7, 7, 14, 21]))
                        done = None
                        if due < today and rng.random() < (0.95 if due < today - timedelta(days=45) else 0.7):
                            done = min(today, due - timedelta(days=rng.randint(-5, 3)))
                        aid = ctx.new_id()
                        actions.append(dict(id=aid, partner_id=p.id, session_id=sid,
                                            title=rng.choice(ACTIONS).format(**fill), owner=owner,
                                            owner_side=side, due_date=due, done_on=done))
                        add(EntryKind.ACTION, actions[-1]["title"], action_item_id=aid)
            ended = t + timedelta(minutes=rng.randint(1, 5))
            n_decisions = sum(e["kind"] is EntryKind.DECISION for e in log)
            sessions.append(dict(
                id=sid, partner_id=p.id, session_type=kind, title=info.name, objective=info.objective,
                scheduled_at=start, location=rng.choice(LOCATIONS), facilitator=facilitator,
                facilitator_side=fside, agenda=[{"title": a.title, "minutes": a.minutes} for a in info.agenda],
                current_agenda_index=len(info.agenda) - 1, status=SessionStatus.ENDED, started_at=start,
                ended_at=ended, summary=f"{n_decisions} decision(s); focus on {kpi_name}. "
                                        + rng.choice(["Good energy in the room.", "Open discussion, data-driven.",
                                                      "Tense start, constructive end.", ""]).strip()))
            for name, side in rng.sample(people, k=min(len(people), rng.randint(2, 4))):
                attendees.append(dict(id=ctx.new_id(), partner_id=p.id, session_id=sid, contact_id=None,
                                      name=name, side=side))
            entries.extend(log)
        for row, s_i, *_ in exp_plans:
            row["started_in_session_id"] = session_ids[s_i]
            if row["outcome"] is None and rng.random() < 0.65:
                # the owner's update between sessions keeps most experiments fresh; the others stagnate
                at = ctx.at(today - timedelta(days=rng.randint(1, 24)), 16)
                events.append(dict(id=ctx.new_id(), partner_id=p.id, experiment_id=row["id"], session_id=None,
                                   from_stage=None, to_stage=None, happened_at=at, author=row["owner"],
                                   note=rng.choice(["Data for week 46 added to the shared sheet.",
                                                    "Trial extended to the second line.",
                                                    "Waiting for the lab results.",
                                                    "Operators trained on the new standard."])))
            if row["stage"] in (PdcaStage.PLAN, PdcaStage.DO):
                row["check_date"] = today + timedelta(days=rng.choice([-12, -5, 7, 14, 21, 28, 35]))
            for key in ("_code", "_result", "_lessons"):
                row.pop(key)
            experiments.append(row)

        # An upcoming session for many active partners (planned, not run).
        if p.status in (PartnerStatus.ACTIVE, PartnerStatus.AT_RISK, PartnerStatus.ONBOARDING) and rng.random() < 0.45:
            kind = rng.choice(list(SessionType))
            info = types[kind]
            day = today + timedelta(days=rng.randint(1, 21))
            sid = ctx.new_id()
            sessions.append(dict(
                id=sid, partner_id=p.id, session_type=kind, title=info.name, objective=info.objective,
                scheduled_at=ctx.at(day, rng.choice([9, 10, 14])), location=rng.choice(LOCATIONS),
                facilitator=p.lead, facilitator_side=Side.OURS,
                agenda=[{"title": a.title, "minutes": a.minutes} for a in info.agenda], current_agenda_index=0,
                status=SessionStatus.PLANNED, started_at=None, ended_at=None, summary=""))
            for name, side in people[:3]:
                attendees.append(dict(id=ctx.new_id(), partner_id=p.id, session_id=sid, contact_id=None,
                                      name=name, side=side))

    ctx.insert("coaching_sessions", sessions)
    ctx.insert("session_attendees", attendees)
    ctx.insert("action_items", actions)
    ctx.insert("experiments", experiments)
    ctx.insert("experiment_events", events)
    ctx.insert("log_entries", entries)


def _experiment_step(ctx: DemoContext, row: dict, start_i: int, i: int, n_sessions: int, target: PdcaStage,
                     outcome: ExperimentOutcome | None, sid: str, at: datetime, add, events: list,
                     author: str) -> None:
    """What happens to one experiment in session ``i``: it starts, moves one stage on, or is concluded."""
    if i < start_i:
        return

    def event(from_stage, to_stage, note):
        events.append(dict(id=ctx.new_id(), partner_id=row["partner_id"], experiment_id=row["id"], session_id=sid,
                           from_stage=from_stage, to_stage=to_stage, note=note, happened_at=at, author=author))

    if i == start_i:
        event(None, PdcaStage.PLAN, row["problem"])
        add(EntryKind.EXPERIMENT, f"New experiment: {row['title']}", experiment_id=row["id"])
        return
    stage = row["stage"]
    order = [PdcaStage.PLAN, PdcaStage.DO, PdcaStage.CHECK, PdcaStage.ACT]
    remaining = n_sessions - i
    # Move on when there is still a way to go, leaving room for the later sessions.
    if order.index(stage) < order.index(target) and (ctx.rng.random() < 0.7 or remaining <= order.index(target)
                                                      - order.index(stage)):
        nxt = order[order.index(stage) + 1]
        if nxt is PdcaStage.ACT:
            row["outcome"], row["result"], row["lessons"] = outcome, row["_result"], row["_lessons"]
            note = f"Outcome: {label(outcome)}. {row['_result']}"
        else:
            note = {PdcaStage.DO: "Trial started as planned.", PdcaStage.CHECK: "Trial done; first results in."}[nxt]
        event(stage, nxt, note)
        row["stage"] = nxt
        add(EntryKind.EXPERIMENT, f"{label(stage)} → {label(nxt)}: {note}", experiment_id=row["id"])
    elif row["outcome"] is None and ctx.rng.random() < 0.5:
        note = ctx.rng.choice(["Partner collected two more weeks of data.", "Owner on holiday; no progress.",
                               "First signs are positive.", "Scope narrowed to one line."])
        event(None, None, note)
        add(EntryKind.EXPERIMENT, note, experiment_id=row["id"])
