"""The key findings are chosen from the figures (helpers.report.findings).

Two kinds of input: INVENTED summaries rows (small, labelled as such, to pin one rule
each), and the committed summaries of the real ANES 1996 export, where what the findings
say is checked against plain pandas over the same table.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.core.codebook import load_codebook
from helpers.core.small_base import SmallBasePolicy
from helpers.core.tables import read_csv
from helpers.report import findings

REPO = Path(__file__).resolve().parents[1]


def _answer(
    qid: str, group: str, code: str, answer: str, answer_code: str, n: int, base: int
) -> dict:
    """One INVENTED answer row of a summaries table."""
    return {
        "figure_id": f"{qid}.{group}.{code}.{answer_code}",
        "question": qid,
        "group": group,
        "group_code": code,
        "group_value": code.title(),
        "answer": answer,
        "answer_code": answer_code,
        "kind": "answer",
        "n": n,
        "base": base,
        "pct": round(100 * n / base, 1),
        "ci_low": 0.0,
        "ci_high": 100.0,
        "stat": "pct",
        "estimate": 100 * n / base,
        "shown": f"{100 * n / base:.1f}",
        "ci_method": "wilson",
    }


@pytest.fixture(scope="module")
def book():
    return load_codebook(REPO / "codebooks" / "oas_2013.yaml")


def test_the_leading_answer_is_the_largest_share_not_the_first_code(book):
    q2 = book.question("q2")  # very_useful is its first code; dont_know is declared neutral
    rows = pd.DataFrame(
        [
            _answer("q2", "all", "all", o.label, o.code, n, 20)
            for o, n in zip(q2.answers, (2, 5, 3, 1, 9), strict=True)
        ]
    )
    lead = findings.leading_answer(rows, q2)
    assert [label for label, _ in lead["answers"]] == ["Moderately useful"]
    assert lead["answers"][0][1].figure_id == "q2.all.all.moderately_useful"
    assert not lead["majority"]  # 25% is the most common answer, not "most answered"
    tied = rows.assign(n=[5, 5, 3, 1, 6], pct=[25.0, 25.0, 15.0, 5.0, 30.0])
    assert len(findings.leading_answer(tied, q2)["answers"]) == 2  # a tie names both


def _test_rows(qid: str, group: str, p_adjusted: float) -> list[dict]:
    """INVENTED test rows of one comparison."""
    return [
        {
            "figure_id": f"{qid}.{group}.test.{part}",
            "question": qid,
            "group": group,
            "group_code": "test",
            "answer_code": part,
            "kind": "test",
            "n": 40,
            "base": 40,
            "stat": part,
            "estimate": p_adjusted,
            "shown": f"{p_adjusted:.3f}",
            "ci_method": "holm" if part == "p_adjusted" else "fisher_exact",
            "group_value": "",
            "answer": part,
        }
        for part in ("statistic", "df", "p", "p_adjusted")
    ]


def test_only_comparisons_below_alpha_are_named_and_small_groups_are_not_ends(book):
    rows = [
        _answer("q1", "country", "ar", "Yes", "yes", 18, 20),
        _answer("q1", "country", "ar", "No", "no", 2, 20),
        _answer("q1", "country", "bo", "Yes", "yes", 3, 15),
        _answer("q1", "country", "bo", "No", "no", 12, 15),
        _answer("q1", "country", "cl", "Yes", "yes", 0, 5),  # small base: never an end
        _answer("q1", "country", "cl", "No", "no", 5, 5),
    ]
    rows += _test_rows("q1", "country", 0.01) + _test_rows("q1", "oas_registered", 0.2)
    summaries = pd.DataFrame(rows)
    found, tested = findings.comparisons(book, summaries, SmallBasePolicy(10, "flag"), 0.05)
    assert tested == 2 and len(found) == 1
    (x,) = found
    assert x["short"] == "Knew the program" and x["by"] == "country"
    assert x["p"].text == "= 0.010" and x["p"].figure_id == "q1.country.test.p_adjusted"
    gap = x["gap"]  # the widest gap between groups of 10 or more: Bolivia 20% to Argentina 90%
    assert gap["low"][1] == "Bo" and gap["high"][1] == "Ar"
    assert {gap["low"][0].figure_id, gap["high"][0].figure_id} in (
        {"q1.country.bo.yes", "q1.country.ar.yes"},
        {"q1.country.bo.no", "q1.country.ar.no"},
    )
    none_found, _ = findings.comparisons(book, summaries, SmallBasePolicy(10, "flag"), 0.001)
    assert none_found == []


def test_the_anes96_findings_say_what_its_figures_say():
    """The committed ANES 1996 report: its key findings against pandas over summaries.csv."""
    survey = REPO / "data" / "processed" / "anes96"
    summaries = read_csv(survey / "summaries.csv", text_columns=("shown",))
    book = load_codebook(REPO / "data" / "examples" / "anes96" / "codebook.yaml")
    html = (REPO / "reports" / "anes96" / "report.html").read_text(encoding="utf-8")
    block = html.split('id="key-findings"')[1].split("<h2")[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", block))
    answers = summaries[(summaries["kind"] == "answer") & (summaries["group"] == "all")]
    for q in book.closed:
        rows = answers[answers["question"] == q.id]
        top = rows.loc[rows["pct"].astype(float).idxmax()]
        assert f"{q.short}:" in text and f"{top['answer']}, {top['pct']}%" in text, q.id
    tests = summaries[(summaries["kind"] == "test") & (summaries["answer_code"] == "p_adjusted")]
    alpha = float(
        yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["stats"]["alpha"]
    )
    survive = int((tests["estimate"].astype(float) < alpha).sum())
    assert f"{survive} of {len(tests)} differ beyond chance" in text
    assert text.count(" by ") >= survive  # one sentence per surviving comparison


SURVEYS = list(yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["surveys"])


@pytest.mark.parametrize("survey", SURVEYS)
def test_the_findings_read_as_sentences(survey):
    """No word runs into the next where a template line ended (``bases:Diabetes``)."""
    html = (REPO / "reports" / survey / "report.html").read_text(encoding="utf-8")
    block = html.split('id="key-findings"')[1].split("<h2")[0]
    block = re.sub(r'<span class="fn">[^<]*</span>', "", block)  # the PDF's footnotes
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", block))
    assert not re.findall(r"[A-Za-z][:;][A-Za-z0-9]|\)[A-Za-z]", text), text[:300]


# --- issue 22: a weighted percentage is printed with weighted counts ---------------------------

NHANES = REPO / "data" / "examples" / "nhanes2"
PAIR = re.compile(r"(\d+(?:\.\d+)?)% \((?:CI [^;()]*; )?(?:est\. )?([\d,]+) of ([\d,]+)\)")


@pytest.fixture(scope="module")
def nhanes():
    summaries = read_csv(REPO / "data/processed/nhanes2/summaries.csv", text_columns=("shown",))
    book = load_codebook(NHANES / "codebook.yaml")
    data = pd.read_csv(NHANES / "nhanes2.csv")  # the real export, read by plain pandas
    return summaries, book, data


def _plain(html: str) -> str:
    html = re.sub(r'<span class="fn">[^<]*</span>', "", str(html))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def _weight_sums(book, data: pd.DataFrame, figure_id: str) -> tuple[float, float]:
    """(sum of finalwgt of the figure's respondents, of its base), by pandas from the CSV."""
    qid, group, code, answer = figure_id.split(".")
    column = data[book.question(qid).source_column]
    base = column.notna()
    if group != "all":
        base &= data[book.group(group).column] == float(code)
    weight = data["finalwgt"]
    return float(weight[base & (column == float(answer))].sum()), float(weight[base].sum())


def _pairs_agree(text: str) -> int:
    """Every '(a of b)' beside a percentage is a/b rounded to it; returns how many."""
    found = PAIR.findall(text)
    for pct, a, b in found:
        share = 100 * int(a.replace(",", "")) / int(b.replace(",", ""))
        assert abs(share - float(pct)) <= 0.05 + 1e-9, (pct, a, b)
    return len(found)


def test_nhanes2_findings_print_weighted_counts_beside_weighted_percentages(nhanes):
    """NHANES II printed '63.1% (5965 of 10337)': 5965 / 10337 is 57.7%. The percentage is
    of the estimated population: '63.1% (est. 73,871,969 of 117,023,659)', sums of weights."""
    summaries, book, data = nhanes
    html = str(
        findings.key_findings(
            book, summaries, SmallBasePolicy(10, "flag"), 0.05, "Holm", pd.DataFrame()
        )
    )
    text = _plain(html)
    assert _pairs_agree(text) >= 6
    assert not re.search(r"\(5,?965 of 10,?337\)", text)  # grouped or not (as it was)
    cited = re.findall(
        r'href="#prov-([^"]+)"[^>]*>\s*([\d.]+)% \(est\. ([\d,]+) of ([\d,]+)\)', html
    )
    assert len(cited) >= 6
    for fid, _, n_w, base_w in cited:
        expected = _weight_sums(book, data, fid)
        assert (int(n_w.replace(",", "")), int(base_w.replace(",", ""))) == tuple(
            round(v) for v in expected
        ), fid
    # unweighted counts labelled so, grouped as the edition writes them
    assert "Diabetes 2 of 10,337, unweighted" in text


def test_nhanes2_charts_and_tables_label_weighted_counts(nhanes):
    """Bar labels give the estimated population count; matrices label their bases."""
    from helpers.report import charts
    from helpers.report.citing import cite_text
    from helpers.report.formatting import fmt_compact, fmt_pct
    from helpers.report.matrices import breakdown_data
    from helpers.report.tables import summary_data

    summaries, book, data = nhanes
    for q in book.categorical:
        overall = summaries[
            (summaries["question"] == q.id)
            & (summaries["group"] == "all")
            & (summaries["kind"] == "answer")
        ]
        for label, (_, row) in zip(charts.bar_labels(overall), overall.iterrows(), strict=True):
            n_w, _ = _weight_sums(book, data, row["figure_id"])
            assert not re.search(r"\(\d+/\d+\)", label), label
            pct = fmt_pct(f"{float(row['pct']):.1f}")
            assert label == f"{pct}  (est. {fmt_compact(n_w)})", label
        table = summary_data(overall, "", SmallBasePolicy(10, "flag"))
        assert {"Unweighted n", "Unweighted base", "Weighted n"} <= set(table["columns"])
        assert _pairs_agree(" ".join(cite_text(r, "pct_ci") for _, r in overall.iterrows()))
    kinds = summaries["kind"].isin(["answer", "missing"])
    rows = summaries[(summaries["question"] == "highbp") & (summaries["group"] == "race") & kinds]
    overall = summaries[(summaries["question"] == "highbp") & (summaries["group"] == "all") & kinds]
    matrix = breakdown_data(overall, rows, "Race", SmallBasePolicy(10, "flag"), "")
    assert matrix["rows"][0]["cells"][0] == {"th": "Unweighted base (n)"}
    cells = [c for r in matrix["rows"] for c in r["cells"] if isinstance(c, dict) and "fig" in c]
    for c in cells:
        n_w, _ = _weight_sums(book, data, c["fig"])
        assert c["n"] == fmt_compact(n_w), c
    assert "estimated population count" in matrix["note"]


def test_an_unweighted_survey_keeps_n_of_base():
    summaries = read_csv(REPO / "data/processed/anes96/summaries.csv", text_columns=("shown",))
    book = load_codebook(REPO / "data" / "examples" / "anes96" / "codebook.yaml")
    text = _plain(
        findings.key_findings(
            book, summaries, SmallBasePolicy(10, "flag"), 0.05, "Holm", pd.DataFrame()
        )
    )
    assert "21.2% (200 of 944)" in text and "est." not in text
    assert _pairs_agree(text) >= 6


# --- issue 25: key findings ranked by effect size, never a repeated group or a zero gap -------


def _survey_inputs(survey: str):
    """A shipped survey's codebook, committed summaries and small-base policy (params.yaml)."""
    from helpers.pipeline.config import load_params

    params = load_params(REPO)
    values = params.for_survey(survey)
    book = load_codebook(REPO / params.surveys[survey].codebook)
    summaries = read_csv(
        REPO / "data" / "processed" / survey / "summaries.csv", text_columns=("shown",)
    )
    rule = SmallBasePolicy(
        int(values["report"]["small_n"]), str(values["report"]["small_base_rule"])
    )
    return book, summaries, rule, float(values["stats"]["alpha"])


@pytest.mark.parametrize("survey", SURVEYS)
def test_comparisons_are_ranked_by_an_effect_size_recomputed_from_the_figures(survey):
    """Every real survey: the gaps, recomputed by hand from summaries.csv (Cohen's h of the two
    groups' percentages; the difference of means over the overall SD), in decreasing order;
    two different groups of fair base whose printed figures differ; never a neutral answer;
    a yes/no question's gap is its "yes"."""
    import math

    book, summaries, rule, alpha = _survey_inputs(survey)
    found, tested = findings.comparisons(book, summaries, rule, alpha)
    tests = summaries[(summaries["kind"] == "test") & (summaries["answer_code"] == "p_adjusted")]
    assert tested == len(tests)
    assert len(found) == int((tests["estimate"].astype(float) < alpha).sum())
    by_id = summaries.set_index("figure_id")
    effects = []
    for x in found:
        gap = x["gap"]
        if gap is None:
            effects.append(None)
            continue
        lo, hi = by_id.loc[gap["low"][0].figure_id], by_id.loc[gap["high"][0].figure_id]
        assert lo["group_code"] != hi["group_code"] and lo["shown"] != hi["shown"]
        assert not rule.small(lo["base"]) and not rule.small(hi["base"])
        q = book.question(lo["question"])
        if gap["numeric"]:
            sd = float(by_id.loc[f"{q.id}.all.all.sd", "estimate"])
            want = (float(hi["estimate"]) - float(lo["estimate"])) / sd
        else:
            assert lo["answer_code"] == hi["answer_code"]
            assert lo["answer_code"] not in {str(c) for c in q.neutral}
            yes = [o.code for o in q.answers if o.label.casefold() == "yes"]
            if len(q.answers) - len(q.neutral) == 2 and yes:
                assert lo["answer_code"] == str(yes[0])
            p1, p2 = float(lo["estimate"]) / 100, float(hi["estimate"]) / 100
            want = 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))
        assert gap["effect"] == pytest.approx(want, rel=1e-12) and want > 0
        assert float(gap["difference"]) == pytest.approx(float(hi["shown"]) - float(lo["shown"]))
        effects.append(gap["effect"])
    ranked = [e for e in effects if e is not None]
    assert ranked == sorted(ranked, reverse=True)
    assert effects[: len(ranked)] == ranked  # comparisons without a gap come last


def test_a_gap_needs_two_groups_whose_printed_figures_differ(book):
    """INVENTED: a significant test whose fair groups print alike gives no gap ('0.0 (A) to
    0.0 (A)' was printed once); a small group is never an end even if it differs most."""
    rows = [
        _answer("q1", "country", "ar", "Yes", "yes", 10, 20),
        _answer("q1", "country", "ar", "No", "no", 10, 20),
        _answer("q1", "country", "bo", "Yes", "yes", 10, 20),
        _answer("q1", "country", "bo", "No", "no", 10, 20),
        _answer("q1", "country", "cl", "Yes", "yes", 5, 5),  # small base
        _answer("q1", "country", "cl", "No", "no", 0, 5),
    ]
    summaries = pd.DataFrame(rows + _test_rows("q1", "country", 0.01))
    (x,), _ = findings.comparisons(book, summaries, SmallBasePolicy(10, "flag"), 0.05)
    assert x["gap"] is None


def test_a_yes_no_question_leads_with_its_yes_share(book):
    """INVENTED: 'Knew the program' with No the larger answer: the finding gives Yes's share,
    in the overall line and in the comparison alike."""
    q1 = book.question("q1")
    assert findings.affirmative_code(q1) == "yes"
    rows = pd.DataFrame(
        [
            _answer("q1", "all", "all", "Yes", "yes", 3, 20),
            _answer("q1", "all", "all", "No", "no", 17, 20),
        ]
    )
    lead = findings.leading_answer(rows, q1)
    assert lead["yes"] and [label for label, _ in lead["answers"]] == ["Yes"]
    assert findings.affirmative_code(book.question("q2")) is None  # a rating scale


@pytest.mark.parametrize("survey", SURVEYS)
def test_the_key_findings_keep_to_a_screenful(survey):
    """At most KEY_COMPARISONS comparisons in the first list, the rest one click away (under
    "More findings"); each question's leading answer in the first list only for a few
    questions; no group twice in a gap."""
    html = (REPO / "reports" / survey / "report.html").read_text(encoding="utf-8")
    block = html.split('id="key-findings"')[1].split("<h2")[0]
    in_view = block.split('id="more-findings"')[0]
    text = _plain(in_view)
    assert text.count(" points apart") + text.count(" apart (d = ") <= findings.KEY_COMPARISONS
    for lo, hi in re.findall(r" among ([^,()]+?) to [^()]*?\) among ([^,()]+?),", _plain(block)):
        assert lo != hi
    book, summaries, _, _ = _survey_inputs(survey)
    questions = sum(findings.leading_answer(summaries, q) is not None for q in book.closed)
    questions += sum(
        int(summaries.loc[summaries["figure_id"] == f"{q.id}.all.all.mean", "n"].iloc[0]) > 0
        for q in book.numeric
    )
    hidden = questions > findings.KEY_QUESTIONS
    assert ("Each question's leading answer" in in_view) == hidden
    assert ('href="#more-findings"' in in_view) == ('id="more-findings"' in block)
    assert all(
        (f"<strong>{q.short}:</strong>" in in_view) != hidden
        for q in book.closed
        if findings.leading_answer(summaries, q) is not None
    )
