"""Scorecards, computed from measurements and never stored: status, change, trend, velocity, composite, alerts.

The rules (also in docs/kpis.md):

- **Status** of a value, honouring the KPI's direction: at or better than the amber threshold is green; worse
  than amber but at or better than red is amber; worse than red is red. A partner's override of target or
  thresholds replaces the library's for that partner.
- **Change**: the latest value minus the one before it (the previous measurement, usually the previous period).
- **Improvement velocity**: the least-squares slope of the values of the last ``window`` periods against time
  (in periods of the series; a gap counts as time), divided by the width of the amber band (|amber − red|) and signed so that positive means improving.
  "0.5" reads "half an amber band better each period", comparable across %, days and ppm.
- **KPI score** 0–100: 0 at the red threshold or worse, 100 at the target or better, linear between.
  **Composite** = the KPI scores' mean weighted by each KPI's weight.
- **Alerts**: crossed into red (red now, not red the period before), amber for ``amber_periods`` periods in a
  row, getting worse fast (velocity at or below −``fast_worsening``). Series whose latest value is older than
  ``stale_periods`` periods are not alerted on: nobody measures them any more. A series raises at most one
  alert, the most severe.
- **Disputes**: a partner's open measurement disputes (app/services/disputes.py) mark the rows of their KPIs
  (`KpiScore.disputes`, `KpiScore.latest_disputed`) and are all listed in `PartnerScorecard.disputes`. They change
  no figure: the recorded value counts until a dispute is accepted.

Everything is computed over whole arrays (one SQL query fetching the last ``window`` values of every series
through a covering index, then numpy), never a Python loop per measurement. Any thread may call; each call
is one read transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
from sqlalchemy import String, bindparam, func, select, text, type_coerce
from sqlalchemy.orm import sessionmaker

from app.models import Kpi, KpiOverride, Measurement, Partner
from app.models.enums import (
    Direction,
    IndicatorKind,
    KpiCategory,
    PartnerKind,
    PartnerStatus,
    PeriodKind,
    Quadrant,
)
from app.models.kpi import measurement_id
from app.services.disputes import DisputeRow, open_disputes
from app.services.errors import NotFound
from app.services.integrity import skip_unreadable
from app.services.kpis import fmt
from app.services.measurements import period_title
from app.services.partners import quadrant_of


class Status(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Trend(StrEnum):
    IMPROVING = "improving"
    STABLE = "stable"
    WORSENING = "worsening"


class AlertKind(StrEnum):
    RED = "red"  # crossed into red
    WORSENING = "worsening"  # getting worse fast
    AMBER = "amber"  # amber for N periods


#: Status codes in the arrays: 0 = no value, then worse is larger, so the worst of several is their max.
_CODES = {1: Status.GREEN, 2: Status.AMBER, 3: Status.RED}
_PERIOD_DAYS = {PeriodKind.WEEK: 7.0, PeriodKind.MONTH: 365.25 / 12, PeriodKind.QUARTER: 365.25 / 4}
_KINDS = list(PeriodKind)
_CATEGORIES = list(KpiCategory)


@dataclass(frozen=True)
class ScorecardSettings:
    window: int = 6  # periods the velocity is measured over
    amber_periods: int = 3  # amber this many periods in a row raises an alert
    fast_worsening: float = 0.25  # velocity (amber bands per period) at or below minus this raises an alert
    stable_below: float = 0.05  # |velocity| below this reads "stable"
    stale_periods: int = 3  # no alert for a series whose latest value is older than this many periods


@dataclass(frozen=True)
class KpiScore:
    """One KPI on one partner's scorecard. Values are None where there is no measurement (or too few)."""

    kpi_id: str
    code: str
    name: str
    category: KpiCategory
    unit: str
    direction: Direction
    indicator: IndicatorKind
    weight: float
    target: float
    amber_threshold: float
    red_threshold: float
    overridden: bool
    override_reason: str
    period_kind: PeriodKind | None
    latest_period: date | None
    latest_value: float | None
    previous_period: date | None
    previous_value: float | None
    status: Status | None
    previous_status: Status | None
    periods_in_status: int  # consecutive latest periods with the current status
    velocity: float | None
    trend: Trend | None
    score: float | None
    disputes: tuple[DisputeRow, ...] = ()  # open disputes of this KPI's measurements for the partner

    @property
    def latest_disputed(self) -> DisputeRow | None:
        """The open dispute of the latest value shown, if any."""
        return next((d for d in self.disputes if d.period_kind is self.period_kind
                     and d.period_start == self.latest_period), None)

    @property
    def change(self) -> float | None:
        """Latest minus previous value, in the KPI's unit."""
        if self.latest_value is None or self.previous_value is None:
            return None
        return self.latest_value - self.previous_value

    @property
    def change_is_better(self) -> bool | None:
        c = self.change
        if c is None or c == 0:
            return None
        return (c > 0) == (self.direction is Direction.HIGHER_IS_BETTER)

    @property
    def latest_title(self) -> str:
        return period_title(self.period_kind, self.latest_period) if self.latest_period else ""


@dataclass(frozen=True)
class Alert:
    """A reason to look at a partner now, in words."""

    partner_id: str
    partner_name: str
    kpi_id: str
    kpi_code: str
    kind: AlertKind
    reason: str
    period: date | None
    severity: int  # 3 = crossed into red, 2 = getting worse fast, 1 = amber for a while


@dataclass(frozen=True)
class PartnerScorecard:
    """Every KPI the partner is measured on (or has an override for), the composite, the alerts."""

    partner_id: str
    partner_name: str
    rows: tuple[KpiScore, ...]
    composite: float | None
    status: Status | None  # the worst status of the partner's KPIs
    alerts: tuple[Alert, ...]
    disputes: tuple[DisputeRow, ...] = ()  # every open dispute of the partner's measurements

    def counts(self) -> dict[Status, int]:
        return {st: sum(1 for r in self.rows if r.status is st) for st in Status}


@dataclass(frozen=True)
class PartnerSummary:
    """One partner on the portfolio scorecard."""

    partner_id: str
    name: str
    kind: PartnerKind
    segment: str
    tier: int
    lifecycle: PartnerStatus
    quadrant: Quadrant | None  # None: not scored
    value_score: int | None
    risk_score: int | None
    annual_spend: int
    status: Status | None
    composite: float | None
    green: int
    amber: int
    red: int
    categories: tuple[tuple[KpiCategory, Status | None], ...]  # worst status per category, in category order


@dataclass(frozen=True)
class Portfolio:
    """The portfolio scorecard: every live partner, the alerts, and counts by status and quadrant."""

    partners: tuple[PartnerSummary, ...]
    alerts: tuple[Alert, ...]
    status_counts: dict[str, int]  # green / amber / red / none (partners with no measurement)
    quadrant_counts: dict[Quadrant, int]  # scored partners only
    series: int  # partner-KPI series scored

    @property
    def unscored(self) -> int:
        """Partners without a value or risk score (in no quadrant, left out of the matrix)."""
        return sum(1 for p in self.partners if p.quadrant is None)


@dataclass(frozen=True)
class SpendShare:
    partner_id: str
    name: str
    annual_spend: int
    share: float  # 0..1


@dataclass(frozen=True)
class SpendConcentration:
    """Share of spend per partner, largest first, and a warning when one partner exceeds ``max_share``."""

    total: int
    max_share: float
    shares: tuple[SpendShare, ...]
    over_limit: tuple[SpendShare, ...]

    @property
    def warning(self) -> str | None:
        if not self.over_limit:
            return None
        names = ", ".join(f"{s.name} ({s.share:.0%})" for s in self.over_limit)
        return (f"Spend is concentrated: {names} above the {self.max_share:.0%} maximum share per partner. "
                "Develop a second source.")


@dataclass(frozen=True)
class TrendSeries:
    """What a KPI trend chart draws for one partner: the series, the bands, and the fitted trend."""

    partner_id: str
    kpi_id: str
    code: str
    name: str
    unit: str
    direction: Direction
    target: float
    amber_threshold: float
    red_threshold: float
    overridden: bool
    period_kind: PeriodKind
    periods: tuple[date, ...]
    values: tuple[float, ...]
    trend_start: tuple[date, float] | None  # the fitted line over the velocity window
    trend_end: tuple[date, float] | None
    velocity: float | None
    status: Status | None


@dataclass
class _Computed:
    """Per-series results (one row per partner-KPI series) as arrays."""

    partner: np.ndarray  # partner id per series (object)
    kpi: np.ndarray  # kpi index into the KPI table
    kind: np.ndarray  # period kind index of the latest value
    latest_day: np.ndarray  # datetime64[D]
    previous_day: np.ndarray
    latest: np.ndarray
    previous: np.ndarray
    status: np.ndarray  # int codes
    previous_status: np.ndarray
    run: np.ndarray  # periods in the current status
    velocity: np.ndarray  # NaN where fewer than 2 values
    intercept: np.ndarray  # fitted value at the latest period (x = 0), in the unit
    slope: np.ndarray  # unit per period
    first_x: np.ndarray  # x (periods, <= 0) of the oldest value in the window
    points: np.ndarray
    score: np.ndarray
    target: np.ndarray
    amber: np.ndarray
    red: np.ndarray
    overridden: np.ndarray  # bool
    override_reason: np.ndarray  # object


@dataclass
class _KpiTable:
    ids: list[str]
    rows: list  # Kpi column tuples
    index: dict[str, int] = field(default_factory=dict)


def _status_codes(values: np.ndarray, sign: np.ndarray, amber: np.ndarray, red: np.ndarray) -> np.ndarray:
    """0 for NaN, 1 green, 2 amber, 3 red. Exact comparisons: a value equal to a threshold is on its good side."""
    with np.errstate(invalid="ignore"):
        higher = sign > 0
        green = np.where(higher, values >= amber, values <= amber)
        amber_ok = np.where(higher, values >= red, values <= red)
    codes = np.where(green, 1, np.where(amber_ok, 2, 3))
    return np.where(np.isnan(values), 0, codes).astype(np.int8)


#: The measurement columns `_fetch` returns after partner and KPI: checked when they cannot be read.
_FETCHED = {"period_kind": 2, "period_start": 3, "value": 4}


def _columns(rows: list) -> tuple[np.ndarray, ...]:
    """Fetched rows as arrays (partner, KPI, kind, day, value); ValueError when a value is not a finite
    number, a date does not parse or a period kind is unknown."""
    pid, kid, kind, day, value = (list(c) for c in zip(*rows)) if rows else ([], [], [], [], [])
    if not set(kind) <= {k.value for k in _KINDS}:
        raise ValueError("unknown period kind")
    pid, kid, kind = (np.array(x, dtype=object) for x in (pid, kid, kind))
    value = np.array(value, dtype=float)
    if not np.isfinite(value).all():
        raise ValueError("not a finite number")
    day = np.array([str(d)[:10] for d in day] if day and not isinstance(day[0], str) else day,
                   dtype="datetime64[D]")
    return pid, kid, kind, day, value


class ScorecardService:
    """Scorecards for one partner and for the whole portfolio, over one session factory."""

    def __init__(self, sessions: sessionmaker, settings: ScorecardSettings = ScorecardSettings()) -> None:
        self._sessions = sessions
        self.settings = settings

    # -- loading ---------------------------------------------------------------------------------------------

    def _kpi_table(self, s) -> _KpiTable:
        rows = s.execute(select(Kpi.id, Kpi.code, Kpi.name, Kpi.category, Kpi.unit, Kpi.direction, Kpi.indicator,
                                Kpi.weight, Kpi.target, Kpi.amber_threshold, Kpi.red_threshold)
                         .where(Kpi.deleted_at.is_(None)).order_by(Kpi.code)).all()
        table = _KpiTable([r.id for r in rows], rows)
        table.index = {kid: i for i, kid in enumerate(table.ids)}
        return table

    def _fetch(self, s, partner_ids: list[str] | None) -> list:
        """The last ``window`` live values of every (partner, KPI) series, ordered by series then period.

        One query: for each live partner and KPI, a correlated subquery finds the window's first period (the
        window-th latest value) and the rows from there on are read, both through the covering index
        ix_measurements_live_series. Written out because the join order matters: ``CROSS JOIN`` is standard
        SQL, and SQLite takes it as "keep this order", so it loops over partners and KPIs (tens of thousands)
        instead of over every measurement (millions).
        """
        sql = f"""
            SELECT m.partner_id, m.kpi_id, m.period_kind, m.period_start, m.value
            FROM partners p CROSS JOIN kpis k CROSS JOIN measurements m
            WHERE p.deleted_at IS NULL AND k.deleted_at IS NULL {"AND p.id IN :ids" if partner_ids is not None else ""}
              AND m.partner_id = p.id AND m.kpi_id = k.id AND m.deleted_at IS NULL
              AND m.period_start >= COALESCE((
                  SELECT m2.period_start FROM measurements m2
                  WHERE m2.partner_id = p.id AND m2.kpi_id = k.id AND m2.deleted_at IS NULL
                  ORDER BY m2.period_start DESC LIMIT 1 OFFSET :skip), :origin)
            ORDER BY p.id, k.id, m.period_start"""
        # The origin is an ISO date string: every database compares it with a date column as a date.
        stmt = text(sql).bindparams(skip=self.settings.window - 1, origin="0001-01-01")
        if partner_ids is not None:
            stmt = stmt.bindparams(bindparam("ids", value=list(partner_ids), expanding=True))
        # Over a hundred thousand rows: read them straight from the driver's cursor (SQLAlchemy's row
        # objects would double the time); the statement is still compiled for whichever database this is.
        conn = s.connection()
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        params = compiled.construct_params()
        if compiled.positional:
            params = tuple(params[k] for k in compiled.positiontup)
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(str(compiled), params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def _compute(self, s, partner_ids: list[str] | None, kpis: _KpiTable) -> _Computed:
        cfg = self.settings
        w = cfg.window
        rows = self._fetch(s, partner_ids)
        try:
            pid, kid, kind, day, value = _columns(rows)
        except (ValueError, TypeError):  # a value a hand edit or an older version left: skip its row, say which
            rows = skip_unreadable("measurements", rows, _FETCHED, lambda r: measurement_id(*r[:4]))
            pid, kid, kind, day, value = _columns(rows)
        n = len(rows)
        kind_ix = np.zeros(n, dtype=np.int8)
        for i, k in enumerate(_KINDS):
            kind_ix[kind == k.value] = i
        # Series boundaries: rows come ordered by partner, KPI, period.
        new = np.ones(n, dtype=bool)
        if n > 1:
            new[1:] = (pid[1:] != pid[:-1]) | (kid[1:] != kid[:-1])
        series = np.cumsum(new) - 1
        starts = np.flatnonzero(new)
        count = len(starts)
        ends = np.append(starts[1:], n) - 1  # index of each series' latest row
        col = (w - 1) - (ends[series] - np.arange(n))  # latest value goes to column w-1

        V = np.full((count, w), np.nan)
        V[series, col] = value
        D = np.full((count, w), np.datetime64("NaT"), dtype="datetime64[D]")
        D[series, col] = day

        s_pid = pid[starts] if count else np.array([], dtype=object)
        s_kpi = np.array([kpis.index[k] for k in kid[starts]], dtype=np.int64) if count else np.zeros(0, np.int64)
        s_kind = kind_ix[ends] if count else np.zeros(0, np.int8)

        # Thresholds per series: the library's, replaced field by field by the partner's override.
        K = kpis.rows
        lib = np.array([[r.target, r.amber_threshold, r.red_threshold, r.weight,
                         1.0 if r.direction is Direction.HIGHER_IS_BETTER else -1.0] for r in K], dtype=float) \
            if K else np.zeros((0, 5))
        target, amber, red = (lib[s_kpi, j].copy() for j in range(3))
        sign = lib[s_kpi, 4]
        overridden = np.zeros(count, dtype=bool)
        reason = np.full(count, "", dtype=object)
        if count:
            key_of = {(p, kpis.ids[k]): i for i, (p, k) in enumerate(zip(s_pid, s_kpi))}
            o_stmt = select(KpiOverride.partner_id, KpiOverride.kpi_id, KpiOverride.target,
                            KpiOverride.amber_threshold, KpiOverride.red_threshold, KpiOverride.reason) \
                .where(KpiOverride.deleted_at.is_(None))
            if partner_ids is not None:
                o_stmt = o_stmt.where(KpiOverride.partner_id.in_(partner_ids))
            for op, ok, ot, oa, orr, oreason in s.execute(o_stmt):  # one per override, not per measurement
                i = key_of.get((op, ok))
                if i is None:
                    continue
                overridden[i], reason[i] = True, oreason
                if ot is not None:
                    target[i] = ot
                if oa is not None:
                    amber[i] = oa
                if orr is not None:
                    red[i] = orr

        S = _status_codes(V, sign[:, None], amber[:, None], red[:, None])
        latest, previous = V[:, w - 1], V[:, w - 2] if w > 1 else np.full(count, np.nan)
        status = S[:, w - 1]
        prev_status = S[:, w - 2] if w > 1 else np.zeros(count, np.int8)
        # Consecutive periods (from the latest back) with the latest status.
        same = (S == status[:, None])[:, ::-1]
        run = np.cumprod(same, axis=1).sum(axis=1)

        # Velocity: slope against time measured in periods of the series' kind (gaps count as time).
        # Months and quarters count calendar months (so "one month" is exactly 1 whatever its length).
        days = (D - D[:, w - 1:w]).astype("timedelta64[D]").astype(np.int64) / 7.0
        months = (D.astype("datetime64[M]") - D[:, w - 1:w].astype("datetime64[M]")).astype(np.int64).astype(float)
        per = np.array([{PeriodKind.MONTH: 1.0, PeriodKind.QUARTER: 3.0}.get(k, 0.0) for k in _KINDS])[s_kind] \
            if count else np.zeros(0)
        X = np.where(per[:, None] > 0, months / np.where(per > 0, per, 1.0)[:, None], days)  # <= 0
        ok = ~np.isnan(V) & (X >= -(w - 1) - 1e-9)  # values within the last `window` periods
        pts = ok.sum(axis=1)
        Xz, Vz = np.where(ok, X, 0.0), np.where(ok, V, 0.0)
        sx, sy = Xz.sum(axis=1), Vz.sum(axis=1)
        sxx, sxy = (Xz * Xz).sum(axis=1), (Xz * Vz).sum(axis=1)
        denom = pts * sxx - sx * sx
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = np.where((pts >= 2) & (denom > 0), (pts * sxy - sx * sy) / denom, np.nan)
            intercept = np.where(np.isnan(slope), latest, (sy - slope * sx) / pts)
            band = np.abs(amber - red)
            velocity = slope * sign / np.where(band > 0, band, 1.0)
            reach = sign * (target - red)
            score = np.clip(sign * (latest - red) / np.where(reach > 0, reach, 1.0), 0.0, 1.0) * 100.0
        first_x = np.where(ok, X, 0.0).min(axis=1) if count else np.zeros(0)
        return _Computed(s_pid, s_kpi, s_kind, D[:, w - 1], D[:, w - 2] if w > 1 else D[:, w - 1], latest,
                         previous, status, prev_status, run, velocity, intercept, slope, first_x, pts, score,
                         target, amber, red, overridden, reason)

    # -- alerts ----------------------------------------------------------------------------------------------

    def _alerts(self, c: _Computed, kpis: _KpiTable, names: dict[str, str], today: date) -> list[Alert]:
        cfg = self.settings
        if not len(c.partner):
            return []
        period_days = np.array([_PERIOD_DAYS[k] for k in _KINDS])[c.kind]
        age = (np.datetime64(today, "D") - c.latest_day).astype(float)
        fresh = age <= (cfg.stale_periods + 1) * period_days
        red = fresh & (c.status == 3) & np.isin(c.previous_status, (1, 2))
        worse = fresh & (c.velocity <= -cfg.fast_worsening) & (c.points >= 3)
        amber = fresh & (c.status == 2) & (c.run >= cfg.amber_periods)
        # One alert per series, the most severe: a crossing into red says more than its steep slope.
        worse &= ~red
        amber &= ~(red | worse)
        out = []
        # A loop over the alerts only (a few per cent of series), to put each reason in words.
        for i in np.flatnonzero(red | worse | amber):
            k = kpis.rows[c.kpi[i]]
            unit = f" {k.unit}" if k.unit and k.unit != "count" else ""
            kind = _KINDS[c.kind[i]]
            when = period_title(kind, c.latest_day[i].astype(date))
            pid = c.partner[i]
            common = dict(partner_id=pid, partner_name=names.get(pid, ""), kpi_id=k.id, kpi_code=k.code,
                          period=c.latest_day[i].astype(date))
            words = "below" if k.direction is Direction.HIGHER_IS_BETTER else "above"
            if red[i]:
                was = _CODES[int(c.previous_status[i])].value
                out.append(Alert(kind=AlertKind.RED, severity=3, **common, reason=(
                    f"{k.name} crossed into red: {fmt(c.latest[i])}{unit} in {when} (red {words} "
                    f"{fmt(c.red[i])}{unit}), was {fmt(c.previous[i])}{unit} ({was}).")))
            if worse[i]:
                first = c.latest[i] - c.slope[i] * (-c.first_x[i])
                out.append(Alert(kind=AlertKind.WORSENING, severity=2, **common, reason=(
                    f"{k.name} is getting worse fast: {abs(c.velocity[i]):.2f} amber bands per {kind.value} over "
                    f"the last {int(c.points[i])} values (trend from {fmt(first)}{unit} to "
                    f"{fmt(c.intercept[i])}{unit}).")))
            if amber[i]:
                out.append(Alert(kind=AlertKind.AMBER, severity=1, **common, reason=(
                    f"{k.name} has been amber for {int(c.run[i])} {kind.value}s in a row: {fmt(c.latest[i])}{unit} "
                    f"in {when} (green at {fmt(c.amber[i])}{unit} or "
                    f"{'better' if k.direction is Direction.HIGHER_IS_BETTER else 'less'}).")))
        out.sort(key=lambda a: (-a.severity, a.partner_name.lower(), a.kpi_code))
        return out

    # -- one partner -----------------------------------------------------------------------------------------

    def partner_scorecard(self, partner_id: str, today: date | None = None) -> PartnerScorecard:
        """The scorecard of one partner: a row per KPI it is measured on or has an override for (by category,
        then code), the weighted composite (None without measurements), the worst status and the alerts."""
        today = today or date.today()
        with self._sessions() as s:
            name = s.scalar(select(Partner.name).where(Partner.id == partner_id, Partner.deleted_at.is_(None)))
            if name is None:
                raise NotFound(f"No partner with id {partner_id}")
            kpis = self._kpi_table(s)
            c = self._compute(s, [partner_id], kpis)
            overrides = {o.kpi_id: o for o in s.scalars(select(KpiOverride).where(
                KpiOverride.partner_id == partner_id, KpiOverride.deleted_at.is_(None)))}
            disputes = open_disputes(s, [partner_id])
        rows = [self._row(c, i, kpis) for i in range(len(c.partner))]
        measured = {r.kpi_id for r in rows}
        for kpi_id in set(overrides) - measured:
            if kpi_id in kpis.index:
                rows.append(self._empty_row(kpis.rows[kpis.index[kpi_id]], overrides[kpi_id]))
        rows.sort(key=lambda r: (_CATEGORIES.index(r.category), r.code))
        if disputes:  # marked on the rows of their KPIs (a dispute of a KPI with no row is in `disputes` only)
            rows = [replace(r, disputes=tuple(d for d in disputes if d.kpi_id == r.kpi_id)) for r in rows]
        alerts = self._alerts(c, kpis, {partner_id: name}, today)
        composite = _weighted(rows)
        worst = max((r.status for r in rows if r.status), key=lambda st: list(Status).index(st), default=None)
        return PartnerScorecard(partner_id, name, tuple(rows), composite, worst, tuple(alerts), tuple(disputes))

    def _row(self, c: _Computed, i: int, kpis: _KpiTable) -> KpiScore:
        k = kpis.rows[c.kpi[i]]
        vel = None if np.isnan(c.velocity[i]) else float(c.velocity[i])
        trend = None if vel is None else (Trend.STABLE if abs(vel) < self.settings.stable_below
                                          else Trend.IMPROVING if vel > 0 else Trend.WORSENING)
        prev = None if np.isnan(c.previous[i]) else float(c.previous[i])
        return KpiScore(
            kpi_id=k.id, code=k.code, name=k.name, category=k.category, unit=k.unit, direction=k.direction,
            indicator=k.indicator, weight=k.weight, target=float(c.target[i]), amber_threshold=float(c.amber[i]),
            red_threshold=float(c.red[i]), overridden=bool(c.overridden[i]),
            override_reason=str(c.override_reason[i]), period_kind=_KINDS[c.kind[i]],
            latest_period=c.latest_day[i].astype(date), latest_value=float(c.latest[i]),
            previous_period=None if prev is None else c.previous_day[i].astype(date), previous_value=prev,
            status=_CODES[int(c.status[i])], previous_status=_CODES.get(int(c.previous_status[i])),
            periods_in_status=int(c.run[i]), velocity=vel, trend=trend, score=float(c.score[i]))

    @staticmethod
    def _empty_row(k, o: KpiOverride) -> KpiScore:
        return KpiScore(
            kpi_id=k.id, code=k.code, name=k.name, category=k.category, unit=k.unit, direction=k.direction,
            indicator=k.indicator, weight=k.weight,
            target=k.target if o.target is None else o.target,
            amber_threshold=k.amber_threshold if o.amber_threshold is None else o.amber_threshold,
            red_threshold=k.red_threshold if o.red_threshold is None else o.red_threshold,
            overridden=True, override_reason=o.reason, period_kind=None, latest_period=None, latest_value=None,
            previous_period=None, previous_value=None, status=None, previous_status=None, periods_in_status=0,
            velocity=None, trend=None, score=None)

    def trend(self, partner_id: str, kpi_id: str) -> TrendSeries:
        """Everything the trend chart of one KPI for one partner draws: all its values (oldest first), the
        effective target and thresholds, and the trend line fitted over the velocity window."""
        with self._sessions() as s:
            k = s.get(Kpi, kpi_id)
            if k is None:
                raise NotFound(f"No KPI with id {kpi_id}")
            kpis = self._kpi_table(s)
            c = self._compute(s, [partner_id], kpis)
            data = s.execute(select(type_coerce(Measurement.period_start, String), Measurement.value,
                                    type_coerce(Measurement.period_kind, String))
                             .where(Measurement.partner_id == partner_id, Measurement.kpi_id == kpi_id,
                                    Measurement.deleted_at.is_(None))
                             .order_by(Measurement.period_start)).all()
            data = skip_unreadable("measurements", data, {"period_start": 0, "value": 1, "period_kind": 2},
                                   lambda r: measurement_id(partner_id, kpi_id, r[2], r[0]))
            o = s.scalar(select(KpiOverride).where(KpiOverride.partner_id == partner_id,
                                                   KpiOverride.kpi_id == kpi_id, KpiOverride.deleted_at.is_(None)))
        periods = tuple(date.fromisoformat(str(d)[:10]) for d, _, _ in data)
        values = tuple(float(v) for _, v, _ in data)
        kind = PeriodKind(data[-1][2]) if data else PeriodKind.MONTH
        target, amber, red = k.target, k.amber_threshold, k.red_threshold
        if o is not None:
            target = o.target if o.target is not None else target
            amber = o.amber_threshold if o.amber_threshold is not None else amber
            red = o.red_threshold if o.red_threshold is not None else red
        start = end = velocity = status = None
        hit = np.flatnonzero(c.kpi == kpis.index.get(kpi_id, -1))
        if len(hit):
            i = hit[0]
            status = _CODES.get(int(c.status[i]))
            if not np.isnan(c.velocity[i]):
                velocity = float(c.velocity[i])
                days = _PERIOD_DAYS[kind]
                first_day = periods[-1] + timedelta(days=round(float(c.first_x[i]) * days))
                start = (min(periods[-int(c.points[i]):]) if c.points[i] else first_day,
                         float(c.intercept[i] + c.slope[i] * c.first_x[i]))
                end = (periods[-1], float(c.intercept[i]))
        return TrendSeries(partner_id, kpi_id, k.code, k.name, k.unit, k.direction, target, amber, red,
                           o is not None, kind, periods, values, start, end, velocity, status)

    # -- the portfolio ---------------------------------------------------------------------------------------

    def portfolio(self, today: date | None = None) -> Portfolio:
        """The portfolio scorecard: every live partner with its worst status, composite, counts and worst
        status per category; the alerts (most severe first); partner counts by status and by quadrant."""
        today = today or date.today()
        with self._sessions() as s:
            kpis = self._kpi_table(s)
            c = self._compute(s, None, kpis)
            prows = s.execute(select(Partner.id, Partner.name, Partner.kind, Partner.segment, Partner.tier,
                                     Partner.status, Partner.value_score, Partner.risk_score, Partner.annual_spend)
                              .where(Partner.deleted_at.is_(None)).order_by(func.lower(Partner.name))).all()
        ids = np.array([r[0] for r in prows], dtype=object)
        order = np.argsort(ids)
        pos = order[np.searchsorted(ids[order], c.partner)] if len(c.partner) else np.zeros(0, np.int64)
        P = len(prows)
        weights = np.array([k.weight for k in kpis.rows], dtype=float)[c.kpi] if len(c.kpi) else np.zeros(0)
        worst = np.zeros(P, dtype=np.int8)
        np.maximum.at(worst, pos, c.status)
        counts = np.zeros((P, 4), dtype=np.int64)
        np.add.at(counts, (pos, c.status), 1)
        wsum = np.bincount(pos, weights=weights, minlength=P)
        ssum = np.bincount(pos, weights=weights * c.score, minlength=P)
        with np.errstate(invalid="ignore", divide="ignore"):
            composite = np.where(wsum > 0, ssum / wsum, np.nan)
        cat_of_kpi = np.array([_CATEGORIES.index(k.category) for k in kpis.rows], dtype=np.int64)
        cats = np.zeros((P, len(_CATEGORIES)), dtype=np.int8)
        if len(c.kpi):
            np.maximum.at(cats, (pos, cat_of_kpi[c.kpi]), c.status)

        summaries = []
        lights = {}  # the few distinct category rows, built once
        composite_list = [None if np.isnan(x) else x for x in composite.tolist()]
        for r, w_, cs, cnt, cat in zip(prows, worst.tolist(), composite_list, counts.tolist(),
                                       map(tuple, cats.tolist())):  # one per partner
            if cat not in lights:
                lights[cat] = tuple((c, _CODES.get(code)) for c, code in zip(_CATEGORIES, cat))
            summaries.append(PartnerSummary(
                partner_id=r[0], name=r[1], kind=r[2], segment=r[3], tier=r[4], lifecycle=r[5],
                quadrant=quadrant_of(r[6], r[7]), value_score=r[6], risk_score=r[7], annual_spend=r[8],
                status=_CODES.get(w_), composite=cs, green=cnt[1], amber=cnt[2], red=cnt[3],
                categories=lights[cat]))
        names = {r[0]: r[1] for r in prows}
        alerts = self._alerts(c, kpis, names, today)
        status_counts = {st.value: int((worst == code).sum()) for code, st in _CODES.items()}
        status_counts["none"] = int((worst == 0).sum())
        quadrant_counts = {q: 0 for q in Quadrant}
        for sm in summaries:
            if sm.quadrant is not None:
                quadrant_counts[sm.quadrant] += 1
        return Portfolio(tuple(summaries), tuple(alerts), status_counts, quadrant_counts, len(c.partner))

    def spend_concentration(self, max_share: float = 0.30) -> SpendConcentration:
        """Each live partner's share of total annual spend, largest first, and who is above ``max_share``."""
        with self._sessions() as s:
            rows = s.execute(select(Partner.id, Partner.name, Partner.annual_spend)
                             .where(Partner.deleted_at.is_(None), Partner.annual_spend > 0)
                             .order_by(Partner.annual_spend.desc(), Partner.name)).all()
        total = sum(r[2] for r in rows)
        shares = tuple(SpendShare(r[0], r[1], r[2], r[2] / total) for r in rows) if total else ()
        return SpendConcentration(total, max_share, shares, tuple(x for x in shares if x.share > max_share))


def _weighted(rows: list[KpiScore]) -> float | None:
    pairs = [(r.weight, r.score) for r in rows if r.score is not None and r.weight > 0]
    total = sum(w for w, _ in pairs)
    return sum(w * sc for w, sc in pairs) / total if total else None


__all__ = ["Alert", "AlertKind", "KpiScore", "PartnerScorecard", "PartnerSummary", "Portfolio",
           "ScorecardService", "ScorecardSettings", "SpendConcentration", "SpendShare", "Status", "Trend",
           "TrendSeries"]
