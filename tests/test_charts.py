"""Charts that survive real labels (issue 25 item 2): the layout check can fail, and passes.

The check (``chart_layout.layout_problems``) reads the drawn figure: every text artist's
extent, the figure's size against the PDF's content box, and the colour behind each text.
Deliberately bad figures make it report each kind of problem; every chart type built from
the shipped surveys' figures (24 income bands, long labels, 7 party groups) passes it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers.core.codebook import load_codebook
from helpers.report import chart_layout as cl
from helpers.report import charts
from helpers.report.chart_palette import (
    NEUTRAL,
    OKABE_ITO,
    category_colors,
    contrast,
    ink_on,
    scale_colors,
)

ROOT = Path(__file__).resolve().parents[1]
SURVEYS = ["oas_2013", "invented_example", "anes96", "nhanes2"]
BOOKS = {
    "anes96": "data/examples/anes96/codebook.yaml",
    "nhanes2": "data/examples/nhanes2/codebook.yaml",
}
LONG = [
    "Teacher, counselor, librarian or other education professional",
    "White-collar worker in an office, sales or clerical occupation",
    "Skilled trades, crafts and repair, including construction work",
    "Retired, homemaker, student or not in the labour force for another reason",
]


def _bad(width: float = 4, height: float = 3, layout: str | None = "constrained"):
    fig = Figure(figsize=(width, height), layout=layout)
    return fig, fig.subplots()


def test_overlapping_texts_are_reported():
    fig, ax = _bad()
    ax.text(0.5, 0.5, "White-collar")
    ax.text(0.52, 0.5, "Teacher, counselor")
    problems = cl.layout_problems(fig)
    assert any("'White-collar' and 'Teacher, counselor' overlap" in p for p in problems)


def test_text_outside_the_figure_is_reported():
    fig, ax = _bad(layout=None)  # no layout engine to make room
    ax.text(0.9, 0.5, "a label running off the right edge of the figure", transform=ax.transAxes)
    fig.text(0.5, -0.05, "under the footer")
    problems = " ".join(cl.layout_problems(fig))
    assert "'a label running off the right edge of the figure' outside the figure" in problems
    assert "'under the footer' outside the figure" in problems


def test_a_figure_taller_or_wider_than_the_page_is_reported():
    for size in [(5, 12), (8, 3)]:
        fig, _ = _bad(*size)
        assert any("exceeds the page" in p for p in cl.layout_problems(fig)), size


def test_poor_contrast_on_a_bar_and_a_label_overflowing_its_bar_are_reported():
    fig, ax = _bad()
    ax.barh([0], [50], color="#08306B", height=0.8)  # navy
    ax.barh([1], [50], color="#EFF3FF", height=0.8)  # near-white
    ax.barh([2], [3], color="#6BAED6", height=0.8)  # a narrow segment
    ax.set_xlim(0, 100)
    ax.text(25, 0, "40%", ha="center", va="center", color="#111111")  # black on navy
    ax.text(25, 1, "12%", ha="center", va="center", color="white")  # white on near-white
    ax.text(1.5, 2, "3% of all", ha="center", va="center", color="black")
    problems = " ".join(cl.layout_problems(fig))
    assert re.search(r"'40%' has contrast 1\.\d:1", problems), problems
    assert re.search(r"'12%' has contrast 1\.\d:1", problems), problems
    assert "'3% of all' overflows its bar" in problems


def test_a_clean_figure_has_no_problems():
    fig, ax = _bad()
    ax.barh([0], [50], color="#08306B")
    ax.text(25, 0, "50%", ha="center", va="center", color=ink_on("#08306B"))
    ax.set_title("A title")
    assert cl.layout_problems(fig) == []


def test_a_bad_chart_cannot_be_published_silently():
    fig, ax = _bad()
    ax.text(0.5, 0.5, "one")
    ax.text(0.5, 0.5, "two")
    with pytest.raises(cl.ChartLayoutError, match=r"chart 'Bad chart': texts 'one' and 'two'"):
        cl.svg_bytes(fig, "Bad chart")


def test_wcag_contrast_and_ink():
    assert contrast("black", "white") == pytest.approx(21.0)
    assert contrast("#777777", "white") == pytest.approx(4.48, abs=0.01)  # WCAG's example
    assert ink_on("#08306B") == "#FFFFFF" and ink_on("#EFF3FF") == "#000000"
    for color in ["#767676", "#808080", "#2171B5", "#E69F00", "#F0E442", "#9E9E9E"]:
        assert contrast(ink_on(color), color) >= 4.5, color


@pytest.mark.parametrize("n", [2, 5, 7, 24])
def test_palettes_never_repeat_a_colour(n):
    neutral = ["Don't know", "Refused", "No answer"]
    labels = [f"answer {i}" for i in range(n)] + neutral
    colours = scale_colors(labels, neutral)
    assert len(set(colours)) == len(colours) and colours[n] == NEUTRAL
    if n <= len(OKABE_ITO):
        assert category_colors(labels, neutral)[:n] == OKABE_ITO[:n]
        assert len(set(category_colors(labels, neutral))) == len(labels)


def _proportions(n: int, labels: list[str] | None = None) -> pd.DataFrame:
    pct = [100 / n] * n
    return pd.DataFrame(
        {
            "answer": labels or [f"answer {i}" for i in range(n)],
            "pct": pct,
            "ci_low": [p * 0.8 for p in pct],
            "ci_high": [p * 1.2 for p in pct],
            "n": [10] * n,
            "base": [10 * n] * n,
        }
    )


def test_svg_is_text_and_byte_identical_across_runs():
    rows = _proportions(4, LONG)
    one = charts.proportion_chart(rows, "Occupation", "n = 40; bars: % of respondents.")
    two = charts.proportion_chart(rows, "Occupation", "n = 40; bars: % of respondents.")
    assert one == two
    svg = one.decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<text" in svg and "Teacher, counselor" in svg  # text kept as text
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


def test_long_labels_and_many_categories_fit_the_page():
    """24 bars of long labels: thinner bars and cut labels, never taller than the page."""
    charts.proportion_chart(
        _proportions(24, [f"{LONG[i % 4]} ({i})" for i in range(24)]),
        "Occupation " * 12,
        "A note. " * 30,
    )
    table = pd.DataFrame([[10, 20, 30, 25, 15]] * 7, columns=list("abcde"), index=LONG + LONG[:3])
    table.index = [f"{g} ({i})" for i, g in enumerate(table.index)]
    charts.stacked_scale_chart(
        table.assign(base=50),
        list("abcde"),
        "By occupation",
        "Note.",
        labels=LONG + ["Don't know"],
        ordered=False,
    )


def _tables(summaries: pd.DataFrame, qid: str, groups: list[str]) -> pd.DataFrame:
    """A stacked chart's table (group rows, answer-code columns, base) from summaries.csv."""
    rows = summaries[
        (summaries["question"] == qid)
        & summaries["group"].isin(groups)
        & (summaries["kind"] == "answer")
    ]
    rows = rows.assign(row=rows["group"] + ": " + rows["group_value"].astype(str))
    order = list(dict.fromkeys(rows["answer_code"].astype(str)))
    table = rows.pivot_table(index="row", columns="answer_code", values="pct", sort=False)
    table.columns = table.columns.astype(str)
    return table.reindex(columns=order).assign(base=rows.groupby("row", sort=False)["base"].max())


def _survey_charts(survey: str) -> int:
    """Draw every chart type from the survey's figures; each goes through the check."""
    summaries = pd.read_csv(
        ROOT / "data/processed" / survey / "summaries.csv",
        dtype={"answer_code": str, "group_code": str},
    )
    book = load_codebook(ROOT / BOOKS[survey]) if survey in BOOKS else None
    drawn = 0
    for qid, rows in summaries[summaries["kind"] == "answer"].groupby("question", sort=False):
        overall = rows[rows["group"] == "all"]
        if len(overall):
            charts.proportion_chart(overall, qid, "n; bars: % of respondents; whiskers.")
            drawn += 1
        q = book.question(qid) if book is not None else None
        neutral = [str(c) for c in q.neutral] if q is not None else []
        groups = [g for g in rows["group"].unique() if g != "all"]
        for together in [[g] for g in groups] + ([groups] if len(groups) > 1 else []):
            table = _tables(summaries, qid, together)
            answers = [c for c in table.columns if c != "base"]
            if (table[answers].sum(axis=1) > 100.5).any():
                continue  # several answers allowed: not a stacked chart's figures
            labels = list(dict.fromkeys(rows["answer"].astype(str)))
            charts.stacked_scale_chart(
                table,
                answers,
                f"{qid} by {together}",
                "Note.",
                [a for a in answers if a in neutral],
                labels,
                ordered=q is None or q.type == "ordinal",
            )
            drawn += 1
    numeric = summaries[summaries["kind"] == "numeric"]
    for (qid, group), rows in numeric.groupby(["question", "group"], sort=False):
        stats = rows.pivot_table(
            index="group_value", columns="answer_code", values="estimate", sort=False
        )
        stats["n"] = rows.groupby("group_value", sort=False)["n"].max()
        charts.distribution_chart(stats, f"{qid} by {group}", "Box: quartiles.", "years")
        drawn += 1
    return drawn


@pytest.mark.parametrize("survey", SURVEYS)
def test_every_chart_of_every_shipped_survey_passes_the_check(survey):
    assert _survey_charts(survey) > 0


def test_anes_income_24_bands_by_party_and_education():
    """The 24-code income question: overall bars fit the page; by 7 party groups and by
    education small multiples; by both breakdowns at once a shaded table."""
    summaries = pd.read_csv(
        ROOT / "data/processed/anes96/summaries.csv", dtype={"answer_code": str}
    )
    overall = summaries[
        (summaries["question"] == "income")
        & (summaries["group"] == "all")
        & (summaries["kind"] == "answer")
    ]
    assert len(overall) == 24
    svg = charts.proportion_chart(overall, "Household income", "n = 944.").decode()
    height = float(re.search(r'height="([\d.]+)pt"', svg).group(1)) / 72
    assert height <= cl.MAX_HEIGHT
    for groups in (["party"], ["education"], ["party", "education"]):
        table = _tables(summaries, "income", groups)
        assert len(table) >= 7 and table.shape[1] == 25
        charts.stacked_scale_chart(table, list(table.columns[:-1]), "Income", "Note.")


@pytest.mark.parametrize("answers", [2, 3])
@pytest.mark.parametrize("pct", [5.0, 20.0, 35.0, 50.0, 65.2, 70.0, 80.0, 96.9])
def test_a_bar_label_with_millions_of_respondents_stays_on_the_page(pct, answers):
    """Found at 10M respondents (benchmarks/scale.py): '65.2%  (5,998,750/9,195,582)'.

    Right of a long bar, such a label ended past the figure's edge and the report
    stage stopped (here at 20, 65.2 and 70% with three answers); it now goes inside
    its bar, in the ink that contrasts with it. The counts are INVENTED (a survey of
    9,195,582 respondents).
    """
    base = 9_195_582
    rest = 100 - pct
    pcts = [pct, rest] if answers == 2 else [pct, rest * 0.86, rest * 0.14]
    rows = pd.DataFrame(
        {
            "answer": ["Yes", "No", "Don't know"][:answers],
            "pct": pcts,
            "ci_low": [p - 0.03 for p in pcts],
            "ci_high": [p + 0.03 for p in pcts],
            "n": [round(base * p / 100) for p in pcts],
            "base": [base] * answers,
        }
    )
    svg = charts.proportion_chart(rows, "Q19. Services 19", "INVENTED counts").decode()
    for n in rows["n"]:  # every label is drawn, with its exact counts
        assert f"({n:,}/{base:,})" in svg
