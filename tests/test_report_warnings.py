"""helpers.report_warnings.data_warnings_html: rejected rows and missing answers are visible."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from helpers.clean.accounting import EXPORT_REJECT_COLUMNS
from helpers.clean.reconcile import REJECT_COLUMNS, reconcile
from helpers.core.codebook import load_codebook
from helpers.core.tables import csv_text, read_csv
from helpers.core.text import split_lines
from helpers.extract.source_parser import parse_source
from helpers.report.data_warnings import data_warnings_html, list_name

ROOT = Path(__file__).resolve().parents[1]
BOOK = load_codebook(ROOT / "codebooks/oas_2013.yaml")
LINES = split_lines((ROOT / "data/raw/oas_cso_survey_2013.txt").read_text(encoding="utf-8"))


def text_of(html: str) -> str:
    parts: list[str] = []

    class P(HTMLParser):
        def handle_data(self, data: str) -> None:
            parts.append(data)

    p = P()
    p.feed(html)
    text = " ".join(" ".join(parts).split())  # cells and inline elements spaced apart
    return text.replace("( ", "(").replace(" )", ")")


def clean(lines: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    result = reconcile(parse_source("\n".join(lines), BOOK).mentions, BOOK)
    return result.rejects, result.counts, result.responses


def roundtrip(df: pd.DataFrame, tmp_path: Path, name: str) -> pd.DataFrame:
    """As the report notebook reads it: written by the clean stage, read back from CSV."""
    path = tmp_path / f"{name}.csv"
    path.write_text(csv_text(df), encoding="utf-8")
    return read_csv(path)


def test_nothing_to_warn_about_gives_empty_string(tmp_path):
    rejects, counts, responses = clean(LINES)
    assert data_warnings_html(rejects, counts, responses, BOOK) == ""
    assert (
        data_warnings_html(
            roundtrip(rejects, tmp_path, "r"),
            roundtrip(counts, tmp_path, "c"),
            roundtrip(responses, tmp_path, "s"),
            BOOK,
        )
        == ""
    )


def test_rejects_counts_and_missing_answers_are_listed(tmp_path):
    damaged = LINES.copy()
    damaged[128:128] = ["", "· Fundación Fantasma (FF)"]  # after line 128: not in the roster
    del damaged[125:128]  # lines 126-128: AGORA (Paraguay) out of the Q1 lists
    rejects, counts, responses = clean(damaged)
    html = data_warnings_html(
        roundtrip(rejects, tmp_path, "r"),
        roundtrip(counts, tmp_path, "c"),
        roundtrip(responses, tmp_path, "s"),
        BOOK,
        rejects_path="data/processed/oas_2013/rejects.csv",
    )
    assert html.startswith('<section class="warning data-warnings"')
    text = text_of(html)
    assert "(data/processed/oas_2013/reconciliation.csv)" in text  # the survey's own folder
    assert (
        "1 row of the source set aside (data/processed/oas_2013/rejects.csv): Line 127, "
        "Q1 list: Fundación Fantasma set aside — not in the registration list "
        "(lines 29–81)"
    ) in text
    # counts table: list, read, kept, set aside
    assert "registration list 15 15 0" in text
    assert "Q1 list 15 14 1" in text
    assert "Q2 list 15 15 0" in text
    assert (
        "Q1 (Knew the program): 1 respondent without an answer, left out of its base: "
        "R13 ÁGORA Espacio Civil Paraguay."
    ) in text


def test_unbalanced_counts_are_flagged():
    rejects = pd.DataFrame(columns=REJECT_COLUMNS)
    counts = pd.DataFrame(
        [
            {
                "list": "roster",
                "rows_read": 15,
                "rows_kept": 15,
                "rows_rejected": 0,
                "balanced": True,
            },
            {"list": "q2", "rows_read": 15, "rows_kept": 13, "rows_rejected": 1, "balanced": False},
        ]
    )
    responses = clean(LINES)[2]
    text = text_of(data_warnings_html(rejects, counts, responses, BOOK))
    assert "Rows read do not equal rows kept plus rows set aside for: Q2 list." in text


def test_several_missing_answers_and_plural_wording():
    rejects, counts, responses = clean(LINES)
    responses = responses.copy()
    responses.loc[[0, 3], "q2"] = pd.NA
    text = text_of(data_warnings_html(rejects, counts, responses, BOOK))
    assert "Q2 (Usefulness of the program): 2 respondents without an answer" in text
    assert "R01 Centro para la Apertura y el Desarrollo de América Latina; R04" in text
    assert "Q1" not in text.split("Q2 (")[1]  # only Q2 has missing answers


@pytest.mark.parametrize(("lst", "name"), [("roster", "registration list"), ("q2", "Q2 list")])
def test_list_names(lst, name):
    assert list_name(lst) == name


def test_export_counts_with_declared_missing_codes_are_balanced():
    """helpers.extract.export counts declared missing codes: read = kept + missing + rejected."""
    responses = pd.DataFrame(
        {
            "respondent_id": ["R1", "R2", "R3"],
            "q1": ["yes", pd.NA, "no"],
            "q2": ["useful", "useful", "useful"],
        }
    )
    counts = pd.DataFrame(
        [
            {
                "question": "q1",
                "rows_read": 3,
                "rows_kept": 2,
                "rows_missing": 1,
                "rows_rejected": 0,
                "balanced": True,
            }
        ]
    )
    html = data_warnings_html(pd.DataFrame(columns=EXPORT_REJECT_COLUMNS), counts, responses, BOOK)
    text = text_of(html)
    assert "do not equal" not in text
    assert "Question Rows read Kept Missing Set aside Q1 3 2 1 0" in text  # an export: per question
    assert (
        "Q1 (Knew the program): 1 respondent without an answer, left out of its base: R2." in text
    )


def test_an_answer_set_aside_is_told_apart_from_no_answer():
    """An export's respondent whose code was set aside has no answer counted, like one who
    gave none: the warning says how many of each (the table counts them apart)."""
    responses = pd.DataFrame(
        {
            "respondent_id": ["R1", "R2", "R3"],
            "q1": [pd.NA, pd.NA, "no"],
            "q2": ["useful", "useful", "useful"],
        }
    )
    rejects = pd.DataFrame(
        {
            "source_line": [2],
            "question": ["q1"],
            "respondent_id": ["R1"],
            "reason": ["code '7' is not a q1 code"],
        }
    )
    counts = pd.DataFrame(
        [
            {
                "question": "q1",
                "rows_read": 3,
                "rows_kept": 1,
                "rows_missing": 1,
                "rows_rejected": 1,
                "balanced": True,
            }
        ]
    )
    text = text_of(data_warnings_html(rejects, counts, responses, BOOK))
    assert (
        "Q1 (Knew the program): 2 respondents without an answer, left out of its base "
        "(1 gave none or a declared missing code, 1 a code set aside above): R1; R2."
    ) in text


def test_long_lists_are_capped():
    rejects = pd.DataFrame(
        [
            {
                "source_line": i,
                "list": "q1",
                "organization": f"Org {i}",
                "reason": "not in the registration list",
            }
            for i in range(1, 61)
        ]
    )
    counts = pd.DataFrame(
        [{"list": "q1", "rows_read": 75, "rows_kept": 15, "rows_rejected": 60, "balanced": True}]
    )
    text = text_of(data_warnings_html(rejects, counts, clean(LINES)[2], BOOK, max_listed=40))
    assert "60 rows of the source set aside" in text
    assert "Line 40, Q1 list: Org 40" in text and "Org 41 " not in text
    assert "… and 20 more" in text


def test_cells_written_after_an_apostrophe_are_listed_as_text():
    from helpers.report.data_warnings import formula_cells_html

    responses = pd.DataFrame(
        {
            "respondent_id": ["=R1", "R2"],
            "comment": ["ok", "\t<b>x</b>"],
            "q1": ["-9", "1"],
            "source_line": [2, 3],
        }
    )
    rejects = pd.DataFrame(
        {
            "source_line": [3],
            "question": ["q1"],
            "respondent_id": ["@R3"],
            "reason": ["code '7' is not a q1 code"],
        }
    )
    tables = {"data/processed/s/responses.csv": responses, "data/processed/s/rejects.csv": rejects}
    html = str(formula_cells_html(tables, unit="line", source="survey.csv"))
    assert "<b>" not in html and "\t" not in html  # shown as text, never as markup
    text = text_of(html)
    assert "3 cells of the CSV files" in text
    assert "data/processed/s/responses.csv 1 =R1 2 respondent_id =R1 1" in text
    assert r"data/processed/s/responses.csv 2 R2 3 comment \t<b>x</b> 1" in text
    assert "data/processed/s/rejects.csv 1 @R3 3 respondent_id @R3 1" in text
    assert "-9" not in text  # a number is not a formula
    assert "remove that one apostrophe" in text and "survey.csv" in text
    assert formula_cells_html({"data/processed/s/responses.csv": responses.iloc[1:, 2:]}) == ""
    assert str(formula_cells_html(tables, max_listed=1)).count("<tr>") == 1 + 1 + 1
    repeated = pd.DataFrame({"group_value": ["+x", "a", "+x"], "figure_id": ["f1", "f2", "f3"]})
    text = text_of(formula_cells_html({"summaries.csv": repeated}))
    assert "2 cells of the CSV files" in text and "summaries.csv 1 group_value +x 2" in text


NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("lang", "read", "kept", "missing"),
    [
        ("en", "10,000,000", "8,500,000", "1,500"),
        ("es", "10.000.000", "8.500.000", "1.500"),
        ("fr", f"10{NNBSP}000{NNBSP}000", f"8{NNBSP}500{NNBSP}000", f"1{NNBSP}500"),
    ],
)
def test_counts_are_written_in_the_editions_number_format(lang, read, kept, missing):
    """Found at 10M respondents (benchmarks/scale.py): '10000000' and '2223548
    respondents without an answer' stood unformatted beside '10,000,000' elsewhere.
    INVENTED counts: 2,000 respondents, 1,500 without an answer to Q1 (French groups
    digits with a narrow no-break space)."""
    from helpers.core import i18n

    responses = pd.DataFrame(
        {
            "respondent_id": [f"R{i}" for i in range(1, 2001)],
            "q1": ["yes"] * 500 + [pd.NA] * 1500,
            "q2": ["useful"] * 2000,
        }
    )
    counts = pd.DataFrame(
        [
            {
                "question": "q1",
                "rows_read": 10_000_000,
                "rows_kept": 8_500_000,
                "rows_missing": 1_500_000,
                "rows_rejected": 0,
                "balanced": True,
            }
        ]
    )
    with i18n.edition(lang):
        html = data_warnings_html(
            pd.DataFrame(columns=EXPORT_REJECT_COLUMNS), counts, responses, BOOK
        )
    markup = str(html)
    assert f">{read}<" in markup and f">{kept}<" in markup  # the table's cells
    assert f" {missing} " in markup  # the sentence: 1,500 respondents without an answer
    assert "10000000" not in markup and " 1500 " not in markup
