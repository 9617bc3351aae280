"""Accessibility of every survey's HTML report and of reports/index.html (WCAG 2.1 AA).

axe-core (the copy bundled by ``axe-playwright-python``, nothing downloaded) runs in
Debian's chromium driven by Playwright (``executable_path``, as tests/test_browser.py),
with the WCAG 2.0 and 2.1 A and AA rules (tags wcag2a, wcag2aa, wcag21a, wcag21aa),
on each page at desktop (1280 px) and phone (390 px) width: no violation. Colour
contrast is one of those rules; contrast inside the charts is checked where they are
drawn (report/chart_palette.py).

Beyond axe, the structure a screen reader relies on, read from the DOM: the page's
``lang``; every table with a caption and every header cell with its scope; every chart
an image with alt text giving its numbers and, in its caption, a link to the table of
those numbers (or to the claims it redraws).

Skipped only when /usr/bin/chromium is missing (.ci/run installs it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
PAGES = [
    REPO / "reports" / "index.html",
    *sorted(REPO.glob("reports/*/report.html")),
    *sorted(REPO.glob("reports/*/editions/report.*.html")),  # the other language editions
]
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_TAGS},
    "resultTypes": ["violations"],
}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (Debian: apt-get install chromium; .ci/run installs it)",
)


def _name(path: Path) -> str:
    return str(path.relative_to(REPO / "reports"))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright
    from test_browser import LAUNCH_ARGS

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


def _open(browser: object, path: Path, width: str) -> tuple[object, object]:
    """A new offline context at ``width`` with ``path`` loaded."""
    context = browser.new_context(
        viewport=WIDTHS[width],
        device_scale_factor=1,
        is_mobile=width == "phone",
        has_touch=width == "phone",
        offline=True,
    )
    page = context.new_page()
    page.goto(path.resolve().as_uri(), wait_until="load")
    return context, page


def _axe(page: object) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page, options=AXE_OPTIONS).response["violations"]


def _describe(violations: list[dict]) -> str:
    """One line per violated rule with its first elements and why."""
    out = []
    for v in violations:
        nodes = "; ".join(
            f"{n['target']} {n['html'][:90]!r}: {(n.get('failureSummary') or '')[:160]!r}"
            for n in v["nodes"][:3]
        )
        out.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): {nodes}")
    return "\n".join(out)


def test_every_report_is_checked():
    """The glob finds every survey's report (an empty list would check nothing)."""
    import yaml

    surveys = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["surveys"]
    assert {p.parent.name for p in PAGES[1:] if p.name == "report.html"} >= set(surveys)
    assert any(p.parent.name == "editions" for p in PAGES), "no language edition checked"
    assert all(p.is_file() for p in PAGES), "a report is missing: run `make report`"


def test_axe_catches_what_it_should(browser, tmp_path):
    """The check is not vacuous: a page with the faults fixed in the reports fails it."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!doctype html><html><head><title>t</title></head><body><main>"
        '<p style="color:#aaa">faint text</p>'
        '<img src="data:image/svg+xml;base64,'
        'PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=">'
        '<div style="overflow-x:auto;width:100px"><table><tr><td style="white-space:nowrap">'
        + "wide " * 60
        + "</td></tr></table></div></main></body></html>",
        encoding="utf-8",
    )
    context, page = _open(browser, bad, "desktop")
    found = {v["id"] for v in _axe(page)}
    context.close()
    assert {"html-has-lang", "color-contrast", "image-alt", "scrollable-region-focusable"} <= found


# axe's colour-contrast rule visits every text node: on the 2 MB ANES report (28,000
# elements) a run takes 30-150 s, on the others 4-13 s (measured on this machine), so the
# axe runs over the reports are slow tests (`pytest -m slow`, which CI runs too); the
# control page above and the structure checks below stay in the fast suite.
AXE_PAGES = [pytest.param(p, marks=pytest.mark.slow) for p in PAGES if p.is_file()]


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("path", AXE_PAGES, ids=_name)
def test_no_wcag_21_aa_violation(browser, path, width):
    context, page = _open(browser, path, width)
    try:
        violations = _axe(page)
    finally:
        context.close()
    assert violations == [], f"{_name(path)} at {width} width:\n{_describe(violations)}"


STRUCTURE = """() => {
  const text = el => (el ? el.textContent.replace(/\\s+/g, ' ').trim() : '');
  const tables = [...document.querySelectorAll('table')];
  const charts = [...document.querySelectorAll('figure.chart')].map(f => {
    const img = f.querySelector('img, svg');
    const links = [...f.querySelectorAll('figcaption a[href^="#"]')].map(a => {
      const t = document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)));
      return t && (t.tagName === 'TABLE' || t.closest('table') || t.querySelector('table'))
        ? (t.closest('table') || t.querySelector('table') || t) : null;
    }).filter(Boolean);
    return { id: f.id, tag: img && img.tagName.toLowerCase(),
             alt: img ? (img.getAttribute('alt') || img.getAttribute('aria-label') || '') : '',
             caption: text(f.querySelector('figcaption')),
             linked: links.length,
             linkedText: links.map(t => [...t.querySelectorAll('caption, th, td')]
                                          .map(text).join(' ')).join(' ') };
  });
  return {
    lang: document.documentElement.lang,
    title: document.title,
    tables: tables.length,
    uncaptioned: tables.filter(t => !text(t.caption)).map(t => t.outerHTML.slice(0, 120)),
    unscoped: [...document.querySelectorAll('th')]
      .filter(th => !['col', 'row', 'colgroup', 'rowgroup'].includes(th.getAttribute('scope')))
      .map(th => text(th)),
    unfocusable: [...document.querySelectorAll('.table-wrap')]
      .filter(w => w.tabIndex < 0).length,
    charts,
  };
}"""


def _spaced(text: str) -> str:
    """``text`` with its no-break spaces (U+00A0, U+202F) as spaces, as the browser reads it."""
    return re.sub(r"[\u00a0\u202f]", " ", text)


@pytest.mark.parametrize("path", PAGES, ids=_name)
def test_structure_for_screen_readers(browser, path):
    """lang; captions and scoped headers; charts with alt text and their numbers one link away."""
    context, page = _open(browser, path, "desktop")
    try:
        s = page.evaluate(STRUCTURE)
    finally:
        context.close()
    assert re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", s["lang"]), s["lang"]
    assert s["title"].strip()
    assert s["uncaptioned"] == [], f"tables without a caption: {s['uncaptioned'][:3]}"
    assert s["unscoped"] == [], f"header cells without a scope: {s['unscoped'][:5]}"
    assert s["unfocusable"] == 0, "a scrolling table box the keyboard cannot reach"
    if path.name.startswith("report"):
        assert s["tables"] > 0 and s["charts"], "a report without tables or charts"
    for chart in s["charts"]:
        assert chart["tag"] in ("img", "svg"), chart["id"]
        # The alt text gives the chart's numbers in words.
        assert re.search(r"\d", chart["alt"]), f"{chart['id']}: alt without numbers"
        assert chart["linked"], f"{chart['id']}: no link from its caption to its table"
        # The linked tables hold the numbers the alt text reads out: each percentage, and
        # each group's base (a box chart's statistics are rounded otherwise in its alt).
        # (in the edition's number format: "60.0%", "60,0\u00a0%")
        pcts = re.findall(r"\d+(?:[.,]\d+)?[\u00a0\u202f]?%", chart["alt"])
        bases = re.findall(r"\(n\s?=\s?(\d[\d.,\u00a0\u202f]*)\)", chart["alt"])
        assert pcts or bases, f"{chart['id']}: alt without percentages or bases"
        # a base is grouped as the edition writes it: "(n=1,554,372)", "(n=1 554 372)" in French
        linked = _spaced(chart["linkedText"])
        missing = [x for x in pcts if _spaced(x) not in linked] + [
            n for n in bases if not re.search(rf"\b{re.escape(_spaced(n))}\b", linked)
        ]
        assert missing == [], f"{chart['id']}: {missing[:5]} not in the tables it links to"
