"""The codebook language of real questionnaires: derived variables, nets, bases, routing.

Real data: ANES 1996 as statsmodels ships it (public domain; data/examples/anes96). Its
codebook recodes party identification into three groups (``party3``, derived from
``pid``), nets the self-placement scale (liberal 1-3, conservative 5-7) and breaks age
down by a question (``vote``). Routing and "Don't know" are tried on copies of that
codebook and export, edited here (the edits are INVENTED, the rows are real).
Every figure is checked against plain pandas on statsmodels' own data, and every
selection rule against the count it gives when applied row by row.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml
from project_copy import STORED_REL, project_stats, summarized
from statsmodels.datasets import anes96

from helpers.clean.export import clean_export
from helpers.core.codebook import CodebookError, parse_codebook
from helpers.core.handoff import as_pandas
from helpers.core.selection import apply_rule, parse_rule
from helpers.extract.export import read_export
from helpers.summarize.summaries import summarize

EXAMPLE = Path(__file__).resolve().parents[1] / "data/examples/anes96"


@pytest.fixture(scope="module")
def raw_book() -> dict:
    return yaml.safe_load((EXAMPLE / "codebook.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return anes96.load_pandas().data


def _run(book_data: dict, path: Path = EXAMPLE / "survey.csv"):
    book = parse_codebook(book_data)
    result, free = clean_export(read_export(path, book), book, str(path))
    out = summarize(result.responses, free, book, project_stats())
    return book, result, out


@pytest.fixture(scope="module")
def run(raw_book):
    return _run(copy.deepcopy(raw_book))


def _figures(out) -> pd.DataFrame:
    return out.figures.to_pandas().set_index("figure_id")


def test_every_rule_applied_row_by_row_gives_its_count(run):
    """Numerators and bases of every figure, as provenance states them, recount exactly."""
    _, result, out = run
    table = as_pandas(result.responses, categorical=False)
    figures = _figures(out)
    checked = 0
    for rule in out.rules.iter_rows(named=True):
        row = figures.loc[rule["figure_id"]]
        if row["kind"] == "free_text":
            continue
        assert int(apply_rule(table, parse_rule(rule["numerator"])).sum()) == row["n"], rule
        if row["kind"] in ("answer", "net"):
            assert int(apply_rule(table, parse_rule(rule["base"])).sum()) == row["base"], rule
        checked += 1
    assert checked > 1000


def test_a_derived_group_counts_its_source_codes_and_its_rule_shows_the_recode(run, data):
    _, _, out = run
    figures = _figures(out)
    democrats = data[data["PID"].isin([0, 1, 2])]
    row = figures.loc["vote.party3.dem.1"]  # Dole voters among Democrats
    assert (row["n"], row["base"]) == (int((democrats["vote"] == 1).sum()), len(democrats))
    rules = out.rules.to_pandas().set_index("figure_id")
    assert parse_rule(rules.loc["vote.party3.dem.1", "numerator"]) == {
        "pid": ["0", "1", "2"],
        "vote": "1",
    }
    assert figures.loc["respondents.party3.rep", "n"] == int(data["PID"].isin([4, 5, 6]).sum())


def test_a_net_is_the_sum_of_its_answers_on_the_same_base(run, data):
    _, _, out = run
    figures = _figures(out)
    net = figures.loc["self_lr.all.all.liberal"]
    assert net["n"] == int(data["selfLR"].isin([1, 2, 3]).sum()) and net["base"] == 944
    assert net["kind"] == "net" and net["estimate"] == pytest.approx(100 * net["n"] / 944)
    parts = sum(figures.loc[f"self_lr.all.all.{c}", "n"] for c in (1, 2, 3))
    assert net["n"] == parts
    for code, part in data.groupby("PID"):
        row = figures.loc[f"self_lr.party.{int(code)}.conservative"]
        assert row["n"] == int(part["selfLR"].isin([5, 6, 7]).sum()) and row["base"] == len(part)


def test_a_question_used_as_a_group(run, data):
    _, _, out = run
    figures = _figures(out)
    for code, part in data.groupby("vote"):
        assert figures.loc[f"age.vote.{int(code)}.mean", "estimate"] == pytest.approx(
            part["age"].mean(), rel=STORED_REL
        )
        assert figures.loc[f"respondents.vote.{int(code)}", "n"] == len(part)


def test_an_answer_excluded_from_the_base_is_counted_beside_it(raw_book, data):
    book_data = copy.deepcopy(raw_book)
    clinton = next(q for q in book_data["questions"] if q["id"] == "clinton_lr")
    clinton["excluded_from_base"] = [4]  # INVENTED: "Moderate" treated as "Don't know"
    _, _, out = _run(book_data)
    figures = _figures(out)
    moderate = int((data["ClinLR"] == 4).sum())
    row = figures.loc["clinton_lr.all.all.4"]
    assert (row["kind"], row["n"], row["base"]) == ("excluded", moderate, 944)
    assert pd.isna(row["pct"])
    answers = figures[
        (figures["question"] == "clinton_lr")
        & (figures["group"] == "all")
        & (figures["kind"] == "answer")
    ]
    assert set(answers["base"]) == {944 - moderate}
    assert answers["estimate"].sum() == pytest.approx(100.0)
    liberal = figures.loc["clinton_lr.party.0.1"]
    strong = data[data["PID"] == 0]
    assert liberal["base"] == int((strong["ClinLR"] != 4).sum())


def test_routing_bases_on_the_routed_and_lists_violations(raw_book, data, tmp_path):
    """INVENTED routing: TV news asked only of Dole voters; three Clinton voters answered."""
    export = pd.read_csv(EXAMPLE / "survey.csv", dtype=str, keep_default_na=False)
    clinton = export.index[export["vote"] == "0.0"]
    violators = list(clinton[:3])
    export.loc[clinton[3:], "TVnews"] = ""
    path = tmp_path / "survey.csv"
    export.to_csv(path, index=False, lineterminator="\n")
    book_data = copy.deepcopy(raw_book)
    tv = next(q for q in book_data["questions"] if q["id"] == "tv_news")
    tv["asked_if"] = {"vote": [1]}
    book, result, out = _run(book_data, path)
    rejects = result.rejects.filter(result.rejects["question"] == "tv_news")
    assert rejects["source_line"].to_list() == [i + 2 for i in violators]
    assert rejects["reason"][0] == (
        "routing violation: answered tv_news, asked only if vote in 1; found vote = 0"
    )
    figures = _figures(out)
    dole = data[data["vote"] == 1]
    mean = figures.loc["tv_news.all.all.mean"]
    assert (mean["n"], mean["base"]) == (len(dole), len(dole))
    assert mean["estimate"] == pytest.approx(dole["TVnews"].mean(), rel=STORED_REL)
    assert "tv_news.all.all.missing" not in figures.index  # Clinton voters were not asked
    rules = out.rules.to_pandas().set_index("figure_id")
    assert parse_rule(rules.loc["tv_news.party.6.mean", "numerator"]) == {
        "vote": ["1"],
        "party": "6",
        "tv_news": "<answered>",
    }
    counts = result.counts.filter(result.counts["question"] == "tv_news").row(0, named=True)
    assert counts["rows_rejected"] == 3 and counts["balanced"]


def test_routing_on_a_group_read_from_its_own_column(raw_book, data):
    """INVENTED routing on a plain group (education, column educ; it crashed routing_order
    with a KeyError): TV news asked only of college graduates and above (codes 6, 7)."""
    book_data = copy.deepcopy(raw_book)
    tv = next(q for q in book_data["questions"] if q["id"] == "tv_news")
    tv["asked_if"] = {"education": [6, 7]}
    book, result, out = _run(book_data)
    asked = data["educ"].isin([6, 7])
    rejects = result.rejects.filter(result.rejects["question"] == "tv_news")
    assert len(rejects) == int((~asked & data["TVnews"].notna()).sum())
    mean = _figures(out).loc["tv_news.all.all.mean"]
    assert (mean["n"], mean["base"]) == (int(asked.sum()), int(asked.sum()))
    assert mean["estimate"] == pytest.approx(data.loc[asked, "TVnews"].mean(), rel=STORED_REL)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda b: b["questions"][1]["nets"][0].update(of=[1, 9]),
            "net 'liberal' combines answer codes of self_lr",
        ),
        (lambda b: b["groups"][2]["values"][1].update(of=[3, 2]), "code(s) ['2'] recoded twice"),
        (lambda b: b["groups"][2].update(derived_from="nothing"), "derived_from names 'nothing'"),
        (lambda b: b["questions"][2].update(asked_if={"colour": [1]}), "asked_if names 'colour'"),
        (
            lambda b: b["questions"][2].update(asked_if={"vote": [7]}),
            "asked_if vote: codes of vote",
        ),
        (lambda b: b["questions"][2].update(excluded_from_base=[9]), "excluded_from_base names"),
    ],
)
def test_the_language_refuses_codes_and_variables_that_do_not_exist(raw_book, edit, message):
    book_data = copy.deepcopy(raw_book)
    edit(book_data)
    with pytest.raises(
        CodebookError,
        match=message.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("[", r"\[")
        .replace("]", r"\]"),
    ):
        parse_codebook(book_data)


def test_a_weighted_answer_excluded_from_the_base_has_its_sums_of_weights():
    """NHANES II (real, weighted; INVENTED exclusion of region 4): the excluded answer's
    weighted count and base are plain sums of weights (pandas), beside its unweighted n."""
    here = Path(__file__).resolve().parents[1] / "data/examples/nhanes2"
    data = yaml.safe_load((here / "codebook.yaml").read_text(encoding="utf-8"))
    next(q for q in data["questions"] if q["id"] == "region")["excluded_from_base"] = [4]
    book = parse_codebook(data)
    path = here / "nhanes2.csv"
    result, free = clean_export(read_export(path, book), book, str(path))
    figures = summarized(result.responses, free, book, project_stats()).figures.set_index(
        "figure_id"
    )
    rows = pd.read_csv(path)
    for domain, members in (("all.all", rows), ("race.2", rows[rows["race"] == 2])):
        west = figures.loc[f"region.{domain}.4"]
        assert west["kind"] == "excluded" and west["n"] == int((members["region"] == 4).sum())
        assert west["n_weighted"] == pytest.approx(
            members.loc[members["region"] == 4, "finalwgt"].sum(), rel=STORED_REL
        )
        assert west["base_weighted"] == pytest.approx(members["finalwgt"].sum(), rel=STORED_REL)


def test_a_weighted_net_is_the_sum_of_its_weighted_answers():
    """NHANES II (real, weighted): a net of two regions equals the sum of their shares."""
    here = Path(__file__).resolve().parents[1] / "data/examples/nhanes2"
    data = yaml.safe_load((here / "codebook.yaml").read_text(encoding="utf-8"))
    region = next(q for q in data["questions"] if q["id"] == "region")
    region["nets"] = [{"code": "north", "label": "Northeast or Midwest", "of": [1, 2]}]
    book = parse_codebook(data)
    path = here / "nhanes2.csv"
    result, free = clean_export(read_export(path, book), book, str(path))
    figures = summarized(result.responses, free, book, project_stats()).figures.set_index(
        "figure_id"
    )
    for domain in ("all.all", "race.1", "race.2", "race.3"):
        net = figures.loc[f"region.{domain}.north"]
        parts = figures.loc[[f"region.{domain}.1", f"region.{domain}.2"]]
        assert net["estimate"] == pytest.approx(parts["estimate"].sum(), rel=1e-9)
        assert net["n_weighted"] == pytest.approx(parts["n_weighted"].sum(), rel=STORED_REL)
        assert net["se"] > 0 and net["deff"] > 0


def test_the_report_says_a_routed_numeric_question_was_asked_of_some(raw_book):
    """The routing note of a numeric question's section (INVENTED routing, real rows)."""
    from helpers.core.small_base import SmallBasePolicy
    from helpers.report.numeric_sections import numeric_section

    book_data = copy.deepcopy(raw_book)
    tv = next(q for q in book_data["questions"] if q["id"] == "tv_news")
    tv["asked_if"] = {"vote": [1]}
    book = parse_codebook(book_data)
    path = EXAMPLE / "survey.csv"
    # 58% of the answers are routing violations: not unknown codes, so clean goes on
    result, free = clean_export(read_export(path, book), book, str(path), max_reject_share=0.5)
    figures = summarized(result.responses, free, book, project_stats()).figures
    html = numeric_section(
        book, book.question("tv_news"), figures, project_stats(), SmallBasePolicy(10, "flag"), []
    )
    assert "Asked only of respondents whose Expected vote is Dole" in html
    routed = result.rejects.filter(result.rejects["question"] == "tv_news").height
    assert routed == int((anes96.load_pandas().data["vote"] == 0).sum())  # every Clinton voter
