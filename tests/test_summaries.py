import re
from decimal import Decimal

import pandas as pd
import pytest
from doc_facts import MINI_FREE_TEXT, MINI_ORGS
from project_copy import project_stats, summarized

from helpers.clean.reconcile import reconcile

SP = project_stats()


def _inputs(parsed, codebook):
    return reconcile(parsed.mentions, codebook).responses, parsed.free_text


@pytest.fixture(scope="module")
def real(parsed_source, codebook):
    responses, free_text = _inputs(parsed_source, codebook)
    return responses, free_text, summarized(responses, free_text, codebook, SP)


@pytest.fixture(scope="module")
def mini(parsed_mini, codebook):
    responses, free_text = _inputs(parsed_mini, codebook)
    return responses, free_text, summarized(responses, free_text, codebook, SP)


def _answers(figures, question, group):
    return figures[
        (figures["question"] == question)
        & (figures["group"] == group)
        & (figures["kind"] == "answer")
    ]


def _cell(table, row, column):
    """A count of a crosstab; pandas drops empty rows and columns."""
    return table.loc[row, column] if row in table.index and column in table.columns else 0


@pytest.mark.parametrize("which", ["real", "mini"])
def test_counts_equal_value_counts(which, request, codebook):
    responses, _, result = request.getfixturevalue(which)
    figures = result.figures
    for q in codebook.categorical:
        overall = responses[q.id].value_counts()
        rows = _answers(figures, q.id, "all").set_index("answer_code")
        assert rows["n"].to_dict() == {o.code: int(overall.get(o.code, 0)) for o in q.answers}
        assert set(rows["base"]) == {int(responses[q.id].notna().sum())}
        for group in codebook.by_group:
            table = pd.crosstab(responses[group], responses[q.id])
            rows = _answers(figures, q.id, group)
            assert len(rows) == len(q.answers) * responses[group].nunique()
            for _, r in rows.iterrows():
                key = r["group_value"] if group == "country" else r["group_code"]
                assert r["n"] == _cell(table, key, r["answer_code"]), r["figure_id"]
                answered = responses[(responses[group] == key) & responses[q.id].notna()]
                assert r["base"] == len(answered), r["figure_id"]


@pytest.mark.parametrize("which", ["real", "mini"])
def test_crosstab_counts(which, request):
    responses, _, result = request.getfixturevalue(which)
    table = pd.crosstab(responses["q1"], responses["q2"])
    rows = _answers(result.figures, "q2", "q1")
    assert len(rows) == 2 * 5
    for _, r in rows.iterrows():
        assert r["n"] == _cell(table, r["group_code"], r["answer_code"]), r["figure_id"]


def test_mini_survey_figures_by_hand(mini):
    _, _, result = mini
    f = result.figures.set_index("figure_id")
    expected = {
        "respondents.all.all": (7, 7),
        "respondents.oas_registered.registered": (3, 7),
        "respondents.country.mexico": (2, 7),
        "respondents.country.costa_rica": (1, 7),
        "q1.all.all.yes": (4, 7),
        "q1.all.all.no": (3, 7),
        "q1.oas_registered.not_registered.yes": (2, 4),
        "q2.all.all.very_useful": (3, 6),
        "q2.all.all.unnecessary": (0, 6),
        "q2.all.all.missing": (1, 7),
        "q2.country.bolivia.missing": (1, 1),
        "q2.country.bolivia.very_useful": (0, 0),
        "q2.q1.yes.very_useful": (2, 3),
        "q2.q1.no.dont_know": (1, 3),
        "q2.oas_registered.not_registered.missing": (1, 4),
    }
    for fid, (n, base) in expected.items():
        assert (f.loc[fid, "n"], f.loc[fid, "base"]) == (n, base), fid
    assert f.loc["q1.all.all.yes", "pct"] == Decimal("57.1")
    assert f.loc["q2.all.all.very_useful", "pct"] == Decimal("50.0")
    # an empty base has no percentage and no interval
    assert pd.isna(f.loc["q2.country.bolivia.very_useful", "pct"])
    assert pd.isna(f.loc["q2.country.bolivia.very_useful", "ci_low"])
    missing = f.loc["q2.all.all.missing"]
    assert (missing["kind"], missing["answer"]) == ("missing", "No answer")
    assert pd.isna(missing["pct"])
    assert "q1.all.all.missing" not in f.index  # everyone answered Q1


def test_bases_exclude_missing_answers(mini):
    responses, _, result = mini
    answered = int(responses["q2"].notna().sum())
    assert answered == len(responses) - 1 == sum(v[4] is not None for v in MINI_ORGS.values())
    rows = _answers(result.figures, "q2", "all")
    assert set(rows["base"]) == {answered}
    assert rows["n"].sum() == answered


def test_free_text_counts(mini, real, codebook):
    _, free_text, result = mini
    f = result.figures.set_index("figure_id")
    for q in codebook.free_text:
        total = sum(n for (qid, _), n in MINI_FREE_TEXT.items() if qid == q.id)
        assert f.loc[f"{q.id}.all.all.count", "n"] == total == (free_text["question"] == q.id).sum()
        for item in q.items:
            assert f.loc[f"{q.id}.item.{item.code}.count", "n"] == MINI_FREE_TEXT.get(
                (q.id, item.code), 0
            )
    _, real_free, real_result = real
    g = real_result.figures.set_index("figure_id")
    assert [g.loc[f"q3.item.{i}.count", "n"] for i in range(1, 9)] == [4, 3, 4, 4, 2, 4, 7, 3]
    assert g.loc["q3.item.7.count", "group_value"] == "Legal aid in migration proceedings"


FIGURE_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+(\.[a-z0-9_]+)?$")


@pytest.mark.parametrize("which", ["real", "mini"])
def test_figure_ids_unique_and_well_formed(which, request):
    _, _, result = request.getfixturevalue(which)
    ids = result.figures["figure_id"]
    assert ids.is_unique
    assert all(FIGURE_ID.match(i) for i in ids), [i for i in ids if not FIGURE_ID.match(i)]
    for _, r in result.figures[result.figures["kind"] == "answer"].iterrows():
        parts = (r["question"], r["group"], r["group_code"], r["answer_code"])
        assert r["figure_id"] == ".".join(parts)


def test_figure_ids_stable_under_reordering(real, codebook):
    responses, free_text, result = real
    shuffled = responses.sample(frac=1, random_state=7).reset_index(drop=True)
    again = summarized(shuffled, free_text.iloc[::-1], codebook, SP)
    pd.testing.assert_frame_equal(again.figures, result.figures)
    assert summarized(responses, free_text, codebook, SP).figures.equals(result.figures)


def test_published_real_figures(real):
    _, _, result = real
    f = result.figures.set_index("figure_id")
    assert (f.loc["q1.all.all.yes", "n"], f.loc["q1.all.all.yes", "base"]) == (9, 15)
    assert f.loc["q1.all.all.yes", "pct"] == Decimal("60.0")
    assert (f.loc["q1.all.all.yes", "ci_low"], f.loc["q1.all.all.yes", "ci_high"]) == (
        Decimal("35.7"),
        Decimal("80.2"),
    )
    assert f.loc["q2.all.all.very_useful", "n"] == 10
    assert f.loc["q1.oas_registered.registered.yes", "n"] == 3


@pytest.mark.parametrize("which", ["real", "mini"])
def test_percentages_sum_to_100_within_rounding(which, request):
    _, _, result = request.getfixturevalue(which)
    answers = result.figures[(result.figures["kind"] == "answer") & (result.figures["base"] > 0)]
    for key, rows in answers.groupby(["question", "group", "group_code"]):
        total = sum(rows["pct"])
        assert abs(total - 100) <= Decimal("0.05") * len(rows), (key, total)
        for _, r in rows.iterrows():
            assert r["ci_low"] <= r["pct"] <= r["ci_high"], r["figure_id"]


def test_stats_params_change_rounding(mini, codebook):
    responses, free_text, _ = mini
    sp = project_stats(ci_method="clopper_pearson", pct_decimals=2, rounding="truncate")
    f = summarized(responses, free_text, codebook, sp).figures.set_index("figure_id")
    assert f.loc["q1.all.all.yes", "pct"] == Decimal("57.14")
    assert f.loc["q2.all.all.moderately_useful", "pct"] == Decimal("16.66")


def test_the_same_figures_from_pandas_and_polars(real, codebook):
    """narwhals: the summary code gives the same table whatever frame library holds the rows."""
    import polars as pl

    from helpers.summarize.summaries import summarize

    responses, free_text, _ = real
    from_pandas = summarize(responses, free_text, codebook, SP)
    from_polars = summarize(pl.from_pandas(responses), pl.from_pandas(free_text), codebook, SP)
    assert from_polars.figures.equals(from_pandas.figures)
    assert from_polars.rules.equals(from_pandas.rules)
    lazy = summarize(
        pl.from_pandas(responses).lazy(), pl.from_pandas(free_text).lazy(), codebook, SP
    )
    assert lazy.figures.equals(from_pandas.figures)
