"""The organisation report's HTML and Markdown: self-contained, charts inline, strings inert."""

from __future__ import annotations

import re
from pathlib import Path

from camscan.report.estate_html import render_estate_html
from camscan.report.estate_md import render_estate_markdown
from tests.report.cli_env import cli_env
from tests.report.markdown_tables import assert_rows_match_headers
from tests.report.sample_estate import estate

__all__ = ["cli_env"]


def test_html_is_one_file_with_two_trend_charts_and_no_script() -> None:
    out = render_estate_html(estate())
    assert "Content-Security-Policy" in out
    assert "<script" not in out.lower()
    assert "<img" not in out.lower()
    assert "http://" not in out.replace("http://www.w3.org/2000/svg", "")  # nothing fetched
    charts = re.findall(r"<svg .*?</svg>", out)
    assert len(charts) == 2
    by_site, by_maker = charts
    assert "<title>Restricted devices by site</title>" in by_site
    assert ">hq (2)</text>" in by_site  # legend: the latest value per site
    assert ">depot (1)</text>" in by_site
    assert by_site.count("<polyline ") == 2
    assert ">Hikvision (2)</text>" in by_maker


def test_html_tables_carry_location_clause_ack_and_changes() -> None:
    out = render_estate_html(estate())
    restricted = out[
        out.index("id='restricted'") : out.index("</table>", out.index("id='restricted'"))
    ]
    assert "<span class='nw'>hq-sw1</span> port <span class='nw'>Gi1/0/7</span>" in restricted
    assert "us-ndaa-889 §889(f)(3)(B)" in restricted
    assert "replacement ordered (ticket 4711) (until <span class='nw'>2027-03-31</span>)" in out
    assert "<td>firmware</td>" in out
    assert "&lt;script&gt;" in out  # the hostile label shown as text


def test_markdown_answer_first_and_every_table_row_has_its_headers_cells() -> None:
    out = render_estate_markdown(estate())
    assert out.startswith("# camscan estate report\n")
    assert out.index("## Restricted devices") < out.index("## Sites") < out.index("## Counts")
    assert "<script" not in out
    assert "| hq | 192.0.2.21 | 44:19:b6:12:34:56 | Hikvision (sold as LTS) | CMIP3042W-28M | " \
           "hq-sw1 port Gi1/0/7 VLAN 20 |" in out  # fmt: skip
    assert len(assert_rows_match_headers(out)) >= 8  # restricted, sites, 4 counts, changes...


def test_camscan_report_renders_html_and_markdown_from_a_real_history(cli_env: Path) -> None:
    """Two sites, three nights each, recorded in SQLite; `camscan report -f html|markdown`."""
    from datetime import UTC, datetime

    from camscan.models import Location
    from camscan.store import History, parse_target
    from tests.report.cli_env import run_camscan
    from tests.report.sample_docs import amcrest_recorder, axis_camera, building, lts_camera

    db = cli_env / "h.db"
    where = Location(switch="sw-2f", port="Gi1/0/7", vlan=20)
    for site, nights in (
        ("hq", [[lts_camera().model_copy(update={"location": where}), axis_camera()]] * 3),
        ("depot", [[axis_camera("192.0.2.41")], [amcrest_recorder()], [amcrest_recorder(),
                    lts_camera("192.0.2.99").model_copy(update={"mac": "44:19:b6:00:00:99"})]]),
    ):  # fmt: skip
        with History(parse_target(str(db)), site=site) as h:
            for day, devices in enumerate(nights, start=1):
                start = datetime(2026, 11, day, 2, 0, tzinfo=UTC)
                doc = building(devices, started_at=start, finished_at=start.replace(minute=5))
                h.record(doc, recorded_at=start.replace(minute=5).isoformat())
    html_out = run_camscan("report", "--db", str(db), "--site", "all", "-f", "html")
    assert html_out.exit_code == 0, html_out.output
    page = html_out.stdout
    assert page.startswith("<!DOCTYPE html>")
    by_site = re.findall(r"<svg .*?</svg>", page)[0]
    assert ">hq (1)</text>" in by_site
    assert ">depot (1)</text>" in by_site  # the LTS camera that arrived on night 3
    assert "<span class='nw'>sw-2f</span> port <span class='nw'>Gi1/0/7</span>" in page
    md = run_camscan("report", "--db", str(db), "--site", "hq", "-f", "markdown")
    assert md.exit_code == 0, md.output
    assert "| hq | 192.0.2.21 | 44:19:b6:12:34:56 | Hikvision (sold as LTS) |" in md.stdout
    assert "depot" not in md.stdout
