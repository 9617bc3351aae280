"""Selection rules: which rows a figure counts, stated as data rather than as id lists.

A rule is a mapping ``column -> value``; a row matches when every column equals
its value, or one of them when the value is a list (``{"pid": ["0", "1", "2"]}``:
a derived variable's recode, a net, a routing condition, a base without "Don't
know"). ``ANSWERED`` matches any non-missing value, ``MISSING`` a missing one. Rules stay the
same size however many respondents there are; the ids behind a figure are
derived on demand by applying its rule to the table it names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

ANSWERED = "<answered>"
MISSING = "<missing>"
Rule = Mapping[str, "str | list[str]"]


def apply_rule(table: pd.DataFrame, rule: Rule) -> pd.Series:
    """Boolean mask of the rows matching every condition of ``rule``."""
    import pandas as pd

    mask = pd.Series(True, index=table.index)
    for column, value in rule.items():
        if column not in table.columns:
            raise KeyError(f"rule column {column!r} is not in the table")
        col = table[column]
        if value == ANSWERED:
            mask &= col.notna().to_numpy()
        elif value == MISSING:
            mask &= col.isna().to_numpy()
        elif isinstance(value, list):
            mask &= col.astype("string").isin(value).fillna(False).to_numpy(dtype=bool)
        else:
            mask &= (col.astype("string") == value).fillna(False).to_numpy(dtype=bool)
    return mask


def count(table: pd.DataFrame, rule: Rule) -> int:
    """Number of rows matching ``rule``."""
    return int(apply_rule(table, rule).sum())


def rule_text(rule: Rule | None) -> str:
    """Canonical JSON of a rule (sorted keys), '' for none."""
    return "" if rule is None else json.dumps(dict(rule), sort_keys=True, ensure_ascii=False)


def parse_rule(text: str) -> dict[str, str] | None:
    """Inverse of :func:`rule_text`."""
    return json.loads(text) if text else None


def describe(rule: Rule | None) -> str:
    """Human-readable rule: 'q1 = yes and region = north'."""
    if not rule:
        return "all rows"
    return " and ".join(
        f"{c} answered"
        if v == ANSWERED
        else f"{c} missing"
        if v == MISSING
        else f"{c} in {', '.join(v)}"
        if isinstance(v, list)
        else f"{c} = {v}"
        for c, v in rule.items()
    )
