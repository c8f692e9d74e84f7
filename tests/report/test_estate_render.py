"""The organisation report's HTML and Markdown: self-contained, charts inline, strings inert."""

from __future__ import annotations

import re

from camscan.report.estate_html import render_estate_html
from camscan.report.estate_md import render_estate_markdown
from tests.report.sample_estate import estate


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
    assert "| hq | 192.0.2.21 | Hikvision (sold as LTS) | CMIP3042W-28M | hq-sw1 port Gi1/0/7 " \
           "VLAN 20 |" in out  # fmt: skip
    tables: list[list[str]] = []
    previous = ""
    for line in out.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(line)
        previous = line
    assert len(tables) >= 8
    for rows in tables:
        assert len({len(re.findall(r"(?<!\\)\|", row)) for row in rows}) == 1, rows[0]
