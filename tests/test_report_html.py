import html
import math
import traceback
from decimal import Decimal

import pandas as pd
import pytest

from helpers.core.small_base import SmallBasePolicy
from helpers.report.citing import cite
from helpers.report.markup import heading, toc
from helpers.report.matrices import breakdown_data
from helpers.report.tables import BANNER_MAX, summary_data, table
from helpers.report.templating import environment, esc, join_lines

SUMMARIES = pd.DataFrame(
    {
        "figure_id": ["q1.all.all.yes", "q1.all.all.no", "q2.all.all.missing"],
        "n": [9, 6, 1],
        "base": [15, 15, 16],
        "pct": [Decimal("60.0"), Decimal("40.0"), None],
        "ci_low": [Decimal("35.7"), Decimal("19.8"), None],
        "ci_high": [Decimal("80.2"), Decimal("64.3"), None],
    }
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<script>alert('x')</script>", "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"),
        ('a "b" & c', "a &quot;b&quot; &amp; c"),
        ("Asociación Ñandú", "Asociación Ñandú"),
        (None, ""),
        (math.nan, ""),
        (pd.NA, ""),
        (0, "0"),
        (Decimal("6.6"), "6.6"),
    ],
)
def test_esc(value, expected):
    assert esc(value) == expected


def test_esc_output_never_contains_markup():
    hostile = '"><img src=x onerror=alert(1)><script>'
    escaped = esc(hostile)
    assert "<" not in escaped and ">" not in escaped and '"' not in escaped
    assert html.unescape(escaped) == hostile


def test_cite_links_the_number_to_its_provenance_and_keeps_its_id():
    """One click from a number in the text to its provenance entry; its id on hover (title),
    never printed in the text (the PDF's reading pages carry no ids: issue 25)."""
    out = cite(SUMMARIES, "q1.all.all.yes")
    assert (
        '<a class="v" href="#prov-q1.all.all.yes" title="figure q1.all.all.yes">'
        "60.0% (9 of 15)</a>" in out
    )
    assert 'class="fn"' not in out and ">q1.all.all.yes<" not in out
    assert "fig-" not in out  # a number cited in the text is not the figure's anchor


@pytest.mark.parametrize(
    ("what", "text"),
    [("n", ">9<"), ("n_of_base", "9 of 15"), ("pct_ci", "60.0% (CI 35.7–80.2; 9 of 15)")],
)
def test_cite_variants(what, text):
    assert text in cite(SUMMARIES, "q1.all.all.yes", what)


def test_cite_missing_values_and_unknown_ids():
    assert "(1 of 16)" in cite(SUMMARIES, "q2.all.all.missing")
    assert "CI" in cite(SUMMARIES, "q2.all.all.missing", "pct_ci")
    assert "None" not in cite(SUMMARIES, "q2.all.all.missing", "pct_ci")
    with pytest.raises(KeyError, match="q9.all.all.yes"):
        cite(SUMMARIES, "q9.all.all.yes")


def test_table_escapes_cells_except_raw_columns():
    df = pd.DataFrame({"name": ["<b>x</b>"], "link": ['<a href="#a">a</a>']})
    out = table(df, "Caption", row_ids=["r<1>"], raw_html_columns=["link"])
    assert "<td>&lt;b&gt;x&lt;/b&gt;</td>" in out
    assert '<td><a href="#a">a</a></td>' in out
    assert 'id="r&lt;1&gt;"' in out
    assert "<caption>Caption</caption>" in out


def test_heading_and_toc_escape():
    assert heading("Q1 <yes>", "q1") == '<h2 id="q1">Q1 &lt;yes&gt;</h2>'
    contents = toc([("a", "A & B", 2)])
    assert '<a href="#a">A &amp; B</a>' in contents


def _macro_table(t: dict) -> str:
    from helpers.report.templating import macro

    return str(macro("table")(t))


def test_summary_table_marks_small_bases_by_the_rule():
    rows = SUMMARIES.assign(answer=["Yes", "No", "No answer"]).iloc[:2]
    flagged = _macro_table(summary_data(rows, "Q1", SmallBasePolicy(20, "flag")))
    assert flagged.count("15 †") == 2
    assert '<td id="fig-q1.all.all.yes">' in flagged and 'href="#prov-q1.all.all.yes"' in flagged
    assert "60.0%" in flagged and "35.7–80.2" in flagged
    assert "† base below 20" in flagged
    suppressed = _macro_table(summary_data(rows, "Q1", SmallBasePolicy(20, "suppress")))
    assert "60.0%" not in suppressed and "35.7–80.2" not in suppressed
    assert suppressed.count(">–</a>") == 2 and 'id="fig-q1.all.all.yes"' in suppressed
    plain = _macro_table(summary_data(rows, "Q1", SmallBasePolicy(10, "suppress")))
    assert "†" not in plain and "60.0%" in plain


def _breakdown_rows(levels: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """INVENTED rows of one yes/no question overall and by a group of ``levels`` values."""

    def rows(group: str, code: str, label: str, yes: int, no: int) -> list[dict]:
        base = yes + no
        return [
            {
                "figure_id": f"q1.{group}.{code}.{a}",
                "question": "q1",
                "group": group,
                "group_code": code,
                "group_value": label,
                "answer_code": a,
                "answer": a.title(),
                "kind": "answer",
                "n": n,
                "base": base,
                "pct": round(100 * n / base, 1),
            }
            for a, n in (("yes", yes), ("no", no))
        ]

    by = [r for i in range(levels) for r in rows("g", f"v{i}", f"Level {i}", 3 + i, 4)]
    total_yes = sum(3 + i for i in range(levels))
    return pd.DataFrame(rows("all", "all", "all", total_yes, 4 * levels)), pd.DataFrame(by)


def test_breakdown_is_one_matrix_of_answers_by_groups():
    overall, by = _breakdown_rows(3)
    t = breakdown_data(overall, by, "Group", SmallBasePolicy(8, "flag"), "Q1 by group")
    assert t["columns"] == ["", "All", "Level 0", "Level 1", "Level 2"]
    body = [
        [c.get("th", c.get("text")) if isinstance(c, dict) else c for c in r["cells"]]
        for r in t["rows"]
    ]
    assert body[0] == ["Base (n)", "24", "7 †", "8", "9"]  # the base heads each group
    yes = {
        r["figure_id"]: r
        for _, r in pd.concat([overall, by]).iterrows()
        if r["answer_code"] == "yes"
    }
    assert body[1][0] == "Yes" and body[1][1:] == [
        f"{yes[f]['pct']}%" for f in ("q1.all.all.yes", "q1.g.v0.yes", "q1.g.v1.yes", "q1.g.v2.yes")
    ]
    cells = [c for r in t["rows"] for c in r["cells"] if isinstance(c, dict) and "fig" in c]
    assert sorted(c["fig"] for c in cells) == sorted(pd.concat([overall, by])["figure_id"])
    assert {c["n"] for c in cells if c["fig"] == "q1.g.v0.no"} == {"4"}
    assert [c["cls"] for c in cells if c["fig"].startswith("q1.g.v0.")] == ["small", "small"]
    assert t["note"].startswith("† base below 8")


def test_breakdown_with_many_groups_runs_them_down():
    overall, by = _breakdown_rows(BANNER_MAX + 1)
    t = breakdown_data(overall, by, "Group", SmallBasePolicy(1, "flag"), "Q1 by group")
    assert t["columns"] == ["Group", "Base (n)", "Yes", "No"]
    assert len(t["rows"]) == 1 + BANNER_MAX + 1 and t["note"] == ""


def test_suppressed_groups_show_their_base_but_no_percentage():
    overall, by = _breakdown_rows(2)
    t = breakdown_data(overall, by, "Group", SmallBasePolicy(8, "suppress"), "Q1 by group")
    html = _macro_table(t)
    level0 = [
        c
        for r in t["rows"]
        for c in r["cells"]
        if isinstance(c, dict) and c.get("fig", "").startswith("q1.g.v0.")
    ]
    assert [c["text"] for c in level0] == ["–", "–"] and "7 †" in html
    assert "percentages not shown" in t["note"]


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
