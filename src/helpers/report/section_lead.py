"""Each question's section opens with what matters: one sentence with its leading figure.

The leading answer is core.answers' rule (the key findings' and the metrics'): a yes/no
question's "yes", else the largest share of its non-neutral answers; a numeric question's
mean. The sentence cites the figure with its interval and base, linked to its provenance.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from helpers.core.answers import affirmative_code, leading_codes
from helpers.core.codebook import Question
from helpers.core.codes import code_key
from helpers.core.i18n import _
from helpers.core.small_base import SmallBasePolicy
from helpers.report.citing import cite
from helpers.report.templating import cap_text


def lead_figures(q: Question, summaries: pd.DataFrame) -> list[pd.Series]:
    """The overall rows of ``q``'s leading answer(s) (several when tied), or none."""
    rows = summaries[
        (summaries["question"] == q.id)
        & (summaries["group"] == "all")
        & (summaries["kind"] == "answer")
    ]
    rows = rows[rows["pct"].notna()]
    if not len(rows) or int(rows["base"].iloc[0]) == 0:
        return []
    codes = leading_codes(q, zip(rows["answer_code"], rows["pct"].astype(float), strict=True))
    return [r for _i, r in rows.iterrows() if code_key(r["answer_code"]) in codes]


def lead_sentence(q: Question, summaries: pd.DataFrame, policy: SmallBasePolicy) -> Markup:
    """The section's first sentence: its leading figure in words, interval and base."""
    if q.type == "numeric":
        return _numeric_lead(q, summaries)
    top = lead_figures(q, summaries)
    if not top or policy.hides(top[0]["base"]):
        return Markup("")
    cited = cite(summaries, top[0]["figure_id"], "pct_ci")
    labels = cap_text(top[0]["answer"])
    for r in top[1:]:
        labels = _("{first} and {second}").format(first=labels, second=cap_text(r["answer"]))
    if affirmative_code(q) is not None:
        said = _("{figure} of those who answered said {answer}.")
    elif len(top) > 1:
        said = _(
            "The most common answers, {answer}, were each given by {figure} of those who answered."
        )
    elif q.type == "multiple_choice":
        said = _("The most common answer, {answer}, was chosen by {figure} of those who answered.")
    else:
        said = _("The most common answer, {answer}, was given by {figure} of those who answered.")
    return Markup(said).format(answer=labels, figure=cited)


def _numeric_lead(q: Question, summaries: pd.DataFrame) -> Markup:
    mean = summaries[summaries["figure_id"] == f"{q.id}.all.all.mean"]
    if not len(mean) or int(mean["n"].iloc[0]) == 0:
        return Markup("")
    unit = f" {q.unit}" if q.unit else ""
    return Markup(_("The mean is {mean}{unit}; the median {median}{unit}.")).format(
        mean=cite(summaries, f"{q.id}.all.all.mean", "value_ci"),
        unit=unit,
        median=cite(summaries, f"{q.id}.all.all.median", "value"),
    )
