"""Target against actual: the geometry of a bar chart drawn as SVG on the server.

Plain functions of plain values. The template draws what `measurement_chart` computes; every
bar carries its value as text and a fill pattern per party, so the chart reads without colour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 24, 56
PATTERNS = ("solid", "hatch", "dots", "cross", "grid", "outline")


@dataclass(frozen=True)
class Point:
    """One value of one party in one period."""

    period: str
    series: str
    value: Decimal
    is_estimate: bool = False


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Decimal
    series: str
    period: str
    pattern: str
    is_estimate: bool
    meets_target: bool | None


@dataclass
class Chart:
    title: str
    unit: str
    target: Decimal | None
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    periods: list[tuple[float, str]] = field(default_factory=list)  # label x, label
    ticks: list[tuple[float, str]] = field(default_factory=list)  # y, label
    legend: list[tuple[str, str]] = field(default_factory=list)  # pattern, series
    target_y: float | None = None
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def description(self) -> str:
        parts = [
            f"{bar.series} {bar.period}: {number(bar.value)} {self.unit}"
            + (" (estimate)" if bar.is_estimate else "")
            for bar in self.bars
        ]
        target = f"Target {number(self.target)} {self.unit}. " if self.target is not None else ""
        return target + "; ".join(parts) + "."


def number(value: Decimal | None) -> str:
    """A value as people write it: 2.0000 reads 2, 1.5300 reads 1.53."""
    if value is None:
        return "—"
    return format(Decimal(value).normalize(), "f")


def period_label(start: date, end: date) -> str:
    """A calendar year reads as the year; any other period as its two dates."""
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    return f"{start.isoformat()} – {end.isoformat()}"


def _nice_ceiling(value: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 × 10^n at or above value (at least 1)."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1) if value >= 1 else Decimal("0.1")
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if magnitude * step >= value:
            return magnitude * step
    return magnitude * 10


def measurement_chart(
    title: str, unit: str, target: Decimal | None, points: Iterable[Point]
) -> Chart | None:
    """Lay out grouped bars (one group per period, one bar per series) and the target line."""
    points = list(points)
    if not points:
        return None
    chart = Chart(title=title, unit=unit, target=target)
    periods = sorted({p.period for p in points})
    series = sorted({p.series for p in points})
    top_value = max([p.value for p in points] + ([target] if target is not None else []))
    scale_max = _nice_ceiling(top_value * Decimal("1.1"))
    plot_height = chart.plot_bottom - TOP
    plot_width = chart.plot_right - chart.plot_left

    def y_of(value: Decimal) -> float:
        return round(chart.plot_bottom - float(value / scale_max) * plot_height, 1)

    for tick in range(5):
        value = scale_max * tick / 4
        chart.ticks.append((y_of(value), number(value.quantize(Decimal("0.01")))))
    chart.legend = [(PATTERNS[i % len(PATTERNS)], name) for i, name in enumerate(series)]
    pattern_of = dict((name, pattern) for pattern, name in chart.legend)
    group_width = plot_width / len(periods)
    bar_width = min(48.0, group_width * 0.8 / len(series))
    by_key = {(p.period, p.series): p for p in points}
    for index, period in enumerate(periods):
        group_left = chart.plot_left + index * group_width
        used = bar_width * len(series)
        first_x = group_left + (group_width - used) / 2
        chart.periods.append((round(group_left + group_width / 2, 1), period))
        for position, name in enumerate(series):
            point = by_key.get((period, name))
            if point is None:
                continue
            y = y_of(point.value)
            chart.bars.append(
                Bar(
                    x=round(first_x + position * bar_width, 1),
                    y=y,
                    width=round(bar_width - 2, 1),
                    height=round(chart.plot_bottom - y, 1),
                    value=point.value,
                    series=name,
                    period=period,
                    pattern=pattern_of[name],
                    is_estimate=point.is_estimate,
                    meets_target=None if target is None else point.value >= target,
                )
            )
    if target is not None:
        chart.target_y = y_of(target)
    return chart


def charts_for(obligations, measurements, *, series_of) -> list[tuple[object, Chart]]:
    """One chart per obligation with measurements; `series_of` names a measurement's bar."""
    grouped: dict[int, list] = {}
    for m in measurements:
        grouped.setdefault(m.obligation_id, []).append(m)
    result = []
    for obligation in obligations:
        rows = grouped.get(obligation.id)
        if not rows:
            continue
        chart = measurement_chart(
            obligation.label,
            obligation.target_unit or rows[0].unit,
            obligation.target_value,
            (
                Point(
                    period_label(m.period_start, m.period_end), series_of(m), m.value, m.is_estimate
                )
                for m in rows
            ),
        )
        result.append((obligation, chart))
    return result
