"""The words of the summary and banner tables: their titles, captions and notes.

Each note is a list of clauses (what a cell holds, the weighting, the small-base legend,
the pooled groups, the p-values, the letters, the questions left out) joined as the
edition's language joins them (:func:`helpers.report.tables.joined`).
"""

from __future__ import annotations

from collections.abc import Sequence

from helpers.core.codebook import Codebook, Question
from helpers.core.i18n import N_, _
from helpers.core.small_base import SmallBasePolicy
from helpers.report.column_letters import LETTERS_NOTE
from helpers.report.formatting import lower_first
from helpers.report.tables import WEIGHTED_CELLS, joined
from helpers.report.tabulated import ALL

# A small group its question's section shows only inside "Other groups" (a cell's text:
# translated where written, _(POOLED_TEXT)).
POOLED_TEXT = N_("pooled")


def cells_note() -> str:
    """The summary and banner tables' note on what a cell holds."""
    return _(
        "cells: percentage with its count in brackets; numbers: mean (standard deviation), "
        "median (25th–75th percentile)"
    )


def weighted_note() -> str:
    """A weighted survey's note on the cells and the headings' counts."""
    return joined([_(WEIGHTED_CELLS), _("n in the headings: unweighted")])


def summary_note(
    book: Codebook,
    group: str,
    policy: SmallBasePolicy,
    weighted: bool,
    bases: Sequence[int],
    pooled: bool,
    letters: bool,
    left: Sequence[Question],
) -> str:
    """The note of the summary table by ``group``: each clause that applies."""
    tested = group != ALL
    return joined(
        [
            cells_note(),
            weighted_note() if weighted else "",
            policy.legend if any(policy.small(b) for b in bases) else "",
            _(
                "{pooled}: a group under {threshold} that the question's section shows only "
                "inside “Other groups” (the link leads to that pooled figure)"
            ).format(pooled=_(POOLED_TEXT), threshold=policy.threshold)
            if pooled
            else "",
            _("p: the comparison's p-value across the groups, adjusted as the method section says")
            if tested
            else "",
            _(LETTERS_NOTE) if letters else "",
            _("not by {group}: {questions}").format(
                group=lower_first(book.group(group).label),
                questions=", ".join(q.short for q in left),
            )
            if left and tested
            else "",
        ]
    )


def summary_title(book: Codebook, group: str) -> str:
    """'Summary by party identification' (a summary table's heading)."""
    if group == ALL:
        return _("Summary overall")
    return _("Summary by {group}").format(group=lower_first(book.group(group).label))


def summary_caption(book: Codebook, group: str) -> str:
    """'Every question by party identification' (a summary table's caption)."""
    if group == ALL:
        return _("Every question overall")
    return _("Every question by {group}").format(group=lower_first(book.group(group).label))
