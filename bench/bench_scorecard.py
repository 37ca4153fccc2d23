"""Bench: the portfolio scorecard over 5,000 partners and 60 months, and drawing a 10-year weekly chart.

    python bench/bench_scorecard.py [PATH]

PATH is the demo database to use; it is built first (`python main.py demo --db PATH --partners 5000
--months 60`) when it does not exist yet. Prints:
- the portfolio scorecard through `ScorecardService.portfolio()` (first run and the median of five);
- the same aggregate (per partner: worst status, counts, weighted composite, mean velocity) as one raw sqlite3
  query with window functions, in the same run, and whether both agree on every partner's status;
- drawing (set_series + render offscreen) a 520-point weekly trend chart, and the value–risk matrix of all
  partners.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

RAW_SQL = """
WITH ranked AS (
    SELECT m.partner_id, m.kpi_id, m.value,
           ROW_NUMBER() OVER (PARTITION BY m.partner_id, m.kpi_id ORDER BY m.period_start DESC) AS rn
    FROM measurements m
    JOIN partners p ON p.id = m.partner_id AND p.deleted_at IS NULL
    JOIN kpis k ON k.id = m.kpi_id AND k.deleted_at IS NULL
    WHERE m.deleted_at IS NULL
), series AS (
    SELECT partner_id, kpi_id,
           MAX(CASE WHEN rn = 1 THEN value END) AS latest,
           COUNT(*) AS n, SUM(1.0 - rn) AS sx, SUM(value) AS sy,
           SUM((1.0 - rn) * (1.0 - rn)) AS sxx, SUM((1.0 - rn) * value) AS sxy
    FROM ranked WHERE rn <= 6 GROUP BY partner_id, kpi_id
), effective AS (
    SELECT s.*, k.weight, CASE k.direction WHEN 'higher' THEN 1.0 ELSE -1.0 END AS sign,
           COALESCE(o.target, k.target) AS target,
           COALESCE(o.amber_threshold, k.amber_threshold) AS amber,
           COALESCE(o.red_threshold, k.red_threshold) AS red
    FROM series s JOIN kpis k ON k.id = s.kpi_id
    LEFT JOIN kpi_overrides o ON o.partner_id = s.partner_id AND o.kpi_id = s.kpi_id AND o.deleted_at IS NULL
), scored AS (
    SELECT partner_id, weight,
           CASE WHEN sign * (latest - amber) >= 0 THEN 1 WHEN sign * (latest - red) >= 0 THEN 2 ELSE 3 END AS status,
           MIN(MAX(sign * (latest - red) / (sign * (target - red)), 0.0), 1.0) * 100 AS score,
           CASE WHEN n >= 2 THEN (n * sxy - sx * sy) / (n * sxx - sx * sx) * sign / ABS(amber - red) END AS velocity
    FROM effective
)
SELECT partner_id, MAX(status) AS worst, SUM(status = 1), SUM(status = 2), SUM(status = 3),
       SUM(weight * score) / SUM(weight) AS composite, AVG(velocity)
FROM scored GROUP BY partner_id
"""


def timed(fn, runs: int = 5):
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return result, times


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/tandem-bench-5000.sqlite")
    if not path.exists():
        print(f"Building the demo database {path} (5,000 partners, 60 months)…", flush=True)
        subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--db", str(path), "--partners", "5000",
                        "--months", "60"], check=True)
    from app.services import build_services
    from app.services.database import open_database

    db = open_database(path, lock=False)
    services = build_services(db)
    n_measurements = services.measurements.count()
    n_partners = services.partners.count()
    print(f"Database: {path}\n  {n_partners:,} partners, {n_measurements:,} live measurements")

    portfolio, times = timed(services.scorecards.portfolio)
    print(f"Portfolio scorecard (service, SQL + numpy): first {times[0]:.3f} s, "
          f"median of {len(times)} {statistics.median(times):.3f} s  "
          f"({portfolio.series:,} series, {len(portfolio.alerts):,} alerts)")

    con = sqlite3.connect(str(path))
    raw, raw_times = timed(lambda: con.execute(RAW_SQL).fetchall(), runs=3)
    print(f"Same aggregate as one raw sqlite3 query: first {raw_times[0]:.3f} s, "
          f"median of {len(raw_times)} {statistics.median(raw_times):.3f} s  ({len(raw):,} partners)")
    codes = {"green": 1, "amber": 2, "red": 3}
    by_service = {p.partner_id: (codes.get(p.status.value) if p.status else None, p.composite)
                  for p in portfolio.partners}
    agree = sum(1 for pid, worst, *_rest, comp, _v in raw
                if by_service.get(pid, (None, None))[0] == worst
                and abs((by_service[pid][1] or 0) - (comp or 0)) < 1e-6)
    print(f"  status and composite agree for {agree:,} of {len(raw):,} measured partners")
    con.close()

    from PySide6.QtWidgets import QApplication

    from app.models.enums import Direction, PeriodKind
    from app.services.scorecards import TrendSeries
    from app.ui.charts.matrix import ValueRiskMatrixWidget
    from app.ui.charts.trend import TrendChartWidget

    _app = QApplication.instance() or QApplication([])  # kept alive while charts draw
    import numpy as np

    rng = np.random.default_rng(1)
    start = date.today() - timedelta(weeks=520)
    periods = tuple(start + timedelta(weeks=i) for i in range(520))
    values = tuple(float(v) for v in np.round(94 + np.cumsum(rng.normal(0, 0.3, 520)) * 0.5, 2))
    series = TrendSeries("p", "k", "OTD", "On-time delivery", "%", Direction.HIGHER_IS_BETTER, 98, 95, 90, False,
                         PeriodKind.WEEK, periods, values, (periods[-6], values[-6]), (periods[-1], values[-1]),
                         None, None)
    chart = TrendChartWidget()
    chart.resize(900, 360)
    chart.show()

    def draw_chart():
        chart.set_series(series)
        return chart.grab()

    _, chart_times = timed(draw_chart)
    print(f"10-year weekly trend chart (520 points), set + render offscreen: first {chart_times[0] * 1000:.0f} ms, "
          f"median {statistics.median(chart_times) * 1000:.0f} ms")
    matrix = ValueRiskMatrixWidget()
    matrix.resize(700, 560)
    matrix.show()

    def draw_matrix():
        matrix.set_partners(portfolio.partners)
        return matrix.grab()

    _, matrix_times = timed(draw_matrix, runs=3)
    print(f"Value–risk matrix of {len(portfolio.partners):,} partners, set + render: "
          f"median {statistics.median(matrix_times) * 1000:.0f} ms")
    db.close()
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown: Qt and pyqtgraph objects may crash it at exit
