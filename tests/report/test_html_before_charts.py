"""report.html rendered before its charts are drawn equals the page rendered with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from missionfinance import Scenario
from missionfinance.report import build_summary
from missionfinance.report.build import Report, build_report
from missionfinance.report.html import chart_names, chart_uris, html_before_charts, html_bytes
from missionfinance.scenario import RunResult
from missionfinance.testing import make_run
from missionfinance.views import allocation_frame

ROOT = Path(__file__).resolve().parents[2]


def _report(run: RunResult, base: Path) -> Report:
    alloc = allocation_frame(run.allocation)
    return build_report(run, alloc, build_summary(run, alloc), base)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, dict[str, str]]:
    """A report whose project names read like the page's chart markers."""
    folder = tmp_path_factory.mktemp("markers")
    names = ["<mf-chart flow>", "Road <mf-chart budget> & bridge", "data:image/svg+xml;base64,"]
    run = make_run(folder / "work", n_projects=9, names=names * 3)
    report = _report(run, folder)
    return report, chart_uris(report)


def test_the_page_made_first_is_the_page_made_with_its_charts(
        hostile: tuple[Report, dict[str, str]]) -> None:
    report, charts = hostile
    names = chart_names(report.tables)
    assert sorted(names) == sorted(charts)
    page = html_before_charts(report, names)(charts)
    assert page == html_bytes(report, charts)
    # the names that look like markers are in the page, escaped, and no marker is left
    assert b"&lt;mf-chart flow&gt;" in page
    assert b"<mf-chart" not in page


def test_other_charts_or_uris_the_page_escapes_render_it_anew(
        hostile: tuple[Report, dict[str, str]]) -> None:
    report, charts = hostile
    fill = html_before_charts(report, chart_names(report.tables))
    more = {**charts, "extra": "data:image/svg+xml;base64,AAAA"}
    assert fill(more) == html_bytes(report, more)
    odd = {**charts, "flow": "data:image/svg+xml;utf8,<svg a='1'>&amp;</svg>"}
    assert fill(odd) == html_bytes(report, odd)
    assert b"&lt;svg a=&#39;1&#39;&gt;" in fill(odd)


def test_the_example_names_its_outcome_charts_too(tmp_path: Path) -> None:
    run = Scenario.load(ROOT / "scenarios" / "sr25-example.toml").run()
    report = _report(run, tmp_path)
    names = chart_names(report.tables)
    assert {"outcomes", "tornadoes"} <= set(names)
    charts = chart_uris(report)
    assert sorted(names) == sorted(charts)
    assert html_before_charts(report, names)(charts) == html_bytes(report, charts)


def test_the_manifest_from_known_digests_and_versions_is_the_same(tmp_path: Path) -> None:
    from missionfinance.report import render_outputs
    from missionfinance.report.manifest import build_manifest, package_versions, sha256_bytes

    run = make_run(tmp_path / "work", n_projects=6)
    files = render_outputs(run, tmp_path, parallel=False)
    files.pop("manifest.json")
    summary = build_summary(run)
    plain = build_manifest(run, files, tmp_path, summary)
    some = {name: sha256_bytes(data) for name, data in files.items() if name.endswith(".csv")}
    assert some and len(some) < len(files)
    known = build_manifest(run, files, tmp_path, summary, packages=package_versions(),
                           digests=some)
    assert known == plain
