"""Target against actual: the chart's geometry, and the chart and table on the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from registry.obligations.charts import Point, measurement_chart, number, period_label


def test_bars_are_drawn_to_scale_against_the_target():
    chart = measurement_chart(
        "Spend 2% of GDP on defence",
        "% of GDP",
        Decimal("2"),
        [
            Point("2023", "Poland", Decimal("3.9")),
            Point("2023", "Spain", Decimal("1.24")),
            Point("2024", "Poland", Decimal("4.12"), is_estimate=True),
        ],
    )

    # The scale tops out at a round number above the highest value with room for its label.
    assert chart.ticks[-1][1] == "5"
    assert [bar.value for bar in chart.bars] == [Decimal("3.9"), Decimal("1.24"), Decimal("4.12")]
    plot_height = chart.plot_bottom - 24
    for bar in chart.bars:
        assert bar.height == pytest.approx(float(bar.value) / 5 * plot_height, abs=0.1)
        assert bar.y + bar.height == pytest.approx(chart.plot_bottom, abs=0.1)
    assert chart.target_y == pytest.approx(chart.plot_bottom - 2 / 5 * plot_height, abs=0.1)
    assert [bar.meets_target for bar in chart.bars] == [True, False, True]
    assert [p for _, p in chart.periods] == ["2023", "2024"]
    assert chart.legend == [("solid", "Poland"), ("hatch", "Spain")]
    assert chart.description == (
        "Target 2 % of GDP. Poland 2023: 3.9 % of GDP; Spain 2023: 1.24 % of GDP; "
        "Poland 2024: 4.12 % of GDP (estimate)."
    )


def test_no_measurements_draw_no_chart():
    assert measurement_chart("Nothing yet", "% of GDP", Decimal("2"), []) is None


def test_labels_read_as_people_write_them():
    assert number(Decimal("2.0000")) == "2"
    assert number(Decimal("1.5300")) == "1.53"
    assert period_label(date(2024, 1, 1), date(2024, 12, 31)) == "2024"
    assert period_label(date(2024, 4, 1), date(2025, 3, 31)) == "2024-04-01 – 2025-03-31"
