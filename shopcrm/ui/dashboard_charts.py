"""The dashboard's Qt Charts, built from plain (label, value) rows.

Each function returns a new QChart; the dashboard puts it in a QChartView and
throws the old one away when the figures change. A chart whose parts can be
clicked (segments, tiers, sources, provinces) calls `on_click(index)` with the
index of the row clicked: the dashboard knows which key that row stands for.
"""

from __future__ import annotations

from typing import Callable, Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QLocale, QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QToolTip

Rows = Sequence[tuple[str, float]]
OnClick = Callable[[int], None]

PALETTE = ("#2f6db5", "#3aa57a", "#e3a21a", "#d4544a", "#8a63b8", "#4bb3c8", "#9c7a54",
           "#7f8c8d", "#c0568f", "#5c9e31", "#b0b0b0", "#d9d9d9")
BAR_COLOR = "#2f6db5"


def new_view() -> QChartView:
    view = QChartView()
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumSize(360, 330)
    return view


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont(chart.titleFont())
    font.setBold(True)
    font.setPointSizeF(max(font.pointSizeF(), 10.0))
    chart.setTitleFont(font)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().hide()
    return chart


def pie(title: str, rows: Rows, on_click: OnClick | None = None,
        tooltip: Callable[[int], str] | None = None) -> QChart:
    """A donut of `rows` with a legend ("Loyal: 39,954"); empty rows are left out."""
    chart = _chart(title)
    series = QPieSeries()
    series.setHoleSize(0.35)
    for index, (text, value) in enumerate(rows):
        if not value:
            continue
        part = series.append(f"{text}: {QLocale().toString(int(value))}", value)
        part.setColor(QColor(PALETTE[index % len(PALETTE)]))
        part.setLabelVisible(False)
        if on_click is not None:
            part.clicked.connect(lambda index=index: on_click(index))
        if tooltip is not None:
            tip = tooltip(index)
            part.hovered.connect(lambda state, tip=tip: _tip(state, tip))
    chart.addSeries(series)
    legend = chart.legend()
    legend.show()
    legend.setAlignment(Qt.AlignmentFlag.AlignRight)
    chart.series_ = series  # the tests (and the PDF) reach the slices through it
    return chart


def bars(title: str, rows: Rows, on_click: OnClick | None = None, horizontal: bool = False,
         value_title: str = "", decimals: int = 0,
         tooltip: Callable[[int], str] | None = None, color: str = BAR_COLOR) -> QChart:
    """One bar per row, categories on one axis and values on the other."""
    if horizontal:  # drawn from the bottom up: reversed, so the first row is on top
        last = len(rows) - 1
        rows = list(reversed(rows))
        if on_click is not None:
            on_click = (lambda click: lambda index: click(last - index))(on_click)
        if tooltip is not None:
            tooltip = (lambda tip: lambda index: tip(last - index))(tooltip)
    chart = _chart(title)
    series = QHorizontalBarSeries() if horizontal else QBarSeries()
    bar_set = QBarSet(title)
    bar_set.setColor(QColor(color))
    bar_set.setBorderColor(QColor(color))
    bar_set.append([float(value) for _, value in rows])
    series.append(bar_set)
    series.setBarWidth(0.7)
    if on_click is not None:
        series.clicked.connect(lambda index, _set: on_click(index))
    if tooltip is not None:
        series.hovered.connect(lambda state, index, _set: _tip(state, tooltip(index)))
    chart.addSeries(series)
    categories = _categories([text for text, _ in rows], horizontal)
    values = _value_axis(max((value for _, value in rows), default=0), value_title, decimals)
    if horizontal:
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
    else:
        chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(categories)
    series.attachAxis(values)
    chart.series_ = series
    return chart


def line(title: str, rows: Sequence[tuple[str, float | None]], value_title: str = "",
         decimals: int = 0, minimum: float = 0, maximum: float | None = None,
         color: str = BAR_COLOR, tooltip: Callable[[int], str] | None = None) -> QChart:
    """A line over categories (months); a None value leaves that month without a point."""
    chart = _chart(title)
    series = QLineSeries()
    pen = series.pen()
    pen.setWidthF(2.5)
    pen.setColor(QColor(color))
    series.setPen(pen)
    series.setPointsVisible(True)
    for index, (_, value) in enumerate(rows):
        if value is not None:
            series.append(QPointF(index, float(value)))
    if tooltip is not None:
        series.hovered.connect(lambda point, state: _tip(state, tooltip(round(point.x()))))
    chart.addSeries(series)
    categories = _categories([text for text, _ in rows])
    top = maximum if maximum is not None else max(
        (value for _, value in rows if value is not None), default=0)
    values = _value_axis(top, value_title, decimals, minimum)
    chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(categories)
    series.attachAxis(values)
    if len(rows) == 1:  # one month: a point in the middle, not on the axis' edge
        categories.setRange(categories.at(0), categories.at(0))
    chart.series_ = series
    return chart


def _categories(labels: list[str], horizontal: bool = False) -> QBarCategoryAxis:
    """Category labels in a smaller font; months turned aside when there are many."""
    axis = QBarCategoryAxis()
    axis.append(_unique(labels))
    font = QFont(axis.labelsFont())
    font.setPointSizeF(7 if horizontal and len(labels) > 8 else 8)
    axis.setLabelsFont(font)
    if not horizontal and len(labels) > 5:
        axis.setLabelsAngle(-50)
    return axis


def _value_axis(top: float, title: str, decimals: int, minimum: float = 0) -> QValueAxis:
    axis = QValueAxis()
    high = _nice(top) if top > minimum else minimum + 1
    if decimals == 0:
        high = max(high, minimum + 4)  # whole numbers: ticks 1 apart at least
    axis.setRange(minimum, high)
    axis.setLabelFormat(f"%.{decimals}f")
    axis.setTickCount(6 if axis.max() - minimum == 5 else 5)
    font = QFont(axis.labelsFont())
    font.setPointSizeF(8)
    axis.setLabelsFont(font)
    if title:
        axis.setTitleText(title)
    return axis


def _nice(value: float) -> float:
    """A round number at least `value`, so the axis ticks fall on round numbers."""
    step = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.25
    for factor in (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10):
        if step * factor >= value:
            return step * factor
    return value


def _unique(labels: list[str]) -> list[str]:
    """Category labels must differ: a repeated one gets invisible trailing spaces."""
    seen: dict[str, int] = {}
    result = []
    for text in labels:
        text = text or " "
        count = seen.get(text, 0)
        seen[text] = count + 1
        result.append(text + " " * count)
    return result


def _tip(state: bool, text: str) -> None:
    from PySide6.QtGui import QCursor

    if state and text:
        QToolTip.showText(QCursor.pos(), text)
    else:
        QToolTip.hideText()
