"""The committed PDF and HTML reports as a reader (and a search box) gets them.

reports/oas_2013/report.pdf: A4, numbered pages, a table of contents whose page numbers
are right, the key figures and the organizations' accented names as searchable
text, every figure and claim id unbroken, nothing outside the text area, fonts
embedded, and WeasyPrint's output byte-identical for the same HTML.
reports/oas_2013/report.html: loads nothing from the network.

Text comes from pypdf (a pinned dependency); the layout checks use poppler's
pdftotext when it is installed (.ci/run installs poppler-utils).
"""

from __future__ import annotations

import html as htmllib
import io
import re
import shutil
import subprocess
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from html.parser import HTMLParser
from multiprocessing import get_context
from pathlib import Path

import pandas as pd
import pypdf
import pytest
import yaml

from helpers.core.codebook import load_codebook
from helpers.core.stats import describe_method
from helpers.pipeline.render import TEMPLATES, render_pdf

REPO = Path(__file__).resolve().parents[1]
PDF = REPO / "reports" / "oas_2013" / "report.pdf"
HTML = REPO / "reports" / "oas_2013" / "report.html"
CSS = REPO / "src" / "helpers" / "pipeline" / "templates" / "report" / "report.css"
A4_PT = (595.28, 841.89)  # 210 x 297 mm
NAMES = ["ÁGORA", "Lanús", "Juárez", "Víctimas"]
LIGATURES = re.compile("[\ufb00-\ufb06]")
COMBINING = re.compile("[\u0300-\u036f]")
PDFTOTEXT = shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(
    PDFTOTEXT is None, reason="pdftotext missing (Debian: apt-get install poppler-utils)"
)


@pytest.fixture(scope="module")
def reader() -> pypdf.PdfReader:
    assert PDF.is_file(), f"{PDF} missing: run `make report`"
    return pypdf.PdfReader(PDF)


@pytest.fixture(scope="module")
def pages(reader: pypdf.PdfReader) -> list[str]:
    """The text of each page, as pypdf extracts it."""
    return [page.extract_text() for page in reader.pages]


@pytest.fixture(scope="module")
def params() -> dict:
    return yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def html_text() -> str:
    return HTML.read_text(encoding="utf-8")


def pdftotext(*args: str, pdf: Path = PDF) -> str:
    return subprocess.run(
        [PDFTOTEXT, *args, str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        encoding="utf-8",
    ).stdout


SURVEYS = list(yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["surveys"])


# --- page geometry and navigation ------------------------------------------------------------


def test_every_page_is_a4(reader):
    assert len(reader.pages) >= 10
    for i, page in enumerate(reader.pages, start=1):
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_PT, abs=0.5), f"page {i} is {size} pt, not A4"


def test_every_page_is_numbered(pages):
    total = len(pages)
    for i, text in enumerate(pages, start=1):
        assert f"Page {i} of {total}" in text, f"page {i} lacks 'Page {i} of {total}'"


def test_every_page_carries_the_codebooks_short_title(pages, params):
    codebook = REPO / params["surveys"]["oas_2013"]["codebook"]
    running = f"{load_codebook(codebook).survey.short} · reproducible report"
    for i, text in enumerate(pages, start=1):
        assert running in text, f"page {i} lacks the running header {running!r}"


def test_running_header_follows_the_codebook():
    """Another survey's report is headed by its own title, not the 2013 survey's."""
    from helpers.core.codebook import parse_codebook
    from helpers.report.adapters import report_adapter
    from helpers.report.contents import title_block

    book = parse_codebook({"survey": {"title": "Invented <survey> & co"}, "questions": []})
    head = title_block(
        book, {"path": "x.csv", "sha256": "0" * 64}, report_adapter("respondent_csv")
    )
    css = (TEMPLATES / "report" / "report.css").read_text(encoding="utf-8")
    pdf = render_pdf(
        f"<html><head><style>{css}</style></head><body>{head}<p>body</p></body></html>",
        base_url=str(REPO),
    )
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Invented <survey> & co · reproducible report" in text
    assert "OAS" not in text


def _toc_titles(html: str) -> list[str]:
    nav = re.search(r'<nav[^>]*class="toc"[^>]*>.*?</nav>', html, re.S)
    assert nav, "no table of contents in the HTML"
    titles = re.findall(r'<li[^>]*><a[^>]*href="#[^"]+"[^>]*>(.*?)</a></li>', nav.group(0))
    return [htmllib.unescape(t) for t in titles]


def _joined_lines(text: str, title: str) -> str:
    """``text`` with each run of lines that together spell ``title`` (a wrapped heading)
    joined into one line."""
    lines = [line.strip() for line in text.splitlines()]
    out = []
    i = 0
    while i < len(lines):
        j, joined = i, lines[i]
        while title.startswith(joined) and joined != title and j + 1 < len(lines):
            j += 1
            joined = f"{joined} {lines[j]}"
        if joined == title:
            out.append(joined)
            i = j + 1
        else:
            out.append(lines[i])
            i += 1
    return "\n" + "\n".join(out) + "\n"


def test_contents_give_the_right_page_numbers(pages, html_text):
    """Each entry of the contents names the page its heading is on (target-counter)."""
    leader = re.compile(r"^(.*?)\s*\.{4,}\s*(\d+)$")
    toc = {}
    for line in pages[0].splitlines():
        if m := leader.match(line.strip()):
            toc[m.group(1).strip()] = int(m.group(2))
    assert "Contents" in pages[0].splitlines(), "no contents on the first page"
    titles = _toc_titles(html_text)
    assert len(titles) >= 10 and set(titles) <= set(toc), set(titles) - set(toc)
    for title in titles:
        found = [
            i
            for i, text in enumerate(pages, start=1)
            if any(line.strip() == title for line in text.splitlines())
            or f"\n{title}\n" in _joined_lines(text, title)
        ]
        assert found, f"heading {title!r} not found as a line of the PDF"
        assert found[0] == toc[title], f"{title!r}: contents say {toc[title]}, it is on {found[0]}"


# --- searchable text ---------------------------------------------------------------------------


def test_key_figures_are_text(pages, params):
    text = "\n".join(pages)
    for needle in ["60.0%", "66.7%", "Knew the program", "Very useful"]:
        assert needle in text, needle
    method = describe_method(params["stats"]["ci_method"], float(params["stats"]["ci_level"]))
    assert method in text, "interval method not named"
    assert f"† base below {params['report']['small_n']}" in text, "small-n caution missing"
    assert re.search(r"\b\d+ †", text), "no base marked †"


def test_accented_names_are_searchable(pages):
    text = "\n".join(pages)
    for name in NAMES:
        assert name in text, f"{name!r} not found as text in the PDF (pypdf)"
    assert not LIGATURES.search(text), "ligature glyphs break search"
    assert not COMBINING.search(text), "decomposed accents break search"


@needs_poppler
def test_accented_names_are_searchable_with_poppler():
    text = pdftotext()
    for name in NAMES:
        assert name in text, f"{name!r} not found as text in the PDF (pdftotext)"
    assert not LIGATURES.search(text) and not COMBINING.search(text)


class _VisibleText(HTMLParser):
    """The text of <body> a reader sees (no attributes, scripts or styles)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._body = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._body |= tag == "body"
        self._skip += tag in ("script", "style")
        if tag in ("td", "th", "li", "p", "br", "tr", "div", "summary", "h1", "h2", "h3", "h4"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if self._body and not self._skip:
            self.parts.append(data)


VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _PrintedText(_VisibleText):
    """The text of <body> the PDF prints: without the screen-only parts (the provenance
    appendix), with the print-only ones (figure-id footnotes, pointers to the HTML)."""

    def __init__(self) -> None:
        super().__init__()
        self._stack: list[bool] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        super().handle_starttag(tag, attrs)
        if tag not in VOID:
            hidden = "screen-only" in (dict(attrs).get("class") or "").split()
            self._stack.append(hidden)
            self._hidden += hidden

    def handle_endtag(self, tag: str) -> None:
        super().handle_endtag(tag)
        if tag not in VOID and self._stack:
            self._hidden -= self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            super().handle_data(data)


def _id_counts(text: str, ids: set[str]) -> Counter:
    tokens = (t.rstrip(".") for t in re.findall(r"[\w.:-]+", text))
    return Counter(t for t in tokens if t in ids)


@needs_poppler
def test_figure_and_claim_ids_are_never_split(html_text):
    """Every id the print version shows is in the PDF as often, in one piece (searchable)."""
    summaries = pd.read_csv(REPO / "data" / "processed" / "oas_2013" / "summaries.csv", dtype=str)
    audit = pd.read_csv(REPO / "data" / "processed" / "oas_2013" / "audit.csv", dtype=str)
    ids = set(summaries["figure_id"]) | set(audit["claim_id"])
    parser = _PrintedText()
    parser.feed(html_text)
    in_html = _id_counts("".join(parser.parts), ids)
    assert len(in_html) >= 20, "the print version shows few figure ids"
    in_pdf = _id_counts(pdftotext("-layout"), ids)
    assert set(audit["claim_id"]) <= set(in_html), "claim ids missing from the HTML"
    split = {i: (n, in_pdf[i]) for i, n in in_html.items() if in_pdf[i] != n}
    assert split == {}, f"ids broken across lines in the PDF (html, pdf counts): {split}"


def _page_of(pages: list[str], heading: str) -> int:
    """The first page (1-based) with ``heading`` as a line of its own."""
    return next(
        i
        for i, text in enumerate(pages, start=1)
        if any(line.strip() == heading for line in text.splitlines())
    )


PAGE_BUDGET = 16  # pages of the 2013 report before its appendices (issue 14: 15; +1 for
# the one-sentence lead each question section opens with, issue 25 item 4)


def test_the_reading_part_fits_the_page_budget(pages, html_text):
    """The report before its appendices is at most PAGE_BUDGET pages; the provenance appendix
    is in the HTML only, and the PDF says where (its heading and a pointer stay)."""
    appendix = _page_of(pages, "Appendix: where each figure comes from")
    assert appendix - 1 <= PAGE_BUDGET, f"the reading part runs to page {appendix - 1}"
    text = "\n".join(pages)
    assert "is in the HTML report" in text and "reports/oas_2013/report.html" in text
    summaries = pd.read_csv(REPO / "data" / "processed" / "oas_2013" / "summaries.csv", dtype=str)
    assert html_text.count('<section class="prov" id="prov-') == len(summaries)
    assert "Rows:" not in pages[appendix - 1], "provenance entries printed in the PDF"


@needs_poppler
@pytest.mark.parametrize("survey", SURVEYS)
def test_the_reading_pages_carry_no_figure_ids(survey):
    """The PDF is for reading (issue 25): no figure id (no footnote, no 'Figure ids'
    caption) on any page before its provenance appendix; the HTML keeps every link."""
    summaries = pd.read_csv(REPO / "data" / "processed" / survey / "summaries.csv", dtype=str)
    pages = pdftotext("-layout", pdf=REPO / "reports" / survey / "report.pdf").split("\f")
    heading = re.compile(r"^\s*Appendix: where each figure comes from\s*$", re.M)
    first_appendix = next(i for i, page in enumerate(pages) if heading.search(page))
    assert first_appendix >= 2, f"{survey}: the appendix starts on page {first_appendix + 1}"
    body = "\n".join(pages[:first_appendix])
    body = re.sub(r"\(e\.g\.\s+\S+\)", "", body)  # the method's example of what an id is
    found = _id_counts(body, set(summaries["figure_id"]))
    assert not found, f"{survey}: figure ids printed in the reading pages: {sorted(found)[:8]}"
    assert not re.search(r"Figure ids:? [a-z_0-9]+\.", body)


@needs_poppler
@pytest.mark.parametrize("survey", SURVEYS)
def test_the_printed_method_reads_in_words_and_the_keys_are_in_the_appendix(survey):
    """Issue 25: the PDF's method section names no params.yaml key (the HTML names each
    beside its choice); the reproducibility appendix lists every key with its value."""
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    keys = [f"{section}.{k}" for section in ("stats", "report") for k in params[section]]
    pages = pdftotext("-layout", pdf=REPO / "reports" / survey / "report.pdf").split("\f")
    heading = re.compile(r"^\s*Appendix: reproducibility\s*$", re.M)
    last = next(i for i, page in enumerate(pages) if heading.search(page))
    body, appendix = "\n".join(pages[:last]), "\n".join(pages[last:])
    named = [k for k in keys if re.search(rf"\b{re.escape(k)}\b", body)]
    assert named == [], f"{survey}: params.yaml keys in the reading pages: {named}"
    assert all(f"{k}:" in appendix for k in keys), survey
    html = (REPO / "reports" / survey / "report.html").read_text(encoding="utf-8")
    method = html.split('id="method"')[1].split("<h2")[0]
    assert "<code>stats.ci_method" in method or "<code>stats.variance_method" in method


# --- layout and fonts ----------------------------------------------------------------------------


def _page_margins_pt() -> tuple[float, float]:
    """Left and right page margins (pt) of the report's @page rule."""
    css = CSS.read_text(encoding="utf-8")
    rule = re.search(r"@page\s*{[^{}]*?margin:\s*([^;]+);", css)
    assert rule, "no @page margin in report.css"
    mm = [float(v) for v in re.findall(r"([\d.]+)mm", rule.group(1))]
    right = {1: mm[0], 2: mm[1], 3: mm[1], 4: mm[1]}[len(mm)]
    left = mm[3] if len(mm) == 4 else right
    return left * 72 / 25.4, right * 72 / 25.4


@needs_poppler
@pytest.mark.parametrize("survey", SURVEYS)
def test_no_text_outside_the_text_area(survey):
    """Wide tables or long ids must not run past the margins (WeasyPrint clips them)."""
    bbox = pdftotext("-bbox", pdf=REPO / "reports" / survey / "report.pdf")
    left, right = _page_margins_pt()
    outside = []
    for number, page in enumerate(bbox.split("<page ")[1:], start=1):
        width = float(re.search(r'width="([\d.]+)"', page).group(1))
        for x0, x1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
            page,
        ):
            if float(x0) < left - 1 or float(x1) > width - right + 1:
                outside.append((number, word, float(x1)))
    assert outside == [], f"text outside the margins (page, word, right edge): {outside[:10]}"


def test_fonts_are_embedded(reader):
    fonts = {}
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            font = font.get_object()
            fonts[str(font.get("/BaseFont"))] = font
    assert fonts
    for name, font in fonts.items():
        if font.get("/Subtype") == "/Type0":
            font = font["/DescendantFonts"][0].get_object()
        descriptor = font.get("/FontDescriptor")
        assert descriptor is not None, f"font {name} has no descriptor"
        files = [k for k in descriptor.get_object() if k.startswith("/FontFile")]
        assert files, f"font {name} is not embedded"


def test_pdf_carries_no_timestamp(reader):
    info = reader.metadata or {}
    assert "/CreationDate" not in info and "/ModDate" not in info
    assert info.get("/Title"), "PDF has no title"


# --- tagged PDF (PDF/UA-1) ------------------------------------------------------------------


class _Page(HTMLParser):
    """The HTML's language, title and image alt texts, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.lang, self.title, self.alts, self._in_title = None, "", [], False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "img":
            self.alts.append(a.get("alt") or "")

    def handle_endtag(self, tag: str) -> None:
        self._in_title = self._in_title and tag != "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _struct_elements(root: object) -> list[dict]:
    """Every structure element under the StructTreeRoot, depth first."""
    found, stack = [], [root["/K"]]
    while stack:
        kids = stack.pop()
        kids = kids.get_object() if hasattr(kids, "get_object") else kids
        for kid in reversed(kids if isinstance(kids, list) else [kids]):
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and "/S" in kid:
                found.append(kid)
                if "/K" in kid:
                    stack.append(kid["/K"])
    return found


@pytest.mark.parametrize("survey", SURVEYS)
def test_the_pdf_is_tagged_with_its_language_and_title(survey):
    """PDF/UA-1 as WeasyPrint writes it: marked, a structure tree reaching every page,
    the HTML's lang as /Lang, its <title> as the document title (Info and XMP, shown by
    viewers), headings, tables with header cells, each chart a Figure with its alt text."""
    html = _Page()
    html.feed((REPO / "reports" / survey / "report.html").read_text(encoding="utf-8"))
    reader = pypdf.PdfReader(REPO / "reports" / survey / "report.pdf")
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert html.lang and catalog["/Lang"] == html.lang
    title = " ".join(html.title.split())
    assert title and reader.metadata["/Title"] == title
    xmp = catalog["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfuaid:part="1"' in xmp, "no PDF/UA identification in the XMP metadata"
    assert f'<rdf:li xml:lang="x-default">{htmllib.escape(title, quote=False)}</rdf:li>' in xmp
    root = catalog["/StructTreeRoot"].get_object()
    parents = root["/ParentTree"].get_object()["/Nums"][0::2]
    for number, page in enumerate(reader.pages):
        assert page.get("/StructParents") == number, f"page {number + 1} is not tagged"
        assert number in parents, f"page {number + 1} has no entry in the parent tree"
    elements = _struct_elements(root)
    kinds = Counter(str(e["/S"]) for e in elements)
    assert kinds["/Document"] == 1 and kinds["/H1"] == 1 and kinds["/H2"] >= 5, kinds
    assert kinds["/Table"] >= 5 and kinds["/TH"] >= kinds["/Table"], kinds
    assert kinds["/Caption"] >= 5 and kinds["/Link"] >= 10, kinds
    # Each data cell names its header cells (/Headers to their /ID: the association PDF/UA
    # asks for in place of /Scope), from the HTML's <th scope>.
    ids = {str(e["/ID"]) for e in elements if e["/S"] == "/TH" and "/ID" in e}
    assert len(ids) == kinds["/TH"], "a header cell without an /ID"
    cells = [e for e in elements if e["/S"] == "/TD"]
    headed = [{str(h) for h in e["/A"].get("/Headers", [])} for e in cells]
    assert cells and all(h and h <= ids for h in headed), "a data cell without its headers"
    figures = [str(e.get("/Alt") or "") for e in elements if e["/S"] == "/Figure"]
    assert figures == html.alts, f"{survey}: the PDF's figures and the HTML's images differ"
    assert all(figures), f"{survey}: a figure without alt text"


# --- determinism -----------------------------------------------------------------------------


def test_same_html_gives_the_same_pdf_bytes(html_text):
    """WeasyPrint is byte-stable, and the committed PDF is the rendering of the committed HTML
    (wherever the project lives: the base URL does not enter the PDF)."""
    # Two fresh processes, in parallel (WeasyPrint takes seconds per rendering).
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
        runs = [pool.submit(render_pdf, html_text, base) for base in (str(REPO), "/elsewhere")]
        first, second = (run.result() for run in runs)
    assert first == second, "two renderings of the same HTML differ"
    assert first == PDF.read_bytes(), (
        "reports/oas_2013/report.pdf is not the rendering of reports/oas_2013/report.html: "
        "rerun `make report` "
        "(or the fonts/WeasyPrint differ from the ones that made it)"
    )


# --- the HTML loads nothing from the network -----------------------------------------------------

REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)  # http://, https://, //host, ftp://
CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?!data:|#)([^'\")\s]+)", re.I)
RESOURCE_ATTRS = {"src", "srcset", "data", "poster", "background", "action", "formaction"}


class _ResourceScanner(HTMLParser):
    """Every reference the HTML would load: attributes, <link>, CSS url() and @import."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        for name, value in a.items():
            urls = [u.split()[0] for u in value.split(",") if u.strip()]
            urls = urls if name == "srcset" else [value]
            if name in RESOURCE_ATTRS and any(REMOTE.match(u) for u in urls):
                self.problems.append(f"<{tag} {name}={value[:80]}>")
            if name == "style":
                self._css(value, f"<{tag} style>")
        if tag == "script" and a.get("src") and not REMOTE.match(a["src"]):
            self.problems.append(f"<script src={a['src'][:80]}> (no external scripts)")
        if tag == "link" and a.get("href") and not a["href"].startswith(("#", "data:")):
            self.problems.append(f"<link rel={a.get('rel')} href={a['href'][:80]}>")
        if tag == "base" and a.get("href"):
            self.problems.append(f"<base href={a['href'][:80]}>")
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        self._style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._style = False

    def handle_data(self, data: str) -> None:
        if self._style:
            self._css(data, "<style>")

    def _css(self, css: str, where: str) -> None:
        if "@import" in css.lower():
            self.problems.append(f"{where}: @import")
        self.problems += [f"{where}: url({u[:80]})" for u in CSS_URL.findall(css)]


def scan_resources(html: str) -> list[str]:
    scanner = _ResourceScanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems


def test_resource_scanner_catches_remote_references():
    bad = (
        '<html><head><link rel="stylesheet" href="https://cdn.example.com/x.css">'
        '<script src="//cdn.example.com/require.js"></script>'
        "<style>@import 'http://example.org/a.css'; body { background: url(https://e.x/b.png) }"
        '</style></head><body><img src="http://example.com/c.png" alt="c">'
        '<img srcset="a.png 1x, https://e.x/d.png 2x" alt="d"><div style="background:'
        ' url(\'//e.x/e.png\')"></div><a href="https://example.com/">a link is fine</a>'
        '<img src="data:image/png;base64,AAAA" alt="fine"></body></html>'
    )
    problems = "\n".join(scan_resources(bad))
    for needle in [
        "cdn.example.com/x.css",
        "cdn.example.com/require.js",
        "@import",
        "url(https://e.x/b.png)",
        "example.com/c.png",
        "e.x/d.png",
        "url(//e.x/e.png)",
    ]:
        assert needle in problems, (needle, problems)
    assert 'example.com/"' not in problems and "data:" not in problems, problems
    assert scan_resources('<script src="report.js"></script>'), "a local script is a script"


def test_html_loads_nothing_remote(html_text):
    assert scan_resources(html_text) == []
    assert "<script" not in html_text.lower(), "the report needs no JavaScript"
