"""Numbers and labels as the report prints them: percentages, intervals, counts, names.

Every function takes a value (or a summaries row) and returns its text; none
rounds again (a figure is printed exactly as summarize computed it).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from helpers.core import i18n
from helpers.core.i18n import _
from helpers.report.templating import text


def lower_first(label: str) -> str:
    """'Party identification' -> 'party identification'; 'OAS registration' unchanged."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def fmt_pct(value: object) -> str:
    """'60.0%' ('60,0 %' in Spanish; '' when missing), exactly as computed (no re-rounding)."""
    return i18n.percent(text(value))


def fmt_number(value: object) -> str:
    """A figure as summarize wrote it ('47.1', '<0.001') in the edition's digits."""
    return i18n.number(text(value))


def fmt_ci(row: pd.Series) -> str:
    """'35.7–80.2' ('35,7–80,2' in Spanish) or ''."""
    return i18n.interval(text(row["ci_low"]), text(row["ci_high"]))


def fmt_shown_ci(row: pd.Series) -> str:
    """A numeric figure's interval as printed: '46.0–48.1' or ''."""
    return i18n.interval(text(row.get("shown_low")), text(row.get("shown_high")))


def fmt_amount(value: object, decimals: int = 0) -> str:
    """A sum of weights, design effect or effective base for display ('' when missing)."""
    if value is None or pd.isna(value):
        return ""
    return i18n.amount(float(value), decimals)


def fmt_population(value: object) -> str:
    """An estimated population count (a sum of weights) in full: '73,871,969'."""
    return fmt_amount(value)


def fmt_compact(value: object) -> str:
    """An estimated population count for a small space: '73.9M', '26K', '512'."""
    if value is None or pd.isna(value):
        return ""
    return i18n.compact(float(value))


def is_weighted(row: pd.Series) -> bool:
    """True for a design-based figure (its ``n_weighted``, a sum of weights, is set)."""
    return "n_weighted" in row.index and pd.notna(row["n_weighted"])


def weighted_counts(row: pd.Series) -> str:
    """'est. 73,871,969 of 117,023,659': a weighted figure's estimated population and base."""
    return _("est. {n} of {base}").format(
        n=fmt_population(row["n_weighted"]), base=fmt_population(row["base_weighted"])
    )


def distinct_labels(labels: Sequence[object], codes: Sequence[object]) -> list[str]:
    """Labels for display, each one told apart: an equal label gets its code, 'Other (5)'.

    A code of None (the overall row, 'All respondents') never gets one. Charts and
    tables are keyed by codes; labels only name what is drawn, so two values (or a value
    and the overall row) labelled alike stay two bars, visibly distinct.
    """
    texts = [str(label) for label in labels]
    seen: dict[str, int] = {}
    for t in texts:
        seen[t] = seen.get(t, 0) + 1
    out = [
        t if seen[t] == 1 or code is None else f"{t} ({code})"
        for t, code in zip(texts, codes, strict=True)
    ]
    taken: set[str] = set()
    for k, t in enumerate(out):  # still equal (one code in two groups): number them
        shown, extra = t, 1
        while shown in taken:
            extra += 1
            shown = f"{t} [{extra}]"
        taken.add(shown)
        out[k] = shown
    return out


def answer_column(code: object) -> str:
    """A crosstab matrix's column of one answer (keyed by its code, never its label)."""
    return f"answer {code}"
