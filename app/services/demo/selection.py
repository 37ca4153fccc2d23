"""Demo selection assessments: candidates at every stage of their selection, and the signed decisions of the
partners now onboarding (one of them signed with an override)."""

from __future__ import annotations

from datetime import timedelta

from app.models.enums import PartnerStatus
from app.services.demo.context import DemoContext, DemoPartner
from app.services.reference_data import load_json, stable_id

EVIDENCE = {
    "STRAT": ["Roadmap shared under NDA matches our 2027 platform plan.", "Moving into medical; overlap shrinking.",
              "Same target markets; want a joint offer for the Nordics."],
    "FIN": ["Audited 2025 accounts: EBITDA 11 %, net cash positive.", "Credit report: low risk (score 82).",
            "Thin liquidity; we would be 35 % of their revenue."],
    "GROWTH": ["Could take over the second housing family next year.", "Limited to one region for now."],
    "CULT": ["Shared scrap data openly during the visit.", "Decisions need the owner; slow but reliable.",
             "Keen to co-design the packaging change."],
    "RESP": ["Quotation in 3 days, samples in 2 weeks.", "Answers took over a week twice."],
    "SUST": ["ISO 14001, published CO2 figures, signed our code of conduct.", "No supplier audit programme yet."],
    "TECH": ["Five-axis CNC cell and in-house tooling; first articles within tolerance.",
             "Capable for simple parts; no clean-room assembly.", "Strong process engineering, SPC on all lines."],
    "CAP": ["Second shift free: about 40 % headroom.", "Near capacity until the new hall opens in Q3."],
    "CERT": ["ISO 9001 and IATF 16949 current (audit report seen).", "ISO 9001 only; IATF planned for 2027."],
    "LOC": ["Two days by truck to our main plant.", "Sea freight, 5-week lead time; port risk."],
}
NOTES = {
    "REQ": "Spec review with engineering passed.", "FINCHK": "Credit agency report filed.",
    "REFS": "Both referees positive on delivery.", "PILOT": "Pilot lot accepted, 0 ppm.",
    "TRIANGLE": "Scored in the kick-off workshop.", "VALRISK": "Placed as strategic.", "LEGAL": "Framework agreement v3.",
    "ONBPLAN": "Default onboarding playbook.", "CADENCE": "Weekly ops call, monthly review.",
    "KPIS": "OTD, PPM, lead time; baseline from the pilot.",
}
REFEREE_ORGS = ["Baltic Motors AB", "Helio Systems GmbH", "Cedar Health Ltd", "Orion Retail B.V.", "Summit Tools Oy",
                "Granite Industrial S.A."]
FIRST = ["Eva", "Tom", "Sofia", "Marek", "Lea", "Ravi", "Nora", "Jan"]
LAST = ["Lind", "Berg", "Kovacs", "Weber", "Sato", "Dubois", "Ferreira", "Holt"]


def generate(ctx: DemoContext) -> None:
    spec = load_json("selection_criteria.json")
    set_id = stable_id("criteria_set", "default", "v1")
    criteria = [(stable_id("criterion", "default", "v1", c["code"]), c["code"]) for c in spec["criteria"]]
    checklist = spec["decision_checklist"]
    assessments, scores, items, calls = [], [], [], []

    candidates = [p for p in ctx.partners if p.status is PartnerStatus.CANDIDATE]
    onboarding = [p for p in ctx.partners if p.status is PartnerStatus.ONBOARDING]
    # Stages of a candidate: 0 not started (no workspace), 1 scoring, 2 scored and checking, 3 ready to sign
    plans = [(p, (1, 2, 3, 0, 2)[i % 5], False) for i, p in enumerate(candidates)]
    plans += [(p, 4, i == 0) for i, p in enumerate(onboarding)]  # signed; the first with an override

    for partner, stage, override in plans:
        if stage == 0:
            continue
        aid = ctx.new_id()
        day = ctx.today - timedelta(days=ctx.rng.randint(2, 40)) if stage < 4 else partner.since - timedelta(days=3)
        scored = len(criteria) if stage >= 2 else ctx.rng.randint(2, len(criteria) - 3)
        for n, (cid, code) in enumerate(criteria):
            value = max(1, min(5, round(ctx.rng.gauss(3.6, 0.9)))) if n < scored else None
            evidence = ctx.rng.choice(EVIDENCE[code]) if value is not None and ctx.rng.random() < 0.75 else ""
            scores.append(dict(id=ctx.new_id(), partner_id=partner.id, assessment_id=aid, criterion_id=cid,
                               score=value, evidence=evidence))
        if stage == 1:
            done_count = ctx.rng.randint(0, 2)
        elif stage == 2:
            done_count = ctx.rng.randint(4, 8)
        elif override:
            done_count = 7  # onboarding plan, cadence and KPIs still open when the decision could not wait
        else:
            done_count = len(checklist)
        n_calls = 2 if done_count > 2 else ctx.rng.randint(0, 1)
        for k in range(n_calls + (1 if stage == 4 and ctx.rng.random() < 0.3 else 0)):
            calls.append(dict(id=ctx.new_id(), partner_id=partner.id, assessment_id=aid,
                              referee=f"{ctx.rng.choice(FIRST)} {ctx.rng.choice(LAST)}",
                              organisation=ctx.rng.choice(REFEREE_ORGS), called_by=partner.lead,
                              called_at=ctx.at(day - timedelta(days=10 - 3 * k), 10 + k), note=""))
        for pos, item in enumerate(checklist):
            done = pos < done_count and (item["code"] != "REFS" or n_calls >= 2)
            items.append(dict(id=ctx.new_id(), partner_id=partner.id, assessment_id=aid, code=item["code"],
                              position=pos, title=item["title"], min_reference_calls=item.get("min_reference_calls", 0),
                              done=done, done_by=_who(ctx, partner) if done else "",
                              done_at=ctx.at(day - timedelta(days=len(checklist) - pos), 15) if done else None,
                              note=NOTES.get(item["code"], "") if done and ctx.rng.random() < 0.6 else ""))
        signed = stage == 4
        missing = [i["title"] for i in checklist[done_count:]] if override else []
        assessments.append(dict(
            id=aid, partner_id=partner.id, criteria_set_id=set_id,
            signed_at=ctx.at(day, 16) if signed else None, signed_by=partner.lead if signed else "",
            override_reason=("Sole qualified source for the new housing; the programme start could not wait for "
                             "the onboarding plan and the KPI baseline. Approved by the head of procurement."
                             if override else ""),
            override_missing="\n".join(missing)))

    ctx.insert("selection_assessments", assessments)
    ctx.insert("selection_scores", scores)
    ctx.insert("decision_items", items)
    ctx.insert("reference_calls", calls)


def _who(ctx: DemoContext, partner: DemoPartner) -> str:
    return ctx.rng.choice(partner.our_contacts) if partner.our_contacts else partner.lead
