"""Demo learning: the shipped tracks assigned to people on both sides of most active, onboarding and at-risk
partners, at every stage (not started, under way and overdue, complete, certified and expiring, expired,
renewed), with failed attempts, ratings and comments; and our company's name for the certificates.

Certifications are computed with the service's own rules (`completion_day`, `valid_until`) and ids, so
recording one more completion in the app never grants a duplicate."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.models import Contact, LocalSetting
from app.models.enums import PartnerKind, PartnerStatus, Side
from app.services.demo.context import DemoContext, DemoPartner
from app.services.learning import OUR_COMPANY_KEY, add_months, completion_day, person_key, valid_until
from app.services.reference_data import load_json, stable_id

OUR_COMPANY = "Northwind Components"
STAGES = ["not started", "under way", "under way", "complete", "complete", "expiring", "expired", "renewed"]
COMMENTS = {
    5: ["Exactly what our planners needed.", "Clear, practical, and the examples were ours.",
        "Best session this year."],
    4: ["Good; the worked numbers helped.", "Useful, a bit long in the middle.", ""],
    3: ["Fine, but the slides were dense.", "Would like more examples from our own parts.", ""],
    2: ["Too generic for a small supplier.", "The quiz asked about things the module never covered."],
    1: ["Hard to follow without the portal open."],
}


def generate(ctx: DemoContext) -> None:
    tracks = _tracks()
    validity = {stable_id("learning", m["code"]): m["validity_months"]
                for m in load_json("learning_modules.json")["modules"]}
    with ctx.db.sessions() as s:
        people: dict[str, list[tuple[str, str, Side]]] = {}
        for c in s.scalars(select(Contact).where(Contact.deleted_at.is_(None))):
            people.setdefault(c.partner_id, []).append((c.id, c.name, c.side))
    assignments, completions, certifications = [], [], []
    for p in ctx.partners:
        if p.status not in (PartnerStatus.ACTIVE, PartnerStatus.ONBOARDING, PartnerStatus.AT_RISK):
            continue
        if ctx.rng.random() < 0.3:
            continue
        fitting = [t for t in tracks if t["partner_kind"] in (None, p.kind)]
        contacts = sorted(people.get(p.id, []), key=lambda c: (c[2] is not Side.PARTNER, c[1]))[:4]
        for contact_id, name, side in contacts:
            for track in ctx.rng.sample(fitting, k=min(len(fitting), ctx.rng.randint(1, 2))):
                a, cs, certs = _person_track(ctx, p, contact_id, name, side, track, validity)
                assignments.append(a)
                completions += cs
                certifications += certs
    ctx.insert("learning_assignments", assignments)
    ctx.insert("learning_completions", completions)
    ctx.insert("learning_certifications", certifications)
    with ctx.db.sessions.begin() as s:
        if s.get(LocalSetting, OUR_COMPANY_KEY) is None:
            s.add(LocalSetting(key=OUR_COMPANY_KEY, value=OUR_COMPANY))


def _tracks() -> list[dict]:
    out = []
    for t in load_json("learning_tracks.json")["tracks"]:
        out.append(dict(id=stable_id("learning_track", t["code"]),
                        version_id=stable_id("learning_track", t["code"], "v1"),
                        validity=t["validity_months"], modules=[stable_id("learning", c) for c in t["modules"]],
                        partner_kind=PartnerKind(t["partner_kind"]) if t["partner_kind"] else None))
    return out


def _person_track(ctx: DemoContext, p: DemoPartner, contact_id: str, name: str, side: Side, track: dict,
                  validity: dict[str, int | None]) -> tuple[dict, list[dict], list[dict]]:
    rng, today = ctx.rng, ctx.today
    stage = rng.choice(STAGES)
    modules = track["modules"]
    # The day the last module was done (for the complete stages), chosen so the certification lands in its stage.
    if stage == "expiring":
        last = add_months(today, -track["validity"]) + timedelta(days=rng.randint(2, 25))
    elif stage in ("expired", "renewed"):
        last = add_months(today, -track["validity"]) - timedelta(days=rng.randint(5, 120))
    else:
        last = today - timedelta(days=rng.randint(3, 300))
    start = last - timedelta(days=7 * len(modules) + rng.randint(0, 20))
    assigned_on = start - timedelta(days=rng.randint(1, 14))
    due_on = assigned_on + timedelta(days=rng.choice([30, 60, 90]))
    done_days: list[date] = []
    if stage in ("complete", "expiring", "expired", "renewed"):
        done_days = sorted([last] + [start + timedelta(days=7 * i) for i in range(len(modules) - 1)])
    elif stage == "under way":
        assigned_on = today - timedelta(days=rng.randint(20, 150))
        due_on = assigned_on + timedelta(days=rng.choice([30, 60, 90]))
        done_days = [assigned_on + timedelta(days=7 * (i + 1)) for i in range(rng.randint(1, len(modules) - 1))]
    else:
        assigned_on = today - timedelta(days=rng.randint(0, 40))
        due_on = assigned_on + timedelta(days=rng.choice([30, 60, 90]))
    key = person_key(contact_id, name)
    completions = []
    for module_id, day in zip(modules, done_days):
        if rng.random() < 0.12:  # a failed first attempt, retaken later
            completions.append(_completion(ctx, p, contact_id, name, side, module_id, day - timedelta(days=5),
                                           "failed"))
        completions.append(_completion(ctx, p, contact_id, name, side, module_id, day, "passed"))
    certs = []
    done = {m: [c["completed_on"] for c in completions if c["module_id"] == m and c["result"] == "passed"]
            for m in modules}
    granted = completion_day(modules, done, validity)
    if granted is not None:
        certs.append(_cert(p, contact_id, name, side, track, granted, key, ""))
        if stage == "renewed":
            redo = add_months(granted, track["validity"]) - timedelta(days=rng.randint(3, 20))
            redo = min(redo, today - timedelta(days=1))
            again = [redo - timedelta(days=7 * (len(modules) - 1 - i)) for i in range(len(modules))]
            for module_id, day in zip(modules, again):
                completions.append(_completion(ctx, p, contact_id, name, side, module_id, day, "passed"))
                done[module_id].append(day)
            renewed = completion_day(modules, done, validity, after=granted)
            if renewed is not None:
                certs.append(_cert(p, contact_id, name, side, track, renewed, key, certs[0]["id"]))
    assignment = dict(id=ctx.new_id(), partner_id=p.id, track_version_id=track["version_id"], contact_id=contact_id,
                      person=name, side=side, assigned_on=assigned_on, due_on=due_on)
    return assignment, completions, certs


def _completion(ctx: DemoContext, p: DemoPartner, contact_id: str, name: str, side: Side, module_id: str,
                day: date, result: str) -> dict:
    rng = ctx.rng
    rating = rng.choices([None, 5, 4, 3, 2, 1], weights=[30, 25, 25, 12, 6, 2])[0] if result == "passed" else None
    comment = rng.choice(COMMENTS[rating]) if rating and rng.random() < 0.6 else ""
    evidence = rng.choice(["Quiz score 92 %", "Attendance list signed", "Observed by our quality engineer",
                           "Sign-off e-mail filed", ""]) if result == "passed" else "Quiz score 55 %"
    return dict(id=ctx.new_id(), partner_id=p.id, module_id=module_id, contact_id=contact_id, person=name,
                side=side, completed_on=day, result=result, score=None, evidence_note=evidence, rating=rating,
                comment=comment)


def _cert(p: DemoPartner, contact_id: str, name: str, side: Side, track: dict, granted: date, key: str,
          renewed_from: str) -> dict:
    return dict(id=stable_id("learning_certification", p.id, key, track["id"], granted.isoformat()),
                partner_id=p.id, track_version_id=track["version_id"], contact_id=contact_id, person=name,
                side=side, granted_on=granted, expires_on=valid_until(granted, track["validity"]),
                renewed_from=renewed_from)
