"""Every survey's committed report: each figure reachable, and a PDF sized for reading.

For each survey of params.yaml (its reports/<survey>/report.html and report.pdf):
every figure of summaries.csv has its place in the report (``fig-<id>``, a table cell
or a number of the text) linking to its open provenance entry (``prov-<id>``), which
links back; every internal link lands on an anchor; no table spends a column on ids;
and the PDF stays in the tens of pages whatever the number of respondents (the
provenance appendix is in the HTML only).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pypdf
import pytest
import yaml

from helpers.core.small_base import POOLED

REPO = Path(__file__).resolve().parents[1]
SURVEYS = list(yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["surveys"])
MAX_PAGES = 60  # "tens of pages, not hundreds" (issue 14): a report for reading


def _html(survey: str) -> str:
    return (REPO / "reports" / survey / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("survey", SURVEYS)
def test_every_figure_links_to_its_open_provenance_entry_and_back(survey):
    html = _html(survey)
    ids = pd.read_csv(
        REPO / "data" / "processed" / survey / "summaries.csv", usecols=["figure_id"]
    )["figure_id"]
    anchors = set(re.findall(r'\bid="([^"]+)"', html))
    links = set(re.findall(r'href="#([^"]+)"', html))
    back = dict(
        re.findall(
            r'<section class="prov" id="prov-([^"]+)">.*?'
            r'<a class="back" href="#fig-([^"]+)"',
            html,
            re.S,
        )
    )
    pooled = {f for f, target in back.items() if target != f}  # shown inside a pooled group
    assert all(f".{POOLED}." in back[f] for f in pooled), f"{survey}: odd back links"
    lacking = [
        f
        for f in ids
        if f"prov-{f}" not in anchors
        or f not in back
        or f"fig-{back[f]}" not in anchors
        or (f not in pooled and (f"fig-{f}" not in anchors or f"prov-{f}" not in links))
    ]
    assert lacking == [], f"{survey}: figures without a place, an entry or a link: {lacking[:8]}"
    assert "<details" not in html, f"{survey}: a closed <details> hides an entry"
    broken = sorted(links - anchors)
    assert broken == [], f"{survey}: links to missing anchors: {broken[:8]}"


@pytest.mark.parametrize("survey", SURVEYS)
def test_no_table_has_an_id_column(survey):
    heads = re.findall(r'<th scope="col">([^<]*)</th>', _html(survey))
    assert heads and "Figure id" not in heads


@pytest.mark.parametrize("survey", SURVEYS)
def test_the_pdf_is_for_reading(survey):
    pdf = pypdf.PdfReader(REPO / "reports" / survey / "report.pdf")
    respondents = len(
        pd.read_csv(REPO / "data" / "processed" / survey / "responses.csv", usecols=[0])
    )
    pages = len(pdf.pages)
    print(f"{survey}: {respondents} respondents, {pages} PDF pages")
    assert pages <= MAX_PAGES, f"{survey}: {pages} pages"
