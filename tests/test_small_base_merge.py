"""The small-base rule ``merge``: a breakdown's small groups pooled into figures of their own.

Data: the INVENTED example survey (data/examples/invented_survey, 60 rows) and the real
ANES 1996 export (statsmodels, public domain), whose derived group and numeric questions
exercise the recode and the statistics of a pooled group; NHANES II (weighted) for the
refusal. Every pooled figure is checked against plain pandas over the pooled groups and its
selection rule is recounted row by row.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from project_copy import project_stats

from helpers.clean.export import clean_export
from helpers.core.codebook import load_codebook, parse_codebook
from helpers.core.handoff import as_pandas
from helpers.core.selection import apply_rule, parse_rule
from helpers.core.small_base import POOLED, SmallBasePolicy
from helpers.extract.export import read_export
from helpers.report.matrices import breakdown_data
from helpers.summarize.summaries import summarize

ROOT = Path(__file__).resolve().parents[1]
INVENTED = ROOT / "data" / "examples" / "invented_survey"


def _run(book, path: Path, threshold: int):
    result, free = clean_export(read_export(path, book), book, str(path))
    out = summarize(
        result.responses, free, book, project_stats(), SmallBasePolicy(threshold, "merge")
    )
    table = as_pandas(result.responses, categorical=False)
    return out, table


@pytest.fixture(scope="module")
def invented():
    book = load_codebook(INVENTED / "codebook.yaml")
    out, table = _run(book, INVENTED / "survey.csv", 10)
    return book, out, table


def test_pooled_figures_are_the_sums_over_the_small_groups(invented):
    book, out, table = invented
    figures = out.figures.to_pandas().set_index("figure_id")
    q1 = figures[
        (figures["question"] == "q1")
        & (figures["group"] == "region")
        & (figures["kind"] == "answer")
    ]
    small = sorted(
        {c for c, b in zip(q1["group_code"], q1["base"], strict=True) if c != POOLED and 0 < b < 10}
    )
    assert len(small) >= 2, "the invented survey has no two small regions"
    members = table[table["region"].astype("string").isin(small)]
    answered = members[members["q1"].notna()]
    yes = figures.loc[f"q1.region.{POOLED}.1"]
    assert (yes["n"], yes["base"]) == (int((answered["q1"] == "1").sum()), len(answered))
    assert float(yes["pct"]) == pytest.approx(100 * yes["n"] / yes["base"], abs=0.05)
    assert yes["ci_low"] <= yes["pct"] <= yes["ci_high"]
    assert yes["group_value"] == "Other groups (bases under 10)"
    missing = figures.loc[f"q1.region.{POOLED}.missing"]
    assert missing["n"] == int(members["q1"].isna().sum())
    # pooled groups are not tested: the comparison is of the groups themselves
    test = figures.loc["q1.region.test.p"]
    levels = figures[
        (figures["question"] == "q1")
        & (figures["group"] == "region")
        & (figures["kind"] == "answer")
        & (figures["group_code"] != POOLED)
    ]
    assert test["n"] == levels["n"].sum()


def test_every_pooled_rule_recounts_its_figure(invented):
    _, out, table = invented
    figures = out.figures.to_pandas().set_index("figure_id")
    pooled = [r for r in out.rules.iter_rows(named=True) if f".{POOLED}." in r["figure_id"]]
    assert len(pooled) > 20
    for rule in pooled:
        row = figures.loc[rule["figure_id"]]
        assert int(apply_rule(table, parse_rule(rule["numerator"])).sum()) == row["n"], rule
        if row["kind"] in ("answer", "net"):
            assert int(apply_rule(table, parse_rule(rule["base"])).sum()) == row["base"], rule


def test_a_pooled_derived_group_and_numeric_question_on_real_data():
    """ANES 1996: with a threshold of 100, education's small levels pooled and age's pooled
    mean and median are pandas'; with 500, the derived group party3 (a recode of pid) pools
    all three of its groups and its rule names pid's codes (recounted row by row)."""
    raw = yaml.safe_load((ROOT / "data/examples/anes96/codebook.yaml").read_text(encoding="utf-8"))
    book = parse_codebook(copy.deepcopy(raw))
    out, table = _run(book, ROOT / "data/examples/anes96/survey.csv", 100)
    figures = out.figures.to_pandas().set_index("figure_id")
    sizes = table["education"].astype("string").value_counts()
    small = sorted(c for c, n in sizes.items() if n < 100)
    assert len(small) >= 2
    ages = table[table["education"].astype("string").isin(small)]["age"].astype(float)
    mean = figures.loc[f"age.education.{POOLED}.mean"]
    assert mean["n"] == len(ages) and mean["estimate"] == pytest.approx(ages.mean(), rel=1e-12)
    assert figures.loc[f"age.education.{POOLED}.median", "estimate"] == ages.median()
    out, table = _run(book, ROOT / "data/examples/anes96/survey.csv", 500)
    rules = out.rules.to_pandas().set_index("figure_id")
    rule = parse_rule(rules.loc[f"vote.party3.{POOLED}.0", "numerator"])
    assert set(rule) == {"pid", "vote"} and len(rule["pid"]) == 7
    n = out.figures.to_pandas().set_index("figure_id").loc[f"vote.party3.{POOLED}.0", "n"]
    assert int(apply_rule(table, rule).sum()) == n == int((table["vote"] == "0").sum())


def test_a_weighted_survey_refuses_merge():
    book = load_codebook(ROOT / "data/examples/nhanes2/codebook.yaml")
    path = ROOT / "data/examples/nhanes2/nhanes2.csv"
    result, free = clean_export(read_export(path, book), book, str(path))
    with pytest.raises(ValueError, match="merge: expected a survey without a design"):
        summarize(result.responses, free, book, project_stats(), SmallBasePolicy(10, "merge"))


def test_the_matrix_shows_the_pooled_group_in_place_of_the_small_ones(invented):
    _, out, _ = invented
    figures = out.figures.to_pandas()
    rows = figures[(figures["question"] == "q1") & (figures["group"] == "region")]
    overall = figures[(figures["question"] == "q1") & (figures["group"] == "all")]
    kinds = ["answer", "net", "excluded", "missing"]
    policy = SmallBasePolicy(10, "merge")
    t = breakdown_data(
        overall[overall["kind"].isin(kinds)],
        rows[rows["kind"].isin(kinds)],
        "Region",
        policy,
        "Q1 by region",
    )
    away = policy.pooled_away(rows)
    labels = set(rows.loc[rows["group_code"].isin(away), "group_value"])
    assert away and not labels & set(t["columns"])
    assert "Other groups (bases under 10)" in t["columns"]
    assert all(label in t["note"] for label in labels), t["note"]  # it names what it pools
    shown = {c["fig"] for r in t["rows"] for c in r["cells"] if isinstance(c, dict) and "fig" in c}
    assert f"q1.region.{POOLED}.1" in shown
    assert not any(f.split(".")[2] in away for f in shown if f.startswith("q1.region."))
    assert SmallBasePolicy(10, "flag").pooled_away(rows) == set()
