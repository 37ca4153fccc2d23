"""Demo partners of every kind, tier, quadrant, maturity stage and status (every third candidate not scored yet),
with contacts and escalation paths."""

from __future__ import annotations

from datetime import timedelta

from app.models.enums import PartnerKind, PartnershipStage, PartnerStatus, Side
from app.services.demo.context import DemoContext, DemoPartner

STEMS = ["Nord", "Alp", "Baltic", "Rhein", "Iber", "Atlas", "Helio", "Kestrel", "Lumen", "Vector", "Orion",
         "Delta", "Summit", "Pioneer", "Granite", "Cobalt", "Meridian", "Aurora", "Falcon", "Harbor", "Zenith",
         "Sierra", "Titan", "Apex", "Nova", "Polar", "Crest", "Vale", "Quartz", "Beacon", "Cedar", "Ember"]
ENDINGS = ["werk", "tec", "ion", "ia", "star", "line", "gate", "field", "forge", "point", "wave", "stone"]
SEGMENTS = {
    PartnerKind.SUPPLIER: ["Electronics", "Machined parts", "Plastics", "Packaging", "Chemicals", "Logistics",
                           "Raw materials"],
    PartnerKind.CUSTOMER: ["Retail", "Automotive OEM", "Healthcare", "Industrial equipment"],
    PartnerKind.DISTRIBUTOR: ["EMEA distribution", "APAC distribution", "Americas distribution",
                              "Online resellers"],
}
SUFFIX = {
    PartnerKind.SUPPLIER: ["Components", "Manufacturing", "Industries", "Precision", "Materials", "Supply"],
    PartnerKind.CUSTOMER: ["Group", "Retail", "Systems", "Health", "Motors"],
    PartnerKind.DISTRIBUTOR: ["Distribution", "Trading", "Channel Partners", "Wholesale"],
}
LEGAL = ["GmbH", "Ltd", "S.A.", "B.V.", "Oy", "AB", "Inc.", "S.p.A.", "Sp. z o.o.", "Kft."]
COUNTRIES = ["Germany", "Poland", "Netherlands", "Spain", "Italy", "Sweden", "Finland", "Czechia", "Hungary",
             "France", "United Kingdom", "United States", "Mexico", "China", "Vietnam", "India", "Turkey"]
FIRST = ["Anna", "Ben", "Clara", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kasia", "Luca",
         "Mara", "Nils", "Olga", "Pedro", "Rosa", "Sven", "Tariq", "Ursula", "Vera", "Wen", "Yusuf", "Zofia"]
LAST = ["Becker", "Novak", "Jansen", "García", "Rossi", "Lindqvist", "Virtanen", "Dvořák", "Nagy", "Martin",
        "Smith", "Chen", "Nguyen", "Patel", "Yılmaz", "Kowalski", "Schulz", "Moreau", "Berg", "Costa"]
LEADS = ["Mira Holm", "Jakob Stein", "Priya Raman", "Tomás Ortega", "Lena Fischer", "Omar Haddad"]
PARTNER_ROLES = ["Key account manager", "Quality manager", "Operations director", "Logistics coordinator",
                 "Managing director", "Customer service lead", "Finance controller"]
OUR_ROLES = ["Category buyer", "Supplier quality engineer", "Enablement lead", "Logistics planner"]
STATUS_WEIGHTS = [(PartnerStatus.CANDIDATE, 8), (PartnerStatus.ONBOARDING, 10), (PartnerStatus.ACTIVE, 64),
                  (PartnerStatus.AT_RISK, 9), (PartnerStatus.EXITING, 4), (PartnerStatus.EXITED, 5)]
KIND_WEIGHTS = [(PartnerKind.SUPPLIER, 60), (PartnerKind.CUSTOMER, 25), (PartnerKind.DISTRIBUTOR, 15)]


def _pick(ctx: DemoContext, weighted):
    items, weights = zip(*weighted)
    return ctx.rng.choices(items, weights)[0]


def _person(ctx: DemoContext) -> str:
    return f"{ctx.rng.choice(FIRST)} {ctx.rng.choice(LAST)}"


def generate(ctx: DemoContext) -> None:
    rng, today, months = ctx.rng, ctx.today, ctx.options.months
    partners, contacts, escalation, used = [], [], [], set()
    candidates = 0
    for _ in range(ctx.options.partners):
        kind = _pick(ctx, KIND_WEIGHTS)
        name = ""
        while not name or name in used:
            name = f"{rng.choice(STEMS)}{rng.choice(ENDINGS)} {rng.choice(SUFFIX[kind])} {rng.choice(LEGAL)}"
            if name in used and rng.random() < 0.5:
                name = f"{name} {rng.randint(2, 99)}"
        used.add(name)
        status = _pick(ctx, STATUS_WEIGHTS)
        tier = _pick(ctx, [(1, 15), (2, 35), (3, 50)])
        # How long we have worked together: candidates none, onboarding up to 3 months, others up to `months`.
        if status is PartnerStatus.CANDIDATE:
            age_days = 0
        elif status is PartnerStatus.ONBOARDING:
            age_days = rng.randint(5, 90)
        else:
            age_days = rng.randint(int(months * 30 * 0.6), months * 30 + 400)  # most span the whole window
        since = today - timedelta(days=age_days)
        value = max(1, min(5, round(rng.gauss({1: 4.2, 2: 3.2, 3: 2.3}[tier], 0.8))))
        risk = max(1, min(5, round(rng.gauss(2.4 if status is not PartnerStatus.AT_RISK else 3.8, 1.0))))
        if status is PartnerStatus.CANDIDATE:
            candidates += 1
            if candidates % 3 == 1:  # every third candidate is not scored yet (no extra draw: same data)
                value = risk = None
        stage_index = min(3, int(age_days / 365 + rng.random() * 1.5) + (1 if tier == 1 else 0))
        if status in (PartnerStatus.CANDIDATE, PartnerStatus.ONBOARDING):
            stage_index = 0
        spend_scale = {1: 4_000_000, 2: 900_000, 3: 150_000}[tier]
        spend = int(rng.lognormvariate(0, 0.6) * spend_scale) if status is not PartnerStatus.CANDIDATE else 0
        lead = rng.choice(LEADS)
        pid = ctx.new_id()
        partner_people = tuple(_person(ctx) for _ in range(rng.randint(2, 4)))
        our_people = (lead,) + tuple(_person(ctx) for _ in range(rng.randint(0, 1)))
        partners.append(dict(
            id=pid, partner_id=pid, name=name, kind=kind, segment=rng.choice(SEGMENTS[kind]), tier=tier,
            annual_spend=spend, currency="EUR", country=rng.choice(COUNTRIES), value_score=value,
            risk_score=risk, partnership_stage=list(PartnershipStage)[stage_index],
            enablement_level=max(1, min(4, stage_index + rng.choice([0, 1]))),
            alignment_goals=rng.randint(2, 5), alignment_values=rng.randint(2, 5),
            alignment_capabilities=rng.randint(1, 5), status=status, enablement_lead=lead,
            notes="" if rng.random() < 0.7 else "Family-owned; prefers quarterly on-site reviews.",
        ))
        domain = name.split()[0].lower() + ".example"
        for i, person in enumerate(partner_people):
            contacts.append(dict(id=ctx.new_id(), partner_id=pid, side=Side.PARTNER, name=person,
                                 role=PARTNER_ROLES[i % len(PARTNER_ROLES)] if i else "Key account manager",
                                 email=f"{person.split()[0].lower()}@{domain}",
                                 phone=f"+49 30 {rng.randint(1000000, 9999999)}", is_primary=i == 0))
        for i, person in enumerate(our_people):
            contacts.append(dict(id=ctx.new_id(), partner_id=pid, side=Side.OURS, name=person,
                                 role="Enablement lead" if i == 0 else rng.choice(OUR_ROLES),
                                 email=f"{person.split()[0].lower()}@tandem.example", phone="",
                                 is_primary=i == 0))
        for level, (who, role, side) in enumerate([
            (partner_people[0], "Key account manager", Side.PARTNER),
            (lead, "Enablement lead", Side.OURS),
            (_person(ctx), "Head of procurement", Side.OURS),
        ], start=1):
            escalation.append(dict(id=ctx.new_id(), partner_id=pid, level=level, name=who, role=role, side=side,
                                   contact_info=""))
        ctx.partners.append(DemoPartner(pid, name, kind, status, partners[-1]["segment"], tier, since, lead,
                                        partner_people, our_people))
    ctx.insert("partners", partners)
    ctx.insert("contacts", contacts)
    ctx.insert("escalation_steps", escalation)
