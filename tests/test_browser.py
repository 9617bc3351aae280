"""The HTML report in a real browser: headless Debian chromium, network blocked.

Opens reports/oas_2013/report.html from disk through Playwright driving the system
chromium (``executable_path``; no ``playwright install``, nothing downloaded).
Every request other than the report file itself is aborted and counted as a
failure (data: URIs are not requests). Checks what a reader sees: the
sections, the figure anchors and their provenance, the charts (loaded, with alt
text), the figure tables (base, named interval, small-n dagger), and the layout
at desktop and phone width. Screenshots go to reports/screenshots/ (git-ignored).

Skipped only when /usr/bin/chromium is missing (.ci/run installs it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from helpers.core.codebook import load_codebook
from helpers.core.stats import describe_method

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO / "reports" / "oas_2013" / "report.html"
SCREENSHOTS = REPO / "reports" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (Debian: apt-get install chromium; .ci/run installs it)",
)

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces: even a request the routes missed could not resolve a host.
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SECTIONS = [
    "key-findings",
    "method",
    "respondents",
    "q1",
    "q2",
    "crosstab-q2-q1",
    "free-text",
    "audit",
    "appendix-provenance",
    "appendix-source",
    "appendix",
]


class OfflinePage:
    """A page opened in its own context where only ``allowed_url`` may load.

    Every other request (http, https, ws, file:// other than the report, a
    protocol-relative URL resolved against file://) is aborted and recorded.
    """

    def __init__(
        self, browser: object, path: Path, viewport: dict[str, int], phone: bool = False
    ) -> None:
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(
            viewport=viewport,
            device_scale_factor=1,
            is_mobile=phone,
            has_touch=phone,
            offline=True,
            service_workers="block",
            java_script_enabled=True,
        )
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(self.url, wait_until="load")
        self.page.evaluate("document.fonts.ready.then(() => true)")

    def _route(self, route: object) -> None:
        url = route.request.url
        if url == self.url or url.startswith("data:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    @property
    def foreign_requests(self) -> list[str]:
        """Requests for anything but the file itself and data: URIs."""
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]

    def js(self, script: str, arg: object = None) -> object:
        return self.page.evaluate(script, arg)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def desktop(browser: object) -> Iterator[OfflinePage]:
    assert REPORT.is_file(), f"{REPORT} missing: run `make report`"
    page = OfflinePage(browser, REPORT, DESKTOP)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def phone(browser: object) -> Iterator[OfflinePage]:
    page = OfflinePage(browser, REPORT, PHONE, phone=True)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def params() -> dict:
    return yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))


def _screenshot(page: OfflinePage, name: str, capsys: pytest.CaptureFixture) -> Path:
    """Save the viewport and print where (to the terminal, even under output capture)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.page.screenshot(path=str(path))
    with capsys.disabled():
        print(f"\nscreenshot: {path}")
    return path


# --- the network guard itself ---------------------------------------------------------------


def test_guard_catches_every_kind_of_outside_request(browser, tmp_path):
    """The check is not vacuous: a page that loads remote things is caught, a clean one not."""
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42"
        "mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!doctype html><html><head><link rel="stylesheet" href="https://cdn.example.com/a.css">'
        '<style>@import url("http://example.org/b.css");</style>'
        '<script src="//cdn.example.net/require.js"></script></head><body>'
        f'<img src="{pixel}" alt="pixel"><img src="http://example.com/c.png" alt="remote">'
        '<script>fetch("https://example.com/api").catch(() => 0);</script></body></html>',
        encoding="utf-8",
    )
    page = OfflinePage(browser, bad, DESKTOP)
    page.page.wait_for_timeout(300)
    hosts = {re.sub(r"^\w+://([^/]*).*", r"\1", u) for u in page.foreign_requests}
    page.context.close()
    assert {"cdn.example.com", "example.org", "cdn.example.net", "example.com"} <= hosts
    assert all(u in page.blocked for u in page.foreign_requests)

    good = tmp_path / "good.html"
    good.write_text(f'<!doctype html><img src="{pixel}" alt="pixel">', encoding="utf-8")
    page = OfflinePage(browser, good, DESKTOP)
    loaded = page.js("document.images[0].naturalWidth")
    page.context.close()
    assert page.foreign_requests == [] and page.blocked == [] and loaded == 1


# --- the report, desktop width ---------------------------------------------------------------


def test_no_request_leaves_the_file(desktop, phone):
    for page in (desktop, phone):
        assert page.requests and page.requests[0] == page.url
        assert page.foreign_requests == [], f"requests beyond the file: {page.foreign_requests}"
        assert page.blocked == []


def test_no_script_errors(desktop, phone):
    assert desktop.errors == [] and phone.errors == []


def test_key_sections_rendered(desktop):
    found = desktop.js(
        """ids => ids.map(id => { const el = document.getElementById(id);
             if (!el) return [id, null, 0];
             const r = el.getBoundingClientRect();
             return [id, el.tagName, r.height, el.textContent.trim()]; })""",
        SECTIONS,
    )
    for anchor, tag, height, *text in found:
        assert tag is not None, f"section #{anchor} missing"
        assert re.fullmatch(r"H[1-6]", tag), f"#{anchor} is a {tag}, not a heading"
        assert height > 0 and text[0], f"section #{anchor} not rendered"
    order = desktop.js("ids => ids.map(id => document.getElementById(id).offsetTop)", SECTIONS)
    assert order == sorted(order), "sections out of order"


def test_two_clicks_from_a_number_to_its_source_line_and_a_way_back(desktop):
    """Click 1: a number in the text opens onto its provenance entry (open, not a closed
    <details>); click 2: one of the entry's line numbers shows that line of the source.
    The entry links back to the number's cell in its table. No script of the report's."""
    page = desktop.page
    assert desktop.js("document.scripts.length") == 0, "the report carries a script"
    page.click('.keyfindings a.v[href="#prov-q1.all.all.yes"] >> nth=0')
    assert page.evaluate("location.hash") == "#prov-q1.all.all.yes"
    entry = desktop.js(
        """() => { const e = document.getElementById('prov-q1.all.all.yes');
             return { tag: e.tagName, closed: !!e.closest('details:not([open])'),
                      height: e.getBoundingClientRect().height,
                      top: e.getBoundingClientRect().top, text: e.textContent,
                      back: e.querySelector('a.back')?.getAttribute('href'),
                      line: e.querySelector('a.srcline')?.getAttribute('href') }; }"""
    )
    assert entry["tag"] == "SECTION" and not entry["closed"] and entry["height"] > 0
    assert -2 <= entry["top"] < DESKTOP["height"], "provenance entry not scrolled into view"
    assert "q1.all.all.yes" in entry["text"] and "60.0%" in entry["text"]
    assert entry["back"] == "#fig-q1.all.all.yes" and entry["line"].startswith("#src-L")
    page.click('[id="prov-q1.all.all.yes"] a.srcline >> nth=0')
    assert page.evaluate("location.hash") == entry["line"]
    line_top = desktop.js(
        f"document.getElementById('{entry['line'][1:]}').getBoundingClientRect().top"
    )
    assert -2 <= line_top < DESKTOP["height"], "source line not scrolled into view"
    page.evaluate("location.hash = '#prov-q1.all.all.yes'")
    page.click('[id="prov-q1.all.all.yes"] a.back')
    cell = desktop.js("""() => { const c = document.getElementById('fig-q1.all.all.yes');
                          return [c.tagName, c.textContent,
                                  getComputedStyle(c).backgroundColor]; }""")
    assert cell[0] == "TD" and "60.0%" in cell[1]
    assert cell[2] not in ("rgba(0, 0, 0, 0)", "transparent"), "the figure's cell not highlighted"
    page.evaluate("window.scrollTo(0, 0)")


def test_every_figure_has_its_anchor_and_an_open_provenance_entry(desktop):
    """Each figure of summaries.csv is somewhere in the report (its cell or its number,
    ``fig-<id>``, linking to ``prov-<id>``) and has its own provenance entry."""
    import pandas as pd

    ids = list(pd.read_csv(REPO / "data/processed/oas_2013/summaries.csv")["figure_id"])
    missing = desktop.js(
        """ids => ids.filter(id => { const f = document.getElementById('fig-' + id);
             const p = document.getElementById('prov-' + id);
             return !f || !p || !f.querySelector('a[href="#prov-' + id + '"]')
                    || p.closest('details'); })""",
        ids,
    )
    assert missing == [], f"figures without an anchor, a link or an open entry: {missing[:10]}"
    assert desktop.js("document.querySelectorAll('details').length") == 0


def test_no_table_spends_a_column_on_ids(desktop):
    heads = desktop.js(
        "[...document.querySelectorAll('table.figures thead th, "
        "table.matrix thead th')].map(th => th.textContent.trim())"
    )
    assert heads and "Figure id" not in heads


def test_contents_links_resolve(desktop):
    toc = desktop.js("[...document.querySelectorAll('nav.toc a')].map(a => a.hash.slice(1))")
    assert set(SECTIONS) <= set(toc), "table of contents lacks a section"
    missing = desktop.js("ids => ids.filter(id => !document.getElementById(id))", toc)
    assert missing == [], f"contents entries without a target: {missing}"


def test_every_internal_link_resolves(desktop):
    """Every cited number links to an existing anchor (its table row or provenance)."""
    broken, total = desktop.js(
        """() => { const links = [...document.querySelectorAll('a[href^="#"]')];
             const bad = links.map(a => decodeURIComponent(a.getAttribute('href').slice(1)))
                              .filter(id => !document.getElementById(id));
             return [[...new Set(bad)], links.length]; }"""
    )
    assert total > 100
    assert broken == [], f"links to missing anchors: {broken[:20]}"


def test_images_loaded_with_alt_text(desktop):
    images = desktop.js(
        """() => [...document.images].map(i => ({ alt: i.getAttribute('alt'), complete: i.complete,
             w: i.naturalWidth, src: i.getAttribute('src').slice(0, 22),
             chart: !!i.closest('figure.chart'),
             caption: (i.closest('figure')?.querySelector('figcaption')?.textContent || '') }))"""
    )
    assert len(images) >= 4
    for img in images:
        assert img["alt"] and img["alt"].strip(), f"image without alt text: {img['src']}"
        assert img["complete"] and img["w"] > 0, f"image not loaded: {img['alt'][:60]}"
        assert img["src"].startswith("data:image/"), f"image not embedded: {img['src']}"
    for img in (i for i in images if i["chart"]):
        # The alt text carries the chart's numbers, for readers who cannot see it.
        assert re.search(r"\d+(\.\d+)?%", img["alt"]), f"chart alt without values: {img['alt']}"
        assert img["caption"].strip(), f"chart without caption: {img['alt'][:60]}"


def test_figure_tables_show_base_interval_and_small_n(desktop, params):
    """Each question's overall table gives n, base, % and its named interval; each
    breakdown is one matrix whose base row heads the groups, every cell n / base."""
    book = load_codebook(REPO / params["surveys"]["oas_2013"]["codebook"])
    small_n = int(params["report"]["small_n"])
    method = describe_method(params["stats"]["ci_method"], float(params["stats"]["ci_level"]))
    tables = desktop.js(
        """() => [...document.querySelectorAll('table.figures, table.matrix')].map(t => ({
             cls: t.className, caption: t.caption ? t.caption.textContent : '',
             note: t.parentElement.querySelector('.table-note')?.textContent || '',
             head: [...t.tHead.rows[0].cells].map(c => c.textContent.trim()),
             rows: [...t.tBodies[0].rows].map(r => [...r.cells]
                                             .map(c => c.textContent.trim())) }))"""
    )
    overall = [t for t in tables if "Base" in t["head"]]
    assert len(overall) == len(book.closed), f"{len(overall)} overall tables"
    tolerance = 0.5 * 10 ** -int(params["stats"]["pct_decimals"]) + 1e-9
    for t in overall:
        head = t["head"]
        assert {"n", "Base", "%", "Interval"} <= set(head), head
        assert method in t["caption"], f"interval method not named in {t['caption']!r}"
        col = {name: head.index(name) for name in ("n", "Base", "%", "Interval")}
        for row in t["rows"]:
            n, base = int(row[col["n"]]), int(re.match(r"\d+", row[col["Base"]]).group())
            assert ("†" in row[col["Base"]]) == (base < small_n), row
            if not row[col["Interval"]]:  # an answer left out of the base: a count
                continue
            pct = float(row[col["%"]].rstrip("%"))
            low, high = (float(x) for x in row[col["Interval"]].split("–"))
            assert n <= base and abs(pct - 100 * n / base) <= tolerance, row
            assert low <= pct <= high, row
    # the breakdown matrices of the question sections (the summary tables restate their figures)
    matrices = [t for t in tables if "matrix" in t["cls"] and "summary" not in t["cls"]]
    expected = sum(len(book.breakdowns_of(q)) for q in book.closed) + len(book.crosstabs)
    assert len(matrices) == expected, f"{len(matrices)} matrices, expected {expected}"
    cell = re.compile(r"^(\d+(?:\.\d+)?)%\s*\((\d+)\)$")
    for t in matrices:
        if t["rows"][0][0] == "Base (n)":  # groups across: the first row holds their bases
            groups = [
                (b, [r[j] for r in t["rows"][1:]]) for j, b in enumerate(t["rows"][0][1:], start=1)
            ]
        else:  # groups down: each row starts with its group and base
            assert t["head"][1] == "Base (n)", t["head"]
            groups = [(r[1], r[2:]) for r in t["rows"]]
        daggers = 0
        for b, cells in groups:
            base = int(re.match(r"\d+", b).group())
            assert ("†" in b) == (base < small_n), (t["caption"], b)
            daggers += "†" in b
            for c in cells:
                if m := cell.match(c):
                    pct, n = float(m.group(1)), int(m.group(2))
                    assert base and abs(pct - 100 * n / base) <= tolerance, (t["caption"], c)
        if daggers:
            assert f"† base below {small_n}" in t["note"], t["caption"]


def test_desktop_screenshot(desktop, capsys):
    path = _screenshot(desktop, "desktop.png", capsys)
    assert path.stat().st_size > 10_000
    if shutil.which("git") and (REPO / ".git").exists():
        ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=REPO)
        assert ignored.returncode == 0, f"{path} is not git-ignored"


# --- the report, phone width -----------------------------------------------------------------


def test_phone_layout_has_no_sideways_scroll(phone):
    widths = phone.js(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    outside = phone.js(
        """() => { const w = document.documentElement.clientWidth; const out = [];
             for (const el of document.querySelectorAll('main *')) {
               if (el.closest('.table-wrap')) continue;
               const r = el.getBoundingClientRect();
               if (r.width && (r.right > w + 0.5 || r.left < -0.5))
                 out.push(el.tagName + ' ' + (el.textContent || '').trim().slice(0, 40)); }
             return out.slice(0, 10); }"""
    )
    assert widths[0] <= widths[1], f"page scrolls sideways at {PHONE['width']} px: {outside}"
    assert outside == []
    # Wide tables scroll inside their own box instead of widening the page.
    wraps = phone.js(
        """() => [...document.querySelectorAll('.table-wrap')]
             .filter(w => w.scrollWidth > w.clientWidth)
             .map(w => getComputedStyle(w).overflowX)"""
    )
    assert all(o in ("auto", "scroll") for o in wraps), wraps


def test_phone_charts_fit_and_text_is_readable(phone):
    charts = phone.js(
        "() => [...document.querySelectorAll('figure.chart img')].map(i => "
        "[i.getBoundingClientRect().width, i.naturalWidth])"
    )
    for shown, natural in charts:
        assert 0 < shown <= PHONE["width"]
        # Chart text is drawn at body size; scaled below half it becomes unreadable.
        assert shown / natural >= 0.5, f"chart shrunk to {shown / natural:.0%} on a phone"
    size = phone.js("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    assert size >= 14


def test_phone_screenshots(phone, capsys):
    top = _screenshot(phone, "phone.png", capsys)
    phone.js("document.getElementById('q2').scrollIntoView()")
    chart = _screenshot(phone, "phone-q2.png", capsys)
    phone.js("window.scrollTo(0, 0)")
    assert top.stat().st_size > 10_000 and chart.stat().st_size > 10_000
