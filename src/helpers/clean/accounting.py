"""Every input row accounted for: kept, missing or set aside, per question or list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import narwhals.stable.v2 as nw

REJECT_COLUMNS = ["source_line", "list", "organization", "reason"]


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
        raise UnbalancedError(f"rows read != kept + rejected for lists {bad['list'].to_list()}")
    return counts
