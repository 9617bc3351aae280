"""Free text is data, never markup (issue 5).

A source bullet holding HTML, Markdown or LaTeX must reach the report as the
literal text, escaped, and execute nothing: no script element, no event
handler attribute, no link or image made from it, no formula typeset.
"""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from jinja2 import StrictUndefined, UndefinedError
from markupsafe import Markup
from project_copy import project_stats, summarized

from helpers.clean.reconcile import reconcile
from helpers.core.codebook import load_codebook, parse_codebook
from helpers.core.small_base import SmallBasePolicy
from helpers.extract.source_parser import parse_source
from helpers.report import templating
from helpers.report.adapters import report_adapter
from helpers.report.contents import contents, report_sections
from helpers.report.data_warnings import data_warnings_html
from helpers.report.findings import key_findings
from helpers.report.free_text import free_text_block, free_text_section
from helpers.report.markup import heading, toc
from helpers.report.question_sections import question_section
from helpers.report.templating import esc

ROOT = Path(__file__).resolve().parents[1]
BOOK = load_codebook(ROOT / "codebooks/oas_2013.yaml")
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "**bold** and __strong__",
    "[link](http://x) and <http://x>",
    "$x$ and $$\\int f$$",
    "\\section{} \\textbf{y} & % # _ ^ ~",
    "\"quoted\" 'single' </li></ul><b>closing tags</b>",
    "javascript:alert(1)",
    "{{ template }} {% raw %}",
]
# Elements the report never uses for its own markup: any of them would come from data.
DANGEROUS_TAGS = {
    "script",
    "img",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "b",
    "link",
    "base",
    "form",
    "input",
    "meta",
    "style",
}


class Collector(HTMLParser):
    """Tags, attributes and text of an HTML document, as a browser would tokenize it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def collect(html: str) -> Collector:
    c = Collector()
    c.feed(html)
    c.close()
    return c


def assert_inert(html: str, allowed: set[str] = frozenset()) -> Collector:
    """No element or attribute that could run code or follow a link from the data."""
    c = collect(html)
    names = {t for t, _ in c.tags}
    assert not (names & (DANGEROUS_TAGS - allowed)), names & DANGEROUS_TAGS
    for tag, attrs in c.tags:
        if tag == "a":  # the report's own links point inside the report
            assert (dict(attrs).get("href") or "").startswith("#"), attrs
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name)
            assert "http://x" not in (value or ""), (tag, name)
    return c


@pytest.fixture(scope="module")
def hostile_free_text() -> pd.DataFrame:
    rows = []
    line = 1000
    for q in BOOK.free_text:
        for code in [o.code for o in q.items] or [""]:
            for text in HOSTILE:
                rows.append(
                    {
                        "line": line,
                        "question": q.id,
                        "item": code or pd.NA,
                        "intro_line": 999,
                        "text": text,
                    }
                )
                line += 1
    df = pd.DataFrame(rows)
    return df.astype(
        {
            "line": "Int64",
            "intro_line": "Int64",
            "question": "string",
            "item": "string",
            "text": "string",
        }
    )


@pytest.fixture(scope="module")
def responses() -> pd.DataFrame:
    text = (ROOT / "data/raw/oas_cso_survey_2013.txt").read_text(encoding="utf-8")
    return reconcile(parse_source(text, BOOK).mentions, BOOK).responses


@pytest.fixture(scope="module")
def figures(responses, hostile_free_text) -> pd.DataFrame:
    out = summarized(responses, hostile_free_text, BOOK, project_stats())
    return out.figures


@pytest.fixture(scope="module")
def free_text_html(hostile_free_text, figures) -> str:
    return free_text_section(BOOK, hostile_free_text, figures)


def test_free_text_block_escapes_every_string(hostile_free_text):
    html = free_text_block(hostile_free_text, BOOK, "q4")
    for text in HOSTILE:
        assert esc(text) in html
    assert "<script" not in html and "<img" not in html and "**bold**" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_free_text_section_is_inert_and_shows_the_text_literally(free_text_html):
    c = assert_inert(free_text_html)
    text = "".join(c.text)
    for t in HOSTILE:
        # each answer appears once per question/item group, literally
        assert text.count(t) >= 1, t
    n_groups = sum(max(1, len(q.items)) for q in BOOK.free_text)
    assert text.count("<script>alert(1)</script>") == n_groups
    assert "alert(1)" not in "".join(str(a) for _, attrs in c.tags for a in attrs)


def test_other_data_cells_are_escaped_too(responses):
    """Organization names and rejects reasons reach the report escaped as well."""
    hostile = responses.copy()
    hostile.loc[0, "organization"] = HOSTILE[0]
    hostile.loc[1, "acronym"] = HOSTILE[1]
    hostile.loc[2, "country"] = HOSTILE[3]
    html = report_adapter("document").respondents_table(BOOK, hostile)
    c = assert_inert(html)
    assert HOSTILE[0] in "".join(c.text) and HOSTILE[1] in "".join(c.text)
    rejects = pd.DataFrame(
        [{"source_line": 5, "list": "q1", "organization": HOSTILE[1], "reason": HOSTILE[0]}]
    )
    counts = pd.DataFrame(
        [{"list": "q1", "rows_read": 16, "rows_kept": 15, "rows_rejected": 1, "balanced": True}]
    )
    warning = data_warnings_html(rejects, counts, hostile, BOOK)
    c = assert_inert(warning)
    assert HOSTILE[0] in "".join(c.text) and HOSTILE[1] in "".join(c.text)


def test_rendered_report_html_executes_nothing(free_text_html):
    """Through nbconvert (helpers.render.render_html), as the report stage renders it."""
    from helpers.pipeline.render import render_html

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("display(HTML(fragment))")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/html": free_text_html, "text/plain": "<HTML>"}
        )
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# note to analysts **not rendered**"), cell]
    html = render_html(nb, title="Report </title><script>alert(1)</script>")
    c = assert_inert(html, allowed={"meta", "style"})
    text = "".join(c.text)
    for t in HOSTILE:
        assert t in text, t
    assert "<script" not in html.lower().replace("&lt;script", "")
    assert "onerror=" not in html.replace("onerror=alert(1)&gt;", "")
    assert "note to analysts" not in text  # markdown cells are not rendered
    assert "<title>Report &lt;/title&gt;&lt;script&gt;" in html
    assert not [t for t, _ in c.tags if t == "script"]
    assert "mathjax" not in html.lower()  # nothing would typeset $x$


HOSTILE_LABEL = '<script>alert(1)</script>" onmouseover="alert(2)'


@pytest.fixture(scope="module")
def hostile_book():
    """The 2013 codebook with Q1's text, short title and first answer label made hostile."""
    data = yaml.safe_load((ROOT / "codebooks/oas_2013.yaml").read_text(encoding="utf-8"))
    q1 = data["questions"][0]
    q1["text"] = q1["short"] = q1["answers"][0]["label"] = HOSTILE_LABEL
    return parse_codebook(data)


def test_codebook_labels_are_autoescaped_in_sections(hostile_book, responses, hostile_free_text):
    figs = summarized(responses, hostile_free_text, hostile_book, project_stats())
    figs = figs.figures
    q1 = hostile_book.question("q1")
    parts = {
        "question": question_section(
            hostile_book, q1, figs, project_stats(), SmallBasePolicy(5, "flag"), []
        ),
        "key findings": key_findings(
            hostile_book,
            figs,
            SmallBasePolicy(5, "flag"),
            0.05,
            "Holm",
            pd.DataFrame(columns=["list"]),
        ),
        "toc": toc(contents(report_sections(hostile_book))),
        "heading": heading(f"Q1: {q1.short}", "q1"),
    }
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;alert(2)"
    for name, html in parts.items():
        c = assert_inert(html, allowed={"img"})  # the report's own charts (data URIs)
        assert "<script" not in html, name
        assert escaped in html, name
        assert HOSTILE_LABEL in "".join(c.text), name  # shown literally
    # the chart's alt text (an attribute) holds the label escaped, not as attributes
    assert f'alt="{escaped} bar chart: ' in parts["question"]
    imgs = [dict(a) for t, a in collect(parts["question"]).tags if t == "img"]
    assert imgs and all(i["src"].startswith("data:image/svg+xml;base64,") for i in imgs)
    for i in imgs:  # the chart's SVG holds the label as escaped text, never as markup
        svg = base64.b64decode(i["src"].split(",", 1)[1]).decode("utf-8")
        assert "<script" not in svg and "&lt;script&gt;" in svg


def test_free_text_is_autoescaped_by_the_template(hostile_free_text):
    html = templating.render(
        "free_text_block.html",
        qid="q1_how",
        groups=[{"code": "", "label": "", "count": 1, "more": 0, "answers": [(HOSTILE_LABEL, 7)]}],
    )
    assert html == (
        "<ul><li>&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;"
        'alert(2) <span class="line">line 7</span></li></ul>'
    )


def test_environment_is_autoescaped_and_strict():
    env = templating.environment()
    assert env.autoescape is True and env.undefined is StrictUndefined
    assert templating.environment() is env  # built once
    page = env.from_string("{{ text }}|{{ html }}|{{ absent }}")
    assert (
        page.render(text="<b>&'", html=Markup("<b>ok</b>"), absent=None)
        == "&lt;b&gt;&amp;&#x27;|<b>ok</b>|"
    )


def test_a_missing_template_variable_raises():
    with pytest.raises(UndefinedError, match="undefined"):
        templating.environment().from_string("<p>{{ missing }}</p>").render()
    with pytest.raises(UndefinedError, match="subtitle"):
        templating.render("title_block.html", title="T", running="R", path="p", sha256="0" * 16)
    with pytest.raises(UndefinedError):
        templating.render("method.html")


def test_every_template_compiles():
    env = templating.environment()
    names = env.list_templates()
    assert "macros.html" in names and "method.html" in names
    for name in names:
        env.get_template(name)
