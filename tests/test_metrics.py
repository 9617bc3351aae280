"""DVC metrics (metrics.json): each question's leading figure with its interval.

Checked on the committed outputs of every shipped survey against summaries.csv read by
plain pandas, so that ``dvc metrics diff`` shows what a change of data or parameters did
(a change of ``stats.ci_level`` moves every ``ci_low``/``ci_high``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.core.answers import AFFIRMATIVE
from helpers.core.codebook import load_codebook

REPO = Path(__file__).resolve().parents[1]
PARAMS = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("survey", list(PARAMS["surveys"]))
def test_each_question_leads_with_its_largest_share_or_yes_and_its_interval(survey):
    book = load_codebook(REPO / PARAMS["surveys"][survey]["codebook"])
    out = REPO / "data" / "processed" / survey
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    figures = pd.read_csv(out / "summaries.csv", dtype={"answer_code": str}).set_index("figure_id")
    assert metrics["respondents"] == figures.loc["respondents.all.all", "n"]
    weighted = book.design is not None
    for q in book.closed:
        answers = figures[
            (figures["question"] == q.id)
            & (figures["group"] == "all")
            & (figures["kind"] == "answer")
        ]
        answers = answers[~answers["answer_code"].isin([str(c) for c in q.neutral])]
        ((code, got),) = metrics[q.id].items()
        labels = {str(o.code): o.label for o in q.answers}
        yes = [c for c in answers["answer_code"] if labels[c].casefold() in AFFIRMATIVE]
        if q.type != "multiple_choice" and len(answers) == 2 and len(yes) == 1:
            assert code == yes[0], q.id
        else:
            assert answers.loc[f"{q.id}.all.all.{code}", "pct"] == answers["pct"].max(), q.id
        row = figures.loc[f"{q.id}.all.all.{code}"]
        assert (got["pct"], got["ci_low"], got["ci_high"], got["n_unweighted"]) == (
            row["pct"],
            row["ci_low"],
            row["ci_high"],
            row["n"],
        ), q.id
        _counts_named(got, row, weighted)
    for q in book.numeric:
        row = figures.loc[f"{q.id}.all.all.mean"]
        got = metrics[q.id]["mean"]
        assert got["mean"] == pytest.approx(row["estimate"], rel=1e-11)
        assert got["ci_low"] == pytest.approx(row["ci_lower"], rel=1e-11)
        assert got["ci_high"] == pytest.approx(row["ci_upper"], rel=1e-11)
        assert got["n_unweighted"] == row["n"]
        _counts_named(got, row, weighted)


def _counts_named(got: dict, row: pd.Series, weighted: bool) -> None:
    """No bare ``n`` beside a weighted figure: the unweighted count says so, and a weighted
    survey's estimated population (sum of weights) is there beside it."""
    assert "n" not in got
    if weighted:
        assert got["n_weighted"] == pytest.approx(float(row["n_weighted"]), rel=1e-11)
    else:
        assert "n_weighted" not in got
