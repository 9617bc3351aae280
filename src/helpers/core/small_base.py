"""The small-base policy of params.yaml (``report.small_n``, ``report.small_base_rule``).

A group whose unweighted base is below the threshold is ``flag``-ged (shown, marked †,
left out of the key findings' comparisons), ``suppress``-ed (its percentages not shown:
"–"; its base is) or, under ``merge``, pooled with the breakdown's other small groups
into one more group (when there are at least two), coded :data:`POOLED`. Summarize
pools; the report marks, hides and legends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from helpers.core.i18n import _

if TYPE_CHECKING:
    import pandas as pd

POOLED = "_pooled"  # the group code of a breakdown's small groups pooled (small-base merge)
SMALL_MARK = "†"


@dataclass(frozen=True)
class SmallBasePolicy:
    """Groups whose unweighted base is below ``threshold``, and what ``rule`` does with them.

    ``rule``: ``flag``, ``suppress`` or ``merge`` (params.yaml's ``report.small_base_rule``).
    """

    threshold: int
    rule: str = "flag"

    @property
    def pools(self) -> bool:
        """True if summarize pools a breakdown's small groups (``merge``)."""
        return self.rule == "merge"

    @property
    def pooled_label(self) -> str:
        """The pooled group's label."""
        return f"Other groups (bases under {self.threshold})"

    def small(self, base: object) -> bool:
        """True if ``base`` (a count) is below the threshold."""
        import pandas as pd

        return base is not None and not pd.isna(base) and int(base) < self.threshold  # type: ignore[call-overload]

    def mark(self, base: object) -> str:
        """'†' for a small base, else ''."""
        return SMALL_MARK if self.small(base) else ""

    def marked(self, shown: str, base: object) -> str:
        """``shown`` (a value as text), followed by ' †' when ``base`` is small: '5 †'."""
        return f"{shown} {SMALL_MARK}" if self.small(base) else shown

    def hides(self, base: object) -> bool:
        """True if the policy keeps a figure of this base out of tables and charts."""
        return self.rule == "suppress" and self.small(base)

    @property
    def legend(self) -> str:
        """The policy as a table note: '† base below 10: shown, read with care'."""
        if self.rule == "suppress":
            what = _("{mark} base below {threshold}: percentages not shown (–)")
        elif self.rule == "merge":
            what = _(
                "{mark} base below {threshold}: read with care; two or more such groups "
                "are pooled as “Other groups”"
            )
        else:
            what = _(
                "{mark} base below {threshold}: read with care; not compared in the key findings"
            )
        return what.format(mark=SMALL_MARK, threshold=self.threshold)

    def pooled_away(self, rows: pd.DataFrame) -> set[str]:
        """The level codes of ``rows`` (one breakdown) shown only inside its pooled group.

        Under ``merge``, where summarize pooled the breakdown's small groups (their
        figures stay in summaries.csv and the provenance appendix).
        """
        if not self.pools or not (rows["group_code"] == POOLED).any():
            return set()
        levels = rows[
            rows["kind"].isin(["answer", "numeric"]) & ~rows["group_code"].isin([POOLED, "all"])
        ]
        return {
            c for c, b in zip(levels["group_code"], levels["base"], strict=True) if self.small(b)
        }
