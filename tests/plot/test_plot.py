"""Each figure draws the right bars, bands and labels; colours, style and determinism.

Most tests hand a small frame to a figure function and count the artists it drew
(``Axes.patches``, tick labels, texts); the last ones run the small scenario of
``tests/conftest.py`` and draw every figure from the run objects.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle

from missionfinance import plot
from missionfinance.missions import MissionSet

UK = MissionSet.load("builtin:uk")
COLOUR = UK.colours


def bars(ax: object) -> list[Rectangle]:
    """Bar rectangles of an Axes (its patches that are Rectangles)."""
    return [p for p in ax.patches if type(p) is Rectangle]  # type: ignore[attr-defined]


def ticks(labels: list) -> list[str]:
    return [t.get_text() for t in labels]


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def hexes(patches: list) -> list[str]:
    return [to_hex(p.get_facecolor(), keep_alpha=False) for p in patches]


# ----------------------------------------------------------------------------- allocation
def test_allocation_by_mission_draws_one_segment_per_mission_and_instrument() -> None:
    frame = pd.DataFrame({
        "mission": ["health", "growth", "growth", "health"],
        "instrument": ["grant", "grant", "loan", "loan"],
        "public": [5.0, 10.0, 20.0, 0.0],
    })
    fig = plot.allocation_by_mission(frame)
    (ax,) = fig.axes
    rects = bars(ax)
    assert len(rects) == 4  # 2 missions × 2 instruments (zero segments kept, width 0)
    assert ticks(ax.get_yticklabels()) == ["growth", "health"]  # catalogue order
    # every segment of a mission carries the mission's colour
    assert hexes(rects) == [COLOUR["growth"], COLOUR["health"]] * 2
    assert [r.get_width() for r in rects] == [10.0, 5.0, 20.0, 0.0]
    assert ticks(ax.get_legend().get_texts()) == ["grant", "loan"]
    assert "£30m" in " ".join(texts(fig))


def test_allocation_by_year_stacks_instruments_per_year() -> None:
    frame = pd.DataFrame({
        "project_id": ["P1", "P1", "P2"],
        "instrument": ["loan", "grant", "grant"],
        "year": ["2027-28", "2026-27", "2027-28"],
        "public": [3.0, 1.0, 2.0],
        "private": [0.0, 0.0, 0.0],
    })
    fig = plot.allocation_by_year(frame, years=["2026-27", "2027-28", "2028-29"])
    (ax,) = fig.axes
    assert len(bars(ax)) == 3 * 2
    assert ticks(ax.get_xticklabels()) == ["2026-27", "2027-28", "2028-29"]
    assert ticks(ax.get_legend().get_texts()) == ["grant", "loan"]
    assert hexes(bars(ax))[:3] == [plot.INSTRUMENT_COLOURS["grant"]] * 3


def test_budget_use_one_panel_per_control_with_limits() -> None:
    frame = pd.DataFrame({
        "control": ["CDEL", "CDEL", "FT", "FT"],
        "year": ["2026-27", "2027-28", "2026-27", "2027-28"],
        "used": [60.0, 45.0, 10.0, 0.0],
        "limit": [60.0, 40.0, np.nan, np.nan],
    })
    fig = plot.budget_use(frame)
    cdel, ft = fig.axes
    assert [cdel.get_title(), ft.get_title()] == ["CDEL", "FT"]
    assert len(bars(cdel)) == 2 and len(bars(ft)) == 2
    assert ticks(cdel.get_xticklabels()) == ["2026-27", "2027-28"]
    (limits,) = [c for c in cdel.collections if isinstance(c, LineCollection)]
    assert len(limits.get_segments()) == 2
    assert [t.get_text() for t in cdel.texts] == ["100%", "112%"]
    # the year over its control total is drawn in red
    assert hexes(bars(cdel))[1] == "#b2182b"
    assert "no control total (unconstrained)" in [t.get_text() for t in ft.texts]


def test_exposure_bars_and_limit() -> None:
    frame = pd.DataFrame({"year": ["2026-27", "2027-28", "2028-29"],
                          "exposure_stock": [10.0, 25.0, 25.0],
                          "exposure_limit": [30.0, 30.0, np.nan]})
    (ax,) = plot.exposure(frame).axes
    assert len(bars(ax)) == 3
    assert ticks(ax.get_xticklabels()) == ["2026-27", "2027-28", "2028-29"]
    (limits,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(limits.get_segments()) == 2


def test_private_by_mission_public_and_split_private_per_mission() -> None:
    frame = pd.DataFrame({"mission": ["growth", "clean-energy"], "public": [10.0, 4.0],
                          "private": [20.0, 2.0], "additional_private": [15.0, 2.0]})
    fig = plot.private_by_mission(frame)
    (ax,) = fig.axes
    rects = bars(ax)
    assert len(rects) == 2 * 3  # public, additional private, private that would happen anyway
    assert ticks(ax.get_yticklabels()) == ["growth", "clean-energy"]
    assert hexes(rects[:2]) == [COLOUR["growth"], COLOUR["clean-energy"]]
    assert [r.get_width() for r in rects[4:]] == [5.0, 0.0]
    joined = " ".join(texts(fig))
    assert "(×2.0)" in joined and "(×0.5)" in joined


def test_private_by_mission_without_additionality_column() -> None:
    frame = pd.DataFrame({"mission": ["health"], "public": [1.0], "private": [3.0]})
    (ax,) = plot.private_by_mission(frame).axes
    assert len(bars(ax)) == 2


# ----------------------------------------------------------------------------- flow
FLOW = pd.DataFrame({
    "budget": ["CDEL", "FT", "FT"],
    "mission": ["growth", "growth", "health"],
    "instrument": ["grant", "loan", "loan"],
    "public": [10.0, 20.0, 5.0],
    "private": [5.0, 60.0, 10.0],
    "additional_private": [5.0, 30.0, 10.0],
})


def test_flow_draws_a_node_per_item_and_a_band_per_link() -> None:
    fig = plot.flow(FLOW)
    (ax,) = fig.axes
    nodes = [p for p in ax.patches if isinstance(p, Rectangle)]
    bands = [p for p in ax.patches if isinstance(p, PathPatch)]
    # nodes: CDEL, FT | growth, health | grant, loan | additional, would happen anyway
    assert len(nodes) == 8
    # links: CDEL→growth, FT→growth, FT→health | growth→grant, growth→loan, health→loan |
    # grant→additional, loan→additional, loan→would happen anyway (grant has no deadweight)
    assert len(bands) == 3 + 3 + 3
    labels = texts(fig)
    for expected in ["CDEL £10m", "FT £25m", "growth £30m", "health £5.0m", "grant £10m",
                     "loan £25m", "additional private £45m", "would happen anyway £30m"]:
        assert expected in labels
    assert {"Budget line", "Mission", "Instrument", "Private money"} <= set(labels)
    # mission nodes carry the mission colours
    assert COLOUR["growth"] in hexes(nodes) and COLOUR["health"] in hexes(nodes)


def test_flow_bands_conserve_public_money_and_widen_to_private() -> None:
    (ax,) = plot.flow(FLOW).axes
    bands = [p for p in ax.patches if isinstance(p, PathPatch)]

    def ends(patch: PathPatch) -> tuple[float, float]:
        v = patch.get_path().vertices
        return v[0, 1] - v[7, 1], v[3, 1] - v[4, 1]  # left height, right height

    heights = [ends(b) for b in bands]
    first, second, last = heights[:3], heights[3:6], heights[6:]
    assert sorted(round(left, 9) for left, _ in first) == [5.0, 10.0, 20.0]
    assert all(abs(left - right) < 1e-9 for left, right in first + second)
    # the last stage starts at the instrument's public £ and ends at its private £
    assert sum(left for left, _ in last) == pytest.approx(35.0)
    assert sum(right for _, right in last) == pytest.approx(75.0)


def test_flow_frame_from_a_run_adds_unattributed_money(small_run: object) -> None:
    frame = plot.flow_frame(small_run)
    assert list(frame.columns) == ["budget", "mission", "instrument", "public", "private",
                                   "additional_private"]
    alloc = small_run.allocation.allocation  # type: ignore[attr-defined]
    assert frame["public"].sum() == pytest.approx(alloc["public"].sum())
    assert set(frame["budget"]) <= {"CDEL", "FT", "contingent liability"}


# ----------------------------------------------------------------------------- tagging
COVERAGE = pd.DataFrame({
    "dimension": ["all", "department", "department", "department"],
    "group": ["all", "DESNZ", "DHSC", "Nobody"],
    "amount": [150.0, 50.0, 100.0, 0.0],
    "favourable": [60.0, 40.0, 20.0, 0.0],
    "unfavourable": [5.0, 5.0, 0.0, 0.0],
    "mixed": [0.0, 0.0, 0.0, 0.0],
    "neutral": [10.0, 0.0, 10.0, 0.0],
    "not_assessed": [75.0, 5.0, 70.0, 0.0],
})


def test_coverage_by_department_one_bar_per_department_and_status() -> None:
    fig = plot.coverage_by_department(COVERAGE)
    (ax,) = fig.axes
    rects = bars(ax)
    assert len(rects) == 2 * 5  # departments with money × five statuses
    assert ticks(ax.get_yticklabels()) == ["DHSC", "DESNZ"]  # largest first
    assert [r.get_width() for r in rects[:2]] == [0.2, 0.8]  # favourable shares
    assert ticks(ax.get_legend().get_texts()) == ["favourable", "unfavourable", "mixed",
                                                  "neutral", "not assessed"]
    assert hexes(rects[:1]) == [plot.STATUS_COLOURS["favourable"]]
    (ax1,) = plot.coverage_by_department(COVERAGE, top=1, share=False).axes
    assert len(bars(ax1)) == 5 and bars(ax1)[4].get_width() == 70.0


def test_alignment_by_mission_from_tags_shows_every_mission() -> None:
    tags = pd.DataFrame({"line_id": ["a", "b", "c"], "mission": ["health", "health", "growth"],
                         "amount_attributed": [10.0, -4.0, 3.0]})
    (ax,) = plot.alignment_by_mission(tags).axes
    rects = bars(ax)
    assert len(rects) == 2 * len(UK)
    assert ticks(ax.get_yticklabels()) == list(UK.ids)
    widths = dict(zip(UK.ids, [r.get_width() for r in rects[: len(UK)]], strict=True))
    assert widths["health"] == 10.0 and widths["growth"] == 3.0
    assert rects[len(UK) + UK.ids.index("health")].get_width() == -4.0


# ----------------------------------------------------------------------------- model
def test_shadow_prices_binding_limits_largest_first() -> None:
    cons = pd.DataFrame({
        "name": ["budget[CDEL,2026-27]", "budget[FT,2026-27]", "capacity[P1]",
                 "exposure[2026-27]", "mission_floor[health]", "budget[RDEL,2026-27]"],
        "family": ["budget", "budget", "capacity", "exposure", "mission_floor", "budget"],
        "mission": ["", "", "", "", "health", ""],
        "binding": [True, True, True, False, True, True],
        "dual": [1.5, 3.0, 9.0, 0.0, -0.5, 0.0],
    })
    (ax,) = plot.shadow_prices(cons).axes
    rects = bars(ax)
    assert ticks(ax.get_yticklabels()) == ["budget[FT,2026-27]", "budget[CDEL,2026-27]",
                                           "mission_floor[health]"]
    assert [r.get_width() for r in rects] == [3.0, 1.5, -0.5]
    assert hexes(rects)[2] == COLOUR["health"]
    (ax2,) = plot.shadow_prices(cons, families=["capacity"]).axes
    assert ticks(ax2.get_yticklabels()) == ["capacity[P1]"]


# ----------------------------------------------------------------------------- sweeps
SWEEP = pd.DataFrame({
    "variant": ["budget.CDEL*=0.8", "budget.CDEL*=1.0", "budget.CDEL*=1.2", "budget.CDEL*=0.1"],
    "status": ["optimal", "optimal", "optimal", "infeasible"],
    "objective": [10.0, 9.0, 14.0, np.nan],
    "public_total": [5.0, 6.0, 7.0, np.nan],
    "value.growth": [6.0, 5.0, 8.0, np.nan],
    "value.health": [4.0, 4.0, 6.0, np.nan],
})


def test_frontier_marks_undominated_variants() -> None:
    fig = plot.frontier(SWEEP, "public_total", "objective")
    (ax,) = fig.axes
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points.get_offsets()) == 3  # every optimal variant
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [5.0, 7.0]  # the variant at 6.0 is dominated
    labels = texts(fig)
    assert "CDEL*=0.8" in labels and "CDEL*=1.2" in labels
    assert any(t.startswith("Not solved: budget.CDEL*=0.1") for t in labels)
    assert ax.get_xlabel() == "public cash committed, £m"


def test_sweep_comparison_one_bar_per_variant() -> None:
    (ax,) = plot.sweep_comparison(SWEEP, "objective").axes
    rects = bars(ax)
    assert len(rects) == 4 + 1  # one per variant, plus the hatched slot of the failed one
    assert [r.get_height() for r in rects[:4]] == [10.0, 9.0, 14.0, 0.0]
    assert ticks(ax.get_xticklabels()) == ["CDEL*=0.8", "CDEL*=1.0", "CDEL*=1.2", "CDEL*=0.1"]
    assert "infeasible" in [t.get_text() for t in ax.texts]


def test_sweep_comparison_value_stacks_missions_in_their_colours() -> None:
    (ax,) = plot.sweep_comparison(SWEEP, "value").axes
    rects = bars(ax)
    assert len(rects) == 2 * 4 + 1
    assert hexes(rects[:4]) == [COLOUR["growth"]] * 4
    assert hexes(rects[4:8]) == [COLOUR["health"]] * 4
    assert ticks(ax.get_legend().get_texts()) == ["growth", "health"]


def test_sweep_comparison_unknown_metric_names_the_columns() -> None:
    with pytest.raises(KeyError, match="no column 'cost'"):
        plot.sweep_comparison(SWEEP, "cost")


# ----------------------------------------------------------------------------- colours, style
def test_mission_colours_come_from_the_mission_set() -> None:
    assert plot.mission_colours() == {**COLOUR, plot.UNATTRIBUTED: "#c7c7c7"}
    own = plot.mission_colours({"a": "#000000"}, ids=["a", "b"])
    assert own["a"] == "#000000" and own["b"] != own["a"]


def test_empty_inputs_give_a_figure_saying_so() -> None:
    empty_alloc = pd.DataFrame(columns=["mission", "instrument", "public"])
    for fig in (plot.allocation_by_mission(empty_alloc),
                plot.flow(pd.DataFrame(columns=list(FLOW.columns))),
                plot.sweep_comparison(SWEEP.iloc[:0])):
        assert isinstance(fig, Figure)
        assert texts(fig)[0] in {"Nothing allocated", "No variants"}


def test_money_out_and_back_one_segment_per_nonzero_flow_and_the_net_line() -> None:
    frame = pd.DataFrame({
        "year": ["2026-27", "2026-27", "2027-28", "2027-28"],
        "instrument": ["grant", "loan", "grant", "loan"],
        "money_out": [10.0, 20.0, 0.0, 0.0],
        "money_back": [0.0, 2.0, 0.0, 25.0],
        "net": [-10.0, -18.0, 0.0, 25.0],
    })
    fig = plot.money_out_and_back(frame)
    (ax,) = fig.axes
    (segments,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    boxes = [p.vertices[:4] for p in segments.get_paths()]
    assert len(boxes) == 4  # grant out; loan back and out in 2026-27, back in 2027-28
    spans = sorted((round(b[:, 1].min(), 6), round(b[:, 1].max(), 6)) for b in boxes)
    assert spans == [(-30.0, -10.0), (-10.0, 0.0), (0.0, 2.0), (0.0, 25.0)]
    (net,) = ax.lines[:1]
    assert list(net.get_ydata()) == [-28.0, 25.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["net", "grant", "loan"]


# ----------------------------------------------------------------------------- outcomes
OUTCOMES = pd.DataFrame({
    "milestone": ["homes"] * 3 + ["beds"] * 3,
    "year": ["2026-27", "2027-28", "2028-29"] * 2,
    "unit": ["homes"] * 3 + ["beds"] * 3,
    "baseline": [np.nan] * 6,
    "bau": [100.0, 110.0, 120.0, 5.0, 5.0, 5.0],
    "projected": [100.0, 130.0, 160.0, 5.0, 6.0, 7.0],
    "target": [100.0, 150.0, 200.0, 5.0, 7.0, 9.0],
    "p10": [np.nan] * 6,
    "p90": [np.nan] * 6,
})
SENSITIVITY = pd.DataFrame({
    "milestone": ["homes", "homes", "homes", "beds"],
    "input": ["yield.homes", "leverage.all", "yield.beds", "yield.beds"],
    "at_p10": [150.0, 155.0, 160.0, 6.0],
    "at_p90": [170.0, 158.0, 160.0, 8.0],
    "swing": [20.0, 3.0, 0.0, 2.0],
})


def test_milestone_trajectories_one_panel_per_milestone_one_legend() -> None:
    fig = plot.milestone_trajectories(OUTCOMES, [
        ("homes", COLOUR["opportunity"], "homes (by 2028-29)", "2028-29"),
        ("beds", COLOUR["health"], "beds (by 2027-28)", "2027-28"),
        ("missing", COLOUR["growth"], "missing", "2028-29"),
    ])
    assert [ax.get_title(loc="left") for ax in fig.axes] == [
        "homes (by 2028-29)", "beds (by 2027-28)", "missing"]
    assert sum(ax.get_legend() is not None for ax in fig.axes) == 1
    assert [ax.get_ylabel() for ax in fig.axes[:2]] == ["homes", "beds"]
    assert texts(fig)[-1] == "No outcome data for missing"
    # the same lines as the one-milestone figure
    single = plot.milestone_trajectory(OUTCOMES, "beds", COLOUR["health"], "b", "2027-28")
    assert [tuple(line.get_ydata()) for line in single.axes[0].lines] == [
        tuple(line.get_ydata()) for line in fig.axes[1].lines]


def test_tornado_leaves_out_inputs_that_do_not_move_the_milestone() -> None:
    (ax,) = plot.tornado(SENSITIVITY, "homes", "homes").axes
    assert ticks(ax.get_yticklabels()) == ["leverage.all", "yield.homes"]  # widest on top
    assert [round(b.get_width(), 6) for b in bars(ax)] == [3.0, 20.0]
    fig = plot.tornadoes(SENSITIVITY, [("homes", "homes", "h"), ("beds", "beds", "b")])
    assert [ticks(a.get_yticklabels()) for a in fig.axes] == [
        ["leverage.all", "yield.homes"], ["yield.beds"]]
    still = SENSITIVITY.assign(swing=0.0)
    assert texts(plot.tornado(still, "homes"))[0] == "No uncertain input moves this milestone"


def test_numeric_ticks_are_written_in_full() -> None:
    frame = pd.DataFrame({"year": ["2026-27", "2027-28"], "grant": [1_500_000.0, 2e6]})
    fig = plot.allocation_by_year(frame)
    canvas = fig.canvas
    canvas.draw()  # tick labels are set when drawn
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert "2,000,000" in labels and fig.axes[0].yaxis.get_offset_text().get_text() == ""


# ----------------------------------------------------------------------------- from a run
FROM_RUN = [
    ("allocation_by_mission", lambda r: plot.allocation_by_mission(r)),
    ("allocation_by_year", lambda r: plot.allocation_by_year(r)),
    ("budget_use", lambda r: plot.budget_use(r)),
    ("exposure", lambda r: plot.exposure(r)),
    ("private_by_mission", lambda r: plot.private_by_mission(r)),
    ("flow", lambda r: plot.flow(r)),
    ("coverage_by_department", lambda r: plot.coverage_by_department(r.baseline)),
    ("alignment_by_mission", lambda r: plot.alignment_by_mission(r.baseline)),
    ("shadow_prices", lambda r: plot.shadow_prices(r)),
]


@pytest.mark.parametrize(("name", "draw"), FROM_RUN, ids=[n for n, _ in FROM_RUN])
def test_every_figure_draws_from_a_run_without_leaking_style(small_run: object, name: str,
                                                             draw: object) -> None:
    before = dict(mpl.rcParams)
    fig = draw(small_run)  # type: ignore[operator]
    assert isinstance(fig, Figure) and fig.axes
    assert dict(mpl.rcParams) == before
    fig.savefig(io.BytesIO(), format="png", dpi=40)  # Agg renders it


def test_run_figures_match_the_run(small_run: object) -> None:
    run = small_run
    (ax,) = plot.budget_use(run).axes[:1]
    assert ax.get_title() == "CDEL"
    assert ticks(ax.get_xticklabels()) == ["2026-27", "2027-28"]
    titles = [a.get_title() for a in plot.budget_use(run).axes]
    assert titles == sorted(run.scenario.budget)  # type: ignore[attr-defined]
    (ax,) = plot.allocation_by_year(run).axes
    assert ticks(ax.get_xticklabels()) == ["2026-27", "2027-28"]
    missions = run.allocation.missions  # type: ignore[attr-defined]
    (ax,) = plot.private_by_mission(run).axes
    assert ticks(ax.get_yticklabels()) == list(missions["mission"])


def test_figures_are_deterministic(small_run: object) -> None:
    def svg(fig: Figure) -> bytes:
        buf = io.BytesIO()
        with mpl.rc_context(plot.STYLE):
            fig.savefig(buf, format="svg", metadata={"Date": None})
        return buf.getvalue()

    assert svg(plot.flow(small_run)) == svg(plot.flow(small_run))
    assert svg(plot.frontier(SWEEP)) == svg(plot.frontier(SWEEP))


def test_package_has_no_pyplot_import() -> None:
    for module in Path(plot.__file__).parent.glob("*.py"):
        source = module.read_text(encoding="utf-8")
        assert "pyplot" not in source.replace("without pyplot", ""), module.name


def test_figures_take_an_allocation_result_alone(small_run: object) -> None:
    result = small_run.allocation  # type: ignore[attr-defined]
    for draw in (plot.allocation_by_mission, plot.allocation_by_year, plot.budget_use,
                 plot.exposure, plot.private_by_mission, plot.flow, plot.shadow_prices):
        assert isinstance(draw(result), Figure)
    (ax,) = plot.exposure(result).axes
    assert len(bars(ax)) == 2  # the horizon's years, from the allocation


def test_flow_frame_conserves_public_money_under_gross_attribution(small_run: object) -> None:
    from dataclasses import replace

    result = small_run.allocation  # type: ignore[attr-defined]
    doubled = result.leverage.assign(public=result.leverage["public"] * 2)
    frame = plot.flow_frame(replace(result, leverage=doubled))
    assert frame["public"].sum() == pytest.approx(result.allocation["public"].sum())


def test_allocation_by_year_takes_the_reports_wide_table() -> None:
    wide = pd.DataFrame({"year": ["2026-27", "2027-28"], "grant": [1.0, 2.0],
                         "loan": [0.0, 3.0], "total": [1.0, 5.0]})
    (ax,) = plot.allocation_by_year(wide).axes
    assert len(bars(ax)) == 2 * 2
    assert ticks(ax.get_legend().get_texts()) == ["grant", "loan"]


def test_allocation_by_group_largest_first() -> None:
    frame = pd.DataFrame({"department": ["DESNZ", "DHSC", "DESNZ", "HO"],
                          "public": [10.0, 4.0, 5.0, 1.0]})
    (ax,) = plot.allocation_by_group(frame, "department", top=2).axes
    assert ticks(ax.get_yticklabels()) == ["DESNZ", "DHSC"]
    assert [r.get_width() for r in bars(ax)] == [15.0, 4.0]
    assert ax.get_title(loc="left") == "Public finance by department"


def test_a_mission_has_one_colour_in_every_figure(small_run: object) -> None:
    """The catalogue's health colour is the colour of health in every mission figure."""
    health = COLOUR["health"]
    figures = {
        "allocation_by_mission": plot.allocation_by_mission(
            pd.DataFrame({"mission": ["health"], "instrument": ["grant"], "public": [1.0]})),
        "private_by_mission": plot.private_by_mission(
            pd.DataFrame({"mission": ["health"], "public": [1.0], "private": [2.0]})),
        "flow": plot.flow(FLOW),
        "alignment_by_mission": plot.alignment_by_mission(
            pd.DataFrame({"mission": ["health"], "favourable": [1.0], "unfavourable": [0.0]})),
        "sweep_comparison": plot.sweep_comparison(SWEEP, "value"),
    }
    for name, fig in figures.items():
        colours = {to_hex(p.get_facecolor(), keep_alpha=False) for ax in fig.axes
                   for p in ax.patches}
        assert health in colours, name


def test_figures_take_the_reports_tables(small_run: object) -> None:
    """The report's frames (missionfinance.views) feed the figures unchanged, so the
    report's charts can delegate to this module."""
    from missionfinance import views as tables

    run: Any = small_run
    alloc = tables.allocation_frame(run.allocation)
    budget = tables.budget_use(run, alloc)
    (cdel, *_rest) = plot.budget_use(budget).axes
    assert cdel.get_title() == "CDEL" and len(bars(cdel)) == len(run.scenario.years)
    (ax,) = plot.exposure(tables.exposure_and_risk(run, alloc)).axes
    assert len(bars(ax)) == len(run.scenario.years)
    by_mission = tables.by_mission(run, alloc, run.scenario.missions.ids)
    (ax,) = plot.private_by_mission(by_mission, run.scenario.missions).axes
    assert ticks(ax.get_yticklabels()) == list(by_mission["mission"])
    by_year = tables.instrument_by_year(alloc, run.scenario.years)
    (ax,) = plot.allocation_by_year(by_year).axes
    assert ticks(ax.get_xticklabels()) == list(run.scenario.years)
    pipe = run.pipeline.set_index("project_id")["department"]
    by_dep = tables.by_group(alloc, "department", alloc["project_id"].map(pipe))
    (ax,) = plot.allocation_by_group(by_dep, "department").axes
    assert ticks(ax.get_yticklabels()) == list(by_dep["department"])
    _, aligned = tables.baseline_alignment(run.baseline)
    assert isinstance(plot.alignment_by_mission(aligned), Figure)
    (ax,) = plot.coverage_by_department(tables.coverage_table(run.baseline)).axes
    assert set(ticks(ax.get_yticklabels())) == {"DESNZ", "DHSC", "HMRC"}
