"""Each question's section opens with what matters (issue 25 item 4): one sentence with its
leading figure in words, its interval and its base, before any chart or table.

Built from the data: for every question of every shipped survey, the cited figure is found
again by plain pandas over the committed summaries.csv (the largest share of the answers
that are not neutral; a yes/no question's "yes"; a numeric question's mean), and the
sentence carries that figure's printed percentage, interval bounds and base.
"""

from __future__ import annotations

import re

import pytest
from test_findings import REPO, _survey_inputs

from helpers.core.params import StatsParams
from helpers.report.question_sections import question_section
from helpers.report.section_lead import lead_sentence

SURVEYS = ["oas_2013", "invented_example", "anes96", "nhanes2"]


def _expected_id(q, summaries) -> str | None:
    """The leading figure by plain pandas: yes, else the largest non-neutral share."""
    if q.type == "numeric":
        return f"{q.id}.all.all.mean"
    rows = summaries[
        (summaries["question"] == q.id)
        & (summaries["group"] == "all")
        & (summaries["kind"] == "answer")
        & summaries["pct"].notna()
    ]
    neutral = {str(c) for c in q.neutral}
    rows = rows[~rows["answer_code"].astype(str).isin(neutral)]
    if not len(rows) or int(rows["base"].iloc[0]) == 0:
        return None
    options = [o for o in q.answers if str(o.code) not in neutral]
    yes = [o for o in options if o.label.casefold() in {"yes", "sí", "si", "oui", "sim"}]
    if q.type != "multiple_choice" and len(options) == 2 and len(yes) == 1:
        return f"{q.id}.all.all.{yes[0].code}"
    return rows.loc[rows["pct"].astype(float).idxmax(), "figure_id"]


@pytest.mark.parametrize("survey", SURVEYS)
def test_every_section_leads_with_its_leading_figure_its_interval_and_base(survey):
    book, summaries, policy, _ = _survey_inputs(survey)
    by_id = summaries.set_index("figure_id")
    checked = 0
    for q in book.summarized:
        want = _expected_id(q, summaries)
        lead = str(lead_sentence(q, summaries, policy))
        if want is None:
            assert lead == ""
            continue
        cited = re.findall(r'href="#prov-([^"]+)"', lead)
        assert cited[0] == want, (q.id, cited)
        row = by_id.loc[want]
        plain = re.sub(r"<[^>]+>", "", lead)
        if q.type == "numeric":
            # the base in English grouping ("n = 9,189"), as the English edition writes it
            assert f"{row['shown']}" in plain and f"n = {int(row['n']):,}" in plain
            low, high = map(float, re.search(r"CI (-?[\d.]+)–(-?[\d.]+)", plain).groups())
            assert low == pytest.approx(float(row["ci_lower"]), abs=0.051), plain
            assert high == pytest.approx(float(row["ci_upper"]), abs=0.051), plain
        else:
            assert f"{float(row['pct']):.1f}%" in plain
            assert f"CI {float(row['ci_low']):.1f}–{float(row['ci_high']):.1f}" in plain, plain
            assert f" of {int(row['base']):,}" in plain or "est." in plain, plain
            assert str(row["answer"]) in plain
        assert len(re.findall(r"\.(?:\s+[A-Z]|$)", plain)) == 1, plain  # one sentence
        checked += 1
    assert checked >= 2


@pytest.mark.parametrize("survey", ["anes96", "nhanes2"])
def test_the_lead_comes_before_the_charts_and_tables(survey):
    import yaml

    book, summaries, policy, _ = _survey_inputs(survey)
    stats = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["stats"]
    overrides = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["surveys"][
        survey
    ]["overrides"]
    sp = StatsParams(**{**stats, **overrides.get("stats", {})})
    for q in book.summarized[:4]:
        html = str(question_section(book, q, summaries, sp, policy, []))
        assert html.index('<p class="lead">') < html.index("<table"), q.id
