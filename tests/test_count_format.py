"""Counts are written in the edition's number format (CLDR digit grouping), everywhere.

Found in a 10M-respondent report (benchmarks/scale.py, an INVENTED survey): its alt texts
read "Yes 57.2% (4445034 of 7776452)" and "All respondents (n=8888959)" while other
places printed "10,000,000"; the NHANES II report printed "unweighted n = 9051 of 10337".
A count (n, base, rows, respondents) goes through the edition's number format like any
other number: "4,445,034" in English, "4.445.034" in Spanish and Portuguese, and in
French with a narrow no-break space (U+202F) between groups.

Every row below is INVENTED (7-digit counts, as at 10M respondents).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers.core import i18n
from helpers.report.citing import cite_text
from helpers.report.section_parts import distribution_alt, missing_cited, stacked_alt
from helpers.report.templating import render

NNBSP = "\u202f"
LANGS = ("en", "es", "fr", "pt")
# What CLDR (Babel) groups each INVENTED count as, per edition language.
GROUPED = {
    "en": {4445034: "4,445,034", 7776452: "7,776,452", 8888959: "8,888,959", 1000000: "1,000,000"},
    "es": {4445034: "4.445.034", 7776452: "7.776.452", 8888959: "8.888.959", 1000000: "1.000.000"},
    "fr": {
        4445034: f"4{NNBSP}445{NNBSP}034",
        7776452: f"7{NNBSP}776{NNBSP}452",
        8888959: f"8{NNBSP}888{NNBSP}959",
        1000000: f"1{NNBSP}000{NNBSP}000",
    },
    "pt": {4445034: "4.445.034", 7776452: "7.776.452", 8888959: "8.888.959", 1000000: "1.000.000"},
}
UNWEIGHTED = {"en": "unweighted", "es": "sin ponderar", "fr": "non pondéré", "pt": "não ponderado"}
SIZE = {
    "en": "unweighted n = {n}",
    "es": "n sin ponderar = {n}",
    "fr": "n non pondéré = {n}",
    "pt": "n não ponderado = {n}",
}
OF = {"en": "of", "es": "de", "fr": "sur", "pt": "de"}
RAW = re.compile(r"(?<![\d.,\u202f])\d{4,}")  # a count of 4 digits or more left ungrouped


def _row(**values: object) -> pd.Series:
    """One INVENTED summaries row: Yes/no 1 overall, 'Yes', 4,445,034 of 7,776,452."""
    row = {
        "figure_id": "q1.all.all.1",
        "question": "q1",
        "group": "all",
        "group_code": "all",
        "group_value": "All",
        "answer": "Yes",
        "answer_code": "1",
        "kind": "answer",
        "n": 4445034,
        "base": 7776452,
        "pct": "57.2",
        "ci_low": "57.1",
        "ci_high": "57.2",
        "stat": "pct",
        "shown": "57.2",
        "n_weighted": None,
        "base_weighted": None,
    }
    return pd.Series({**row, **values})


@pytest.mark.parametrize("lang", LANGS)
def test_cited_counts_are_grouped_as_the_edition_writes_them(lang):
    """An unweighted and a weighted 'n of base', a percentage's counts, a mean's base."""
    n, base = GROUPED[lang][4445034], GROUPED[lang][7776452]
    unweighted = _row()
    weighted = _row(n_weighted=73871969.4, base_weighted=117023659.2)
    mean = _row(
        kind="numeric",
        stat="mean",
        n=7776452,
        base=7776452,
        n_weighted=104176071.0,
        base_weighted=104176071.0,
        pct=None,
        shown="87.2",
        shown_low="86.2",
        shown_high="88.2",
    )
    with i18n.edition(lang):
        texts = {
            "n": cite_text(unweighted, "n"),
            "n_of_base": cite_text(unweighted, "n_of_base"),
            "weighted n_of_base": cite_text(weighted, "n_of_base"),
            "pct": cite_text(unweighted, "pct"),
            "pct_ci": cite_text(unweighted, "pct_ci"),
            "value_ci": cite_text(mean, "value_ci"),
        }
    assert texts["n"] == n
    assert texts["n_of_base"] == f"{n} {OF[lang]} {base}"
    assert texts["weighted n_of_base"] == f"{n} {OF[lang]} {base}, {UNWEIGHTED[lang]}"
    assert texts["pct"].endswith(f"({n} {OF[lang]} {base})")
    assert texts["pct_ci"].endswith(f"; {n} {OF[lang]} {base})")
    assert texts["value_ci"].endswith(f"; {SIZE[lang].format(n=base)})")
    assert [t for t in texts.values() if RAW.search(t)] == []


@pytest.mark.parametrize("lang", LANGS)
def test_alt_texts_give_each_group_size_grouped(lang):
    """A stacked chart's and a box chart's alt text: '(n=8,888,959)' for each group."""
    stacked = pd.DataFrame(
        {"answer 1": [57.2, 60.0], "answer 2": [42.8, 40.0], "base": [8888959, 7776452]},
        index=["All respondents", "North"],
    )
    boxes = pd.DataFrame(
        {
            "n": [8888959, 1000000],
            "median": [86.0, 87.0],
            "p25": [77.0, 78.0],
            "p75": [96.0, 96.0],
            "mean": [87.2, 87.5],
            "min": [43.0, 43.0],
            "max": [240.0, 240.0],
        },
        index=["All respondents", "North"],
    )
    with i18n.edition(lang):
        alts = [
            stacked_alt("Rating 2, by region", stacked, ["answer 1", "answer 2"], ["Yes", "No"]),
            distribution_alt("Serum zinc, by region", boxes, 1),
        ]
    grouped = GROUPED[lang]
    assert f"All respondents (n={grouped[8888959]})" in alts[0]
    assert f"North (n={grouped[7776452]})" in alts[0]
    assert f"All respondents (n={grouped[8888959]})" in alts[1]
    assert f"North (n={grouped[1000000]})" in alts[1]
    assert [a for a in alts if RAW.search(a)] == []


# The plural form is chosen by the count, never read back from its grouped text: in
# Spanish '1.000.000' read as a number is 1 (singular), and CLDR gives French, Spanish and
# Portuguese a form of its own for a round million ("1 000 000 de répondants").
NO_ANSWER = {
    "en": "{n} respondents gave no answer to this question",
    "es": "{n} de encuestados no respondieron a esta pregunta",
    "fr": "{n} de répondants n'ont pas répondu à cette question",
    "pt": "{n} de respondentes não responderam a esta pergunta",
}


@pytest.mark.parametrize("lang", LANGS)
def test_a_missing_count_is_grouped_and_takes_its_plural_form(lang):
    """'1,000,000 respondents gave no answer': grouped, in the plural the count asks for."""
    summaries = pd.DataFrame(
        [_row(figure_id="q1.all.all.missing", kind="missing", answer="No answer", n=1000000)]
    )
    with i18n.edition(lang):
        missing = missing_cited(summaries, "q1")
        markup = str(
            render(
                "question_section.html",
                lead="",
                text="Invented yes/no question 1?",
                multiple=False,
                routing=[],
                excluded=[],
                nets=[],
                short="Yes/no 1",
                base="n = 0",
                chart=None,
                by_group=[],
                missing=missing,
                alpha=0.05,
            )
        )
    assert [(c.cited.text, c.n) for c in missing] == [(GROUPED[lang][1000000], 1000000)]
    plain = re.sub(r"<[^>]+>", "", markup).replace("&#x27;", "'")
    assert NO_ANSWER[lang].format(n=GROUPED[lang][1000000]) in plain


def _grouped(lang: str, value: int) -> str:
    """``value`` grouped by threes with ``lang``'s separator (as :data:`GROUPED` spells out)."""
    sep = {"en": ",", "es": ".", "fr": NNBSP, "pt": "."}[lang]
    return f"{value:,}".replace(",", sep)


def _cell_texts(table: dict) -> list[str]:
    """Every text a ``table`` macro's data shows: values, figures and their counts."""
    out = []
    for row in table["rows"]:
        for cell in row["cells"]:
            if isinstance(cell, dict):
                out += [str(cell.get(k, "")) for k in ("th", "text", "n")]
            else:
                out.append(str(cell))
    return [t for t in out if t]


@pytest.mark.parametrize("lang", LANGS)
def test_table_cells_give_counts_and_bases_grouped(lang):
    """A question's table (n, base, a count off its base) and its breakdown (bases, n)."""
    from helpers.core.small_base import SmallBasePolicy
    from helpers.report.matrices import breakdown_data
    from helpers.report.tables import summary_data

    no = {"answer": "No", "answer_code": "2", "n": 3331418, "pct": "42.8"}
    off = {"answer": "No answer", "answer_code": "missing", "kind": "missing", "pct": None}
    overall = pd.DataFrame(
        [
            _row(),
            _row(figure_id="q1.all.all.2", **no),
            _row(figure_id="q1.all.all.missing", **off, n=2223548, base=10000000),
        ]
    )
    north = {"group": "region", "group_code": "1", "group_value": "North"}
    by_region = pd.DataFrame(
        [
            _row(figure_id="q1.region.1.1", **north, n=1000000, base=1554372, pct="64.3"),
            _row(figure_id="q1.region.1.2", **north, **{**no, "n": 554372, "pct": "35.7"}),
            _row(figure_id="q1.region.1.missing", **north, **off, n=445592, base=1999964),
        ]
    ).assign(base=lambda d: d["base"].where(d["kind"] == "missing", 1554372))
    policy = SmallBasePolicy(10, "flag")
    with i18n.edition(lang):
        overall_table = summary_data(overall[overall["kind"] == "answer"], "", policy)
        excluded = summary_data(overall.assign(kind=["answer", "answer", "excluded"]), "", policy)
        matrix = breakdown_data(overall, by_region, "Region", policy, "")
        cells = {
            "overall": _cell_texts(overall_table),
            "excluded": _cell_texts(excluded),
            "matrix": _cell_texts(matrix),
        }
    grouped = GROUPED[lang]
    assert {grouped[4445034], grouped[7776452]} <= set(cells["overall"])
    assert grouped[1000000] in cells["matrix"]  # North's Yes, beside its percentage
    # the bases' row, and the counts off the base
    assert {_grouped(lang, v) for v in (7776452, 1554372, 2223548, 445592)} <= set(cells["matrix"])
    assert _grouped(lang, 2223548) in cells["excluded"]
    assert [t for texts in cells.values() for t in texts if RAW.search(t)] == []
