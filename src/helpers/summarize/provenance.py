"""Per-figure provenance: which rows each figure counts and which source lines they came from.

``provenance.json`` stores, for each figure id, the table it counts and its
selection rules (numerator and base), plus the stage, its parameters and the
sha256 of its inputs. It never lists respondent ids, so it stays the same size
for fifteen respondents or a million; :func:`rows_behind` derives the rows on
demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import narwhals.stable.v2 as nw

from helpers.core.selection import apply_rule, parse_rule

if TYPE_CHECKING:
    import pandas as pd

# How each table maps back to the source: its id column, its label column and,
# for each value column, the column holding the source line it came from.
TABLES: dict[str, dict[str, Any]] = {
    "responses": {"id": "respondent_id", "label": "organization", "always": ["organization"]},
    "free_text": {"id": "line", "label": "text", "always": ["text"]},
}
FREE_TEXT_LINES = {"text": "line", "question": "intro_line", "item": "intro_line"}
SOURCE_LINE = "source_line"


def build(
    rules: Any,
    stage: str,
    notebook: str,
    params: dict[str, Any],
    inputs: dict[str, str],
    tables: dict[str, str],
) -> dict[str, Any]:
    """The provenance document of a stage's figures (``rules``: any table narwhals reads)."""
    figures = {
        r["figure_id"]: {
            "table": r["table"],
            "numerator": parse_rule(r["numerator"]),
            "base": parse_rule(r["base"]),
        }
        for r in nw.from_native(rules, eager_only=True).iter_rows(named=True)
    }
    return {
        "stage": stage,
        "notebook": notebook,
        "params": params,
        "inputs": {path: {"sha256": digest} for path, digest in sorted(inputs.items())},
        "tables": tables,
        "figures": figures,
    }


def row_identity(table: pd.DataFrame, table_name: str) -> tuple[str, str]:
    """(id column, label column) of a table; the label falls back to the id."""
    spec = TABLES[table_name]
    label = spec["label"] if spec["label"] in table.columns else spec["id"]
    return spec["id"], label


def line_columns(table: pd.DataFrame, table_name: str, rule_columns: list[str]) -> list[str]:
    """Source-line columns for the values a rule reads (plus the row's own line).

    A respondent-level export has one ``source_line`` per row: all its values
    come from that line.
    """
    if SOURCE_LINE in table.columns:
        return [SOURCE_LINE]
    spec = TABLES[table_name]
    wanted = [*spec["always"], *[c for c in rule_columns if c not in spec["always"]]]
    out: list[str] = []
    for col in wanted:
        if table_name == "free_text":
            cands = [FREE_TEXT_LINES.get(col, "")]
        else:
            cands = [f"{col}_line", f"{col}_heading_line"]
        out += [c for c in cands if c in table.columns and c not in out]
    return out


def rows_behind(
    name: str, rule: dict[str, str] | None, tables: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """The rows of table ``name`` a rule selects, with their source-line columns.

    ``rule`` None (a figure without a base, a claim about the document's lists)
    selects no rows.
    """
    table = tables[name]
    if rule is None:
        return table.iloc[0:0]
    cols = line_columns(table, name, list(rule))
    keep = list(dict.fromkeys([*row_identity(table, name), *rule.keys(), *cols]))
    return table.loc[apply_rule(table, rule), keep].reset_index(drop=True)


def source_lines_of(
    rows: pd.DataFrame, table: pd.DataFrame, table_name: str, rule_columns: list[str]
) -> list[list[int]]:
    """For each row, the sorted distinct source line numbers of the values counted."""
    import pandas as pd

    cols = line_columns(table, table_name, rule_columns)
    out = []
    for _, r in rows.iterrows():
        out.append(sorted({int(r[c]) for c in cols if pd.notna(r[c])}))
    return out
