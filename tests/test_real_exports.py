"""A real survey's export through extract, clean and summarize, checked against plain pandas.

Real data: the American National Election Study 1996 subset that statsmodels ships
(``statsmodels.datasets.anes96``, 944 respondents, "This is public domain."), exported
as a survey tool writes float columns (``6.0``: data/examples/anes96/make_export.py),
with a codebook written from the dataset's documentation (integer codes as
documented: data/examples/anes96/codebook.yaml). The failures a new user met with it
(issue 12) are tests here: codes as documented vs as stored, a column that is both
a breakdown and a question, a 24-code question by a 7-level group.
"""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml
from project_copy import STORED_REL, project_stats, summarized
from statsmodels.datasets import anes96

from helpers.clean.export import check_export_responses, clean_export
from helpers.core.codebook import CodebookError, parse_codebook
from helpers.core.errors import SourceError
from helpers.core.handoff import as_pandas
from helpers.extract.export import read_export

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data/examples/anes96"


@pytest.fixture(scope="module")
def raw_book() -> dict:
    return yaml.safe_load((EXAMPLE / "codebook.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    """The shipped data, as statsmodels gives it (floats), independently of the export."""
    return anes96.load_pandas().data


@pytest.fixture(scope="module")
def run(raw_book):
    book = parse_codebook(raw_book)
    path = EXAMPLE / "survey.csv"
    result, free = clean_export(read_export(path, book), book, str(path))
    responses = check_export_responses(result.responses, book, "responses")
    out = summarized(responses, free, book, project_stats())
    return book, result, out.figures


def test_the_committed_export_is_the_shipped_data(data):
    export = pd.read_csv(EXAMPLE / "survey.csv")
    pd.testing.assert_frame_equal(export, data[export.columns.tolist()], check_dtype=False)
    assert "6.0" in (EXAMPLE / "survey.csv").read_text(encoding="utf-8")  # stored as floats


def test_integer_codes_as_documented_match_the_stored_floats_without_rejects(run):
    _, result, _ = run
    assert result.rejects.height == 0
    counts = result.counts
    assert counts["rows_rejected"].sum() == 0
    assert set(counts["rows_kept"].to_list()) == {944}


def _expected(data: pd.DataFrame, column: str, by: str | None) -> dict[tuple[str, str], int]:
    """Plain pandas: {(group code, answer code): n} from the shipped floats."""
    codes = data[column].astype(int).astype(str)
    if by is None:
        return {("all", c): int(n) for c, n in codes.value_counts().items()}
    table = pd.crosstab(data[by].astype(int).astype(str), codes)
    return {(g, c): int(table.loc[g, c]) for g in table.index for c in table.columns}


@pytest.mark.parametrize("qid", ["pid", "self_lr", "clinton_lr", "dole_lr", "income", "vote"])
def test_every_count_and_base_equals_plain_pandas(run, data, qid):
    book, _, figures = run
    q = book.question(qid)
    answers = figures[(figures["question"] == qid) & (figures["kind"] == "answer")]
    for group, column in [("all", None), ("party", "PID"), ("education", "educ")]:
        want = _expected(data, q.source_column, column)
        rows = answers[answers["group"] == group]
        levels = 1 if group == "all" else len(book.group(group).values)
        assert len(rows) == len(q.answers) * levels, (qid, group)
        for _, r in rows.iterrows():
            assert r["n"] == want.get((r["group_code"], r["answer_code"]), 0), r["figure_id"]
        bases = rows.groupby("group_code")["base"].first()
        for code, base in bases.items():
            members = (
                944 if group == "all" else int((data[column].astype(int).astype(str) == code).sum())
            )
            assert base == members, (qid, group, code)


def test_a_24_code_question_by_a_7_level_group(run, data):
    """Income (24 codes) by education (7 levels): 168 cells, each as pandas counts it."""
    _, _, figures = run
    rows = figures[
        (figures["question"] == "income")
        & (figures["group"] == "education")
        & (figures["kind"] == "answer")
    ]
    assert len(rows) == 24 * 7
    table = pd.crosstab(data["educ"].astype(int), data["income"].astype(int))
    for _, r in rows.iterrows():
        g, a = int(r["group_code"]), int(r["answer_code"])
        want = int(table.loc[g, a]) if g in table.index and a in table.columns else 0
        assert r["n"] == want, r["figure_id"]
    assert rows["n"].sum() == 944


def test_a_column_that_is_both_a_breakdown_and_a_question(run, data):
    """PID is the group `party` and the question `pid`: the same codes in both."""
    _, result, figures = run
    responses = as_pandas(result.responses, categorical=False)
    assert (responses["party"] == responses["pid"]).all()
    diagonal = figures[
        (figures["question"] == "pid")
        & (figures["group"] == "party")
        & (figures["kind"] == "answer")
    ]
    for _, r in diagonal.iterrows():
        if r["group_code"] == r["answer_code"]:
            assert r["n"] == r["base"] == (data["PID"] == int(r["answer_code"])).sum()
        else:
            assert r["n"] == 0


def test_codes_written_as_text_stop_clean_naming_the_question_and_codes(raw_book, tmp_path):
    """A codebook whose codes cannot match the export sets aside every cell: clean stops."""
    book_data = copy.deepcopy(raw_book)
    pid = next(q for q in book_data["questions"] if q["id"] == "pid")
    for a in pid["answers"]:
        a["code"] = a["label"].lower().replace(" ", "_")
    book_data["groups"] = [g for g in book_data["groups"] if g["id"] != "party3"]  # its pid codes
    for q in book_data["questions"]:
        if q.get("breakdowns"):
            q["breakdowns"] = [g for g in q["breakdowns"] if g != "party3"]
    book = parse_codebook(book_data)
    path = EXAMPLE / "survey.csv"
    with pytest.raises(SourceError) as err:
        clean_export(read_export(path, book), book, str(path), max_reject_share=0.5)
    text = str(err.value)
    assert text.startswith(f"{path}:2: expected at most 50% of pid's answered cells set aside")
    assert "944 of 944 (100.0%)" in text and "first '0.0', '1.0'" in text


def test_a_weight_outside_a_design_section_is_refused_not_ignored(raw_book):
    book_data = {**copy.deepcopy(raw_book), "weight": "w"}
    with pytest.raises(CodebookError, match=r"key 'weight' refused: .*design: \{weight: "):
        parse_codebook(book_data)


def test_a_design_naming_a_column_the_export_lacks_stops_extract(raw_book):
    book = parse_codebook({**copy.deepcopy(raw_book), "design": {"weight": "finalwgt"}})
    path = EXAMPLE / "survey.csv"
    with pytest.raises(SourceError, match=r"survey.csv:1: .*no column\(s\) \['finalwgt'\]"):
        read_export(path, book)


NUMERIC = {"age": "age", "tv_news": "TVnews", "popul": "popul"}
STATS = {"mean": "mean", "median": "median", "min": "min", "max": "max"}


def _plain_numeric(values: pd.Series) -> dict[str, float]:
    """A numeric question's statistics by plain pandas (quantiles: linear, type 7)."""
    return {
        "mean": values.mean(),
        "median": values.quantile(0.5),
        "p25": values.quantile(0.25),
        "p75": values.quantile(0.75),
        "min": values.min(),
        "max": values.max(),
    }


@pytest.mark.parametrize("qid", sorted(NUMERIC))
def test_numeric_statistics_equal_plain_pandas_overall_and_by_every_group(run, data, qid):
    book, _, figures = run
    column = NUMERIC[qid]
    groups = {"all": None, "party": "PID", "education": "educ", "vote": "vote"}
    checked = 0
    for group, by in groups.items():
        rows = figures[(figures["question"] == qid) & (figures["group"] == group)]
        assert len(rows), (qid, group)
        parts = (
            [("all", data[column])]
            if by is None
            else [(str(int(code)), part[column]) for code, part in data.groupby(by)]
        )
        for code, values in parts:
            got = rows[rows["group_code"] == code].set_index("stat")
            for stat, expected in _plain_numeric(values).items():
                assert got.loc[stat, "estimate"] == pytest.approx(expected, rel=STORED_REL), (
                    qid,
                    group,
                    code,
                    stat,
                )
                assert got.loc[stat, "n"] == len(values) == got.loc[stat, "base"]
                checked += 1
    assert checked >= 6 * (1 + 7 + 7 + 2)


def test_a_mean_s_interval_is_student_s_t_as_scipy_gives_it(run, data):
    from scipy import stats

    _, _, figures = run
    for code, part in data.groupby("PID"):
        values = part["age"]
        row = figures[figures["figure_id"] == f"age.party.{int(code)}.mean"].iloc[0]
        low, high = stats.t.interval(
            0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values)
        )
        assert (row["ci_lower"], row["ci_upper"]) == (
            pytest.approx(low, rel=STORED_REL),
            pytest.approx(high, rel=STORED_REL),
        )
        assert row["se"] == pytest.approx(stats.sem(values), rel=STORED_REL)
        assert row["ci_method"] == "t"
        shown = Decimal(repr(float(values.mean()))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        assert row["shown"] == str(shown)  # params.yaml: numeric_decimals 1, half away from 0


def test_a_percentage_row_carries_its_unrounded_estimate_and_binomial_se(run, data):
    _, _, figures = run
    row = figures[figures["figure_id"] == "pid.all.all.6"].iloc[0]
    n = int((data["PID"] == 6).sum())
    assert (row["n"], row["base"], row["stat"]) == (n, 944, "pct")
    assert row["estimate"] == pytest.approx(100 * n / 944, rel=STORED_REL)
    p = n / 944
    assert row["se"] == pytest.approx(100 * (p * (1 - p) / 944) ** 0.5, rel=STORED_REL)
    assert float(row["ci_low"]) == round(row["ci_lower"], 1)
    assert pd.isna(row["n_weighted"]) and pd.isna(row["deff"])  # no design: unweighted


def test_per_question_breakdowns_replace_the_codebook_s_for_that_question(raw_book):
    data = copy.deepcopy(raw_book)
    questions = {q["id"]: q for q in data["questions"]}
    questions["income"]["breakdowns"] = ["education"]  # not by party
    questions["vote"]["breakdowns"] = []  # overall only
    book = parse_codebook(data)
    assert book.breakdowns_of(book.question("pid")) == ("party", "education")
    path = EXAMPLE / "survey.csv"
    result, free = clean_export(read_export(path, book), book, str(path))
    figures = summarized(result.responses, free, book, project_stats()).figures
    groups = figures.groupby("question")["group"].agg(lambda g: sorted(set(g))).to_dict()
    assert groups["income"] == ["all", "education"]
    assert groups["vote"] == ["all", "self_lr"]  # its cross-tabulation stays
    assert groups["pid"] == ["all", "education", "party"]
    questions["vote"]["breakdowns"] = ["region"]
    with pytest.raises(CodebookError, match=r"question vote: breakdowns: no group 'region'"):
        parse_codebook(data)


def test_two_free_text_questions_on_one_respondent(raw_book, tmp_path):
    """Issue 12's failure 4: a respondent answering two open questions (invented texts).

    The two text columns are INVENTED, added to the real export for this test only.
    """
    export = pd.read_csv(EXAMPLE / "survey.csv", dtype=str, keep_default_na=False)
    export["why_vote"] = ["" if i % 3 else f"reason {i}" for i in range(len(export))]
    export["comment"] = ["" if i % 2 else f"comment {i}" for i in range(len(export))]
    path = tmp_path / "survey.csv"
    export.to_csv(path, index=False, lineterminator="\n")
    data = copy.deepcopy(raw_book)
    data["questions"] += [
        {"id": "why_vote", "type": "free_text", "text": "Why?"},
        {"id": "comment", "type": "free_text", "text": "Any comment?"},
    ]
    book = parse_codebook(data)
    result, free = clean_export(read_export(path, book), book, str(path))
    both = free.filter(free["line"] == 2)  # respondent 1 (index 0) answered both
    assert sorted(both["question"].to_list()) == ["comment", "why_vote"]
    figures = summarized(result.responses, free, book, project_stats()).figures
    counts = figures[figures["kind"] == "free_text"].set_index("figure_id")["n"]
    assert counts["why_vote.all.all.count"] == sum(1 for i in range(944) if i % 3 == 0)
    assert counts["comment.all.all.count"] == sum(1 for i in range(944) if i % 2 == 0)
