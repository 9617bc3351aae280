"""The method section's disclosure (helpers.report.disclosure) and the codebook's survey: keys.

The 2013 expectations are recomputed from the codebook and the published document
(never typed in); the response rates of a survey with dispositions are checked
against hand counts on an INVENTED codebook (tests/fixtures/invented_dispositions_codebook.yaml).
"""

from __future__ import annotations

import html
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.core.codebook import CodebookError, load_codebook, parse_codebook
from helpers.core.codebook_schema import DISCLOSURE_KEYS
from helpers.core.params import StatsParams
from helpers.core.tables import read_csv
from helpers.core.text import split_lines
from helpers.pipeline.config import load_params
from helpers.report.disclosure import LABELS, NOT_STATED, disclosure_rows, disclosure_section
from helpers.report.method_section import interval_name

ROOT = Path(__file__).resolve().parents[1]
OAS_BOOK = ROOT / "codebooks" / "oas_2013.yaml"
OAS_SOURCE = ROOT / "data" / "raw" / "oas_cso_survey_2013.txt"
INVENTED = ROOT / "tests" / "fixtures" / "invented_dispositions_codebook.yaml"
SUMMARY_TEXT = ("shown", "shown_low", "shown_high")


def _stats(survey: str) -> StatsParams:
    return StatsParams(**load_params(ROOT).for_survey(survey)["stats"])


def _rows_html(markup: str) -> dict[str, str]:
    """Each table row's heading -> the row's HTML."""
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", markup)
    return {html.unescape(label): cells for label, cells in rows}


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _summaries(respondents: int) -> pd.DataFrame:
    """The figures a disclosure reads: the respondents and one overall percentage."""
    common = {"group": "all", "n_weighted": None, "base_weighted": None}
    return pd.DataFrame(
        [
            {
                "figure_id": "respondents.all.all",
                "kind": "respondents",
                "n": respondents,
                "base": respondents,
                "pct": 100.0,
                "shown": "100.0",
                "shown_low": "",
                "shown_high": "",
                "ci_low": None,
                "ci_high": None,
                **common,
            },
            {
                "figure_id": "q1.all.all.1",
                "kind": "answer",
                "n": 200,
                "base": respondents,
                "pct": 50.0,
                "shown": "50.0",
                "shown_low": "45.1",
                "shown_high": "54.9",
                "ci_low": 45.1,
                "ci_high": 54.9,
                **common,
            },
        ]
    )


def _oas() -> tuple[str, dict]:
    book = load_codebook(OAS_BOOK)
    sp = _stats("oas_2013")
    summaries = read_csv(ROOT / "data/processed/oas_2013/summaries.csv", text_columns=SUMMARY_TEXT)
    lines = split_lines(OAS_SOURCE.read_text(encoding="utf-8"))
    markup = str(disclosure_section(book, summaries, sp, interval_name(book, sp), len(lines)))
    return markup, yaml.safe_load(OAS_BOOK.read_text(encoding="utf-8"))["survey"]


def test_every_disclosure_element_has_a_row_heading():
    assert list(LABELS) == list(DISCLOSURE_KEYS)


def test_2013_names_each_element_with_its_text_and_linked_source_lines():
    markup, survey = _oas()
    rows = _rows_html(markup)
    lines = split_lines(OAS_SOURCE.read_text(encoding="utf-8"))
    for key in DISCLOSURE_KEYS:
        row = rows[LABELS[key]]
        if key not in survey:
            assert NOT_STATED in row, key
            continue
        texts = survey[key]["text"]
        for text in [texts] if isinstance(texts, str | dict) else texts:
            text = text["en"] if isinstance(text, dict) else text  # the English edition's
            assert " ".join(text.split()) in _plain(row), key
        for n in survey[key]["lines"]:
            assert f'href="#src-L{n}"' in row, (key, n)
            assert 1 <= n <= len(lines) and lines[n - 1].strip(), (key, n)


def test_2013_response_rate_is_the_upper_bound_of_its_codebook_counts():
    markup, survey = _oas()
    cases = survey["dispositions"]
    complete, floor = cases["I"], cases["approached_at_least"]
    bound = (Decimal(100 * complete) / Decimal(floor)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    row = _plain(_rows_html(markup)["Response rate"])
    assert f"At most {bound}%" in row and f"{complete} complete of at least {floor:,}" in row
    assert "no response rate applies in the probability sense" in row
    assert "no margin of error applies" in _plain(_rows_html(markup)["Precision"])
    # the cited lines say what the counts are: "more than <floor - 1>", "<I> completed"
    cited = " ".join(
        split_lines(OAS_SOURCE.read_text(encoding="utf-8"))[n - 1] for n in cases["lines"]
    )
    assert f"more than {floor - 1}" in cited and f"{complete} completed" in cited


def test_2013_sample_size_and_weighting_come_from_the_figures_and_design():
    markup, _ = _oas()
    summaries = read_csv(ROOT / "data/processed/oas_2013/summaries.csv", text_columns=SUMMARY_TEXT)
    n = int(summaries.loc[summaries["figure_id"] == "respondents.all.all", "n"].iloc[0])
    rows = _rows_html(markup)
    assert f">{n}</a>" in rows["Sample size"] and "#prov-respondents.all.all" in rows["Sample size"]
    assert "unweighted" in _plain(rows["Weighting"])
    assert "Wilson score interval" in _plain(rows["Precision"])


def test_dispositions_give_rr1_to_rr6_equal_to_hand_counts():
    book = load_codebook(INVENTED)
    markup = str(disclosure_section(book, _summaries(400), _stats("oas_2013"), "95% interval"))
    row = _plain(_rows_html(markup)["Response rate"])
    # with unknown 1000; with e 850 + 0.6 x 150 = 940; known 850 (interviews 450)
    by_hand = {
        "RR1": "40.0%",
        "RR2": "45.0%",
        "RR3": "42.6%",
        "RR4": "47.9%",
        "RR5": "47.1%",
        "RR6": "52.9%",
    }
    for name, shown in by_hand.items():
        assert re.search(rf"{name} = [^=]+ = {re.escape(shown)}", row), (name, row)
    assert "I / ((I + P) + (R + NC + O) + (UH + UO))" in row  # RR1's formula, named
    assert "probability sense" not in row and "A probability sample." in markup
    # cited lines of an export's codebook are numbers, not links to a source appendix
    assert "src-L" not in markup and "3, 4" in _rows_html(markup)["Response rate"]


def test_rates_that_need_e_say_so_and_a_count_that_differs_from_the_figures_is_named():
    data = yaml.safe_load(INVENTED.read_text(encoding="utf-8"))
    del data["survey"]["dispositions"]["e"]
    markup = str(disclosure_section(parse_codebook(data), _summaries(399), _stats("oas_2013"), "x"))
    row = _plain(_rows_html(markup)["Response rate"])
    assert "RR1 = I / ((I + P) + (R + NC + O) + (UH + UO)) = 40.0%" in row
    assert "RR3 = I / ((I + P) + (R + NC + O) + e(UH + UO)) = not computable (needs e" in row
    assert "The dispositions count 400 complete; the figures 399." in row


def test_a_codebook_without_the_section_states_nothing_it_does_not_know():
    data = yaml.safe_load(INVENTED.read_text(encoding="utf-8"))
    data["survey"] = {"id": "bare", "title": "No disclosure"}
    book = parse_codebook(data)
    rows = disclosure_rows(book, _summaries(400), _stats("oas_2013"), "95% interval")
    by_label = {row.label: row for row in rows}
    for key in DISCLOSURE_KEYS:
        assert by_label[LABELS[key]].items == () and by_label[LABELS[key]].lines == (), key
    assert by_label["Response rate"].items == ()
    markup = str(disclosure_section(book, _summaries(400), _stats("oas_2013"), "95% interval"))
    assert markup.count(f'<em class="not-stated">{NOT_STATED}</em>') == len(DISCLOSURE_KEYS) + 1
    assert "Whether the sample is a probability sample is not stated." in markup


def test_a_cited_line_beyond_the_source_is_refused():
    book = load_codebook(INVENTED)
    with pytest.raises(ValueError, match="cites line"):
        disclosure_section(book, _summaries(400), _stats("oas_2013"), "x", source_lines=3)


def _refusal(tmp_path: Path, survey: str) -> tuple[str, list[str]]:
    text = f"survey:\n{survey}questions:\n- id: q1\n  type: free_text\n  text: A question\n"
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    return str(err.value), text.splitlines()


@pytest.mark.parametrize(
    ("survey", "bad", "message"),
    [
        ("  sponser: CAM\n", "sponser", "survey: unknown key 'sponser' (nearest: 'sponsor')"),
        (
            "  sponsor:\n    text: CAM\n    line: [8]\n",
            "line:",
            "survey.sponsor: unknown key 'line' (nearest: 'lines')",
        ),
        (
            "  dispositions:\n    I: 15\n    approached: 501\n",
            "approached:",
            "survey.dispositions: unknown key 'approached' (nearest: 'approached_at_least')",
        ),
        ("  mode: {text: web, lines: [0]}\n", "mode:", "survey.mode.lines[0]"),
        (
            "  dispositions: {I: 15, R: 3, approached_at_least: 501}\n",
            "dispositions:",
            "give either the AAPOR categories",
        ),
        (
            "  dispositions: {I: 15, approached_at_least: 10}\n",
            "dispositions:",
            "I (15) is more than approached_at_least (10)",
        ),
    ],
)
def test_the_schema_refuses_a_disclosure_it_does_not_know_at_its_line(
    tmp_path, survey, bad, message
):
    text, lines = _refusal(tmp_path, survey)
    line = next(i for i, line in enumerate(lines, 1) if bad in line)
    assert f"codebook.yaml:{line}: " in text and message in text, text
