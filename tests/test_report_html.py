import html
import math
import traceback
from decimal import Decimal

import pandas as pd
import pytest

from helpers.report import markup as rh
from helpers.report.templating import environment, join_lines

SUMMARIES = pd.DataFrame({
    "figure_id": ["q1.all.all.yes", "q1.all.all.no", "q2.all.all.missing"],
    "n": [9, 6, 1], "base": [15, 15, 16],
    "pct": [Decimal("60.0"), Decimal("40.0"), None],
    "ci_low": [Decimal("35.7"), Decimal("19.8"), None],
    "ci_high": [Decimal("80.2"), Decimal("64.3"), None],
})  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<script>alert('x')</script>", "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"),
        ('a "b" & c', "a &quot;b&quot; &amp; c"),
        ("Asociación Ñandú", "Asociación Ñandú"),
        (None, ""), (math.nan, ""), (pd.NA, ""), (0, "0"), (Decimal("6.6"), "6.6"),
    ],
)  # fmt: skip
def test_esc(value, expected):
    assert rh.esc(value) == expected


def test_esc_output_never_contains_markup():
    hostile = '"><img src=x onerror=alert(1)><script>'
    escaped = rh.esc(hostile)
    assert "<" not in escaped and ">" not in escaped and '"' not in escaped
    assert html.unescape(escaped) == hostile


def test_cite_contains_value_figure_id_and_anchor():
    out = rh.cite(SUMMARIES, "q1.all.all.yes")
    assert "60.0% (9 of 15)" in out
    assert 'href="#fig-q1.all.all.yes"' in out
    assert ">q1.all.all.yes</a>" in out
    assert rh.anchor("q1.all.all.yes") == "fig-q1.all.all.yes"


@pytest.mark.parametrize(
    ("what", "text"),
    [("n", ">9<"), ("n_of_base", "9 of 15"), ("pct_ci", "60.0% (CI 35.7–80.2; 9 of 15)")],
)
def test_cite_variants(what, text):
    assert text in rh.cite(SUMMARIES, "q1.all.all.yes", what)


def test_cite_missing_values_and_unknown_ids():
    assert "(1 of 16)" in rh.cite(SUMMARIES, "q2.all.all.missing")
    assert "CI" in rh.cite(SUMMARIES, "q2.all.all.missing", "pct_ci")
    assert "None" not in rh.cite(SUMMARIES, "q2.all.all.missing", "pct_ci")
    with pytest.raises(KeyError, match="q9.all.all.yes"):
        rh.cite(SUMMARIES, "q9.all.all.yes")


def test_table_escapes_cells_except_raw_columns():
    df = pd.DataFrame({"name": ["<b>x</b>"], "link": ['<a href="#a">a</a>']})
    out = rh.table(df, "Caption", row_ids=["r<1>"], raw_html_columns=["link"])
    assert "<td>&lt;b&gt;x&lt;/b&gt;</td>" in out
    assert '<td><a href="#a">a</a></td>' in out
    assert 'id="r&lt;1&gt;"' in out
    assert "<caption>Caption</caption>" in out


def test_heading_and_toc_escape():
    assert rh.heading("Q1 <yes>", "q1") == '<h2 id="q1">Q1 &lt;yes&gt;</h2>'
    toc = rh.toc([("a", "A & B", 2)])
    assert '<a href="#a">A &amp; B</a>' in toc


def test_summary_table_marks_small_bases():
    rows = SUMMARIES.assign(answer=["Yes", "No", "No answer"])
    out = rh.summary_table(rows.iloc[:2], "Q1", small_n=20)
    assert out.count("15 †") == 2
    assert 'id="fig-q1.all.all.yes"' in out
    assert "60.0%" in out and "35.7–80.2" in out
    assert "†" not in rh.summary_table(rows.iloc[:2], "Q1", small_n=10)


@pytest.mark.parametrize(
    ("source", "joined"),
    [
        ("<p>one\n  two</p>\n<p>three</p>", "<p>one two</p><p>three</p>"),  # prose: a space
        ("<ul>\n  <li>a</li>\n</ul>", "<ul><li>a</li></ul>"),  # between tags: nothing
        ("text\n  <code>x</code>\n  more", "text <code>x</code> more"),
        ("</p>\n{{ x }}\n<p>", "</p>&lt;x&gt;<p>"),  # between markup pieces: nothing
        ("a\n{{ x }}\nb", "a &lt;x&gt; b"),  # beside a word: a space
        ("a {% if x %}\n  b\n{% endif %}\n  c", "a bc"),  # next to block tags: nothing
        ("{# note #}\n<p>a</p>\n", "<p>a</p>"),
    ],
)
def test_templates_lose_their_layout(source, joined):
    assert environment().from_string(source).render(x="<x>") == joined
    assert join_lines("<p>one\n  two</p>\n<p>") == "<p>one two</p><p>"


def test_template_line_numbers_are_kept_in_errors():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError) as info:
        environment().from_string("<p>\n  a\n</p>\n<p>{{ missing.x }}</p>").render()
    frames = traceback.extract_tb(info.tb)
    assert any(f.lineno == 4 for f in frames if f.filename == "<template>")
