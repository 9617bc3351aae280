"""Every input row accounted for: kept, missing or set aside, per question or list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import narwhals.stable.v2 as nw

# rejects.csv, named for what each input kind's rows hold: a document's (the list a mention
# is in, the organization it names) and an export's (the question, the respondent's id).
REJECT_COLUMNS = ["source_line", "list", "organization", "reason"]
EXPORT_REJECT_COLUMNS = ["source_line", "question", "respondent_id", "reason"]


@dataclass(frozen=True)
class Reconciled:
    """Respondent rows, set-aside rows and the read/kept/rejected counts (pandas or polars)."""

    responses: Any
    rejects: Any
    counts: Any


class UnbalancedError(ValueError):
    """Rows read do not equal rows kept plus rows rejected."""


def check_balanced(counts: Any) -> Any:
    """Return the counts table, or raise if any list loses or invents rows."""
    frame = nw.from_native(counts, eager_only=True)
    bad = frame.filter(~nw.col("balanced"))
    if len(bad):
        key = "question" if "question" in frame.columns else "list"  # an export's, a document's
        raise UnbalancedError(f"rows read != kept + rejected for lists {bad[key].to_list()}")
    return counts
