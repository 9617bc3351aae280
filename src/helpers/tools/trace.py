"""Trace a figure of the report (or a claim of the audit) to respondents and source lines.

Usage::

    python -m helpers.tools.trace FIGURE_ID          e.g. q1.oas_registered.registered.yes
    python -m helpers.tools.trace CLAIM_ID           e.g. L088.3 (a claim of audit.csv)
    python -m helpers.tools.trace FIGURE_ID --base   the rows of the base instead

Prints the value, the stage and parameters that computed it, the input hashes
(from dvc.lock and provenance.json), and every row counted with the source line
numbers and text behind its values. An unknown id exits 2 with the closest ids.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from helpers.core.selection import describe, parse_rule
from helpers.core.tables import read_csv
from helpers.core.text import decode
from helpers.pipeline.project import project_root
from helpers.summarize.provenance import row_identity, rows_behind, source_lines_of

PROVENANCE = "data/processed/provenance.json"
SUMMARIES = "data/processed/summaries.csv"
AUDIT = "data/processed/audit.csv"
SOURCE_INFO = "data/processed/extracted/source.json"


class UnknownId(KeyError):
    """The id names no figure and no claim."""


def dvc_lock_deps(root: Path, stage: str) -> list[dict[str, Any]]:
    """The dependencies (path, md5) dvc.lock records for a stage."""
    lock = root / "dvc.lock"
    if not lock.is_file():
        return []
    stages = yaml.safe_load(lock.read_text(encoding="utf-8")).get("stages", {})
    return stages.get(stage, {}).get("deps", [])


def source_text_lines(root: Path) -> tuple[str, list[str]]:
    """Path and lines of the source document the pipeline read."""
    info = json.loads((root / SOURCE_INFO).read_text(encoding="utf-8"))
    text, _ = decode((root / info["path"]).read_bytes(), info["encoding"], info["path"])
    return info["path"], text.splitlines()


def close_ids(wanted: str, known: list[str], n: int = 5) -> list[str]:
    """The known ids most similar to ``wanted``."""
    by_prefix = [k for k in known if k.startswith(wanted)][:n]
    return by_prefix or difflib.get_close_matches(wanted, known, n=n, cutoff=0.5)


def _figure_header(row: dict[str, Any], prov: dict[str, Any]) -> list[str]:
    fig = prov["figures"][row["figure_id"]]
    value = f"n = {row['n']}"
    if row.get("base") not in (None, ""):
        value += f", base = {row['base']}"
    if row.get("pct") not in (None, ""):
        value += f", pct = {row['pct']}%"
    if row.get("ci_low") not in (None, ""):
        value += f" (interval {row['ci_low']}–{row['ci_high']})"
    return [
        f"figure {row['figure_id']}",
        f"  value: {value}",
        f"  question {row['question']} · group {row['group']} = {row['group_value']} · "
        f"answer {row['answer']}",
        f"  stage {prov['stage']!r} ({prov['notebook']}), params: "
        f"{json.dumps(prov['params'], sort_keys=True)}",
        f"  rows counted: {describe(fig['numerator'])} in table {fig['table']}",
        f"  base: {describe(fig['base']) if fig['base'] is not None else '(none)'}",
    ]


def trace_lines(root: Path, ident: str, part: str = "numerator") -> list[str]:
    """The printed trace of a figure id or claim id."""
    prov = json.loads((root / PROVENANCE).read_text(encoding="utf-8"))
    summaries = read_csv(root / SUMMARIES)
    tables = {name: read_csv(root / path) for name, path in prov["tables"].items()}
    audit = read_csv(root / AUDIT, text_columns=("stated", "recomputed")) \
        if (root / AUDIT).is_file() else None  # fmt: skip
    if ident in prov["figures"]:
        row = summaries[summaries["figure_id"] == ident].iloc[0]
        out = _figure_header({k: ("" if _isna(v) else v) for k, v in row.items()}, prov)
        rule = prov["figures"][ident][part]
        table_name = prov["figures"][ident]["table"]
        stage = prov["stage"]
    elif audit is not None and ident in set(audit["claim_id"]):
        claim = audit[audit["claim_id"] == ident].iloc[0]
        out = [f"claim {ident} (source line {claim['source_line']}): {claim['quote']}",
               f"  stated {claim['stated']} · recomputed {_blank(claim['recomputed'])} · "
               f"status {claim['status']}", f"  {claim['explanation']}",
               "  stage 'audit' (notebooks/04_audit.ipynb)"]  # fmt: skip
        rule = parse_rule(_blank(claim["numerator"] if part == "numerator" else claim["base"]))
        table_name, stage = "responses", "audit"
        out.append(f"  rows counted: {describe(rule) if rule is not None else '(none)'}")
    else:
        known = sorted(prov["figures"]) + (sorted(audit["claim_id"]) if audit is not None else [])
        raise UnknownId(f"unknown figure or claim id {ident!r}; close ids: "
                        f"{', '.join(close_ids(ident, known)) or '(none)'}")  # fmt: skip
    rows = rows_behind(table_name, rule, tables)
    out.append("  inputs (dvc.lock md5):")
    for dep in dvc_lock_deps(root, stage):
        if not str(dep.get("path", "")).startswith(("notebooks", "src")):
            out.append(f"    {dep['path']}  md5 {dep.get('md5', '')}")
    if stage == prov["stage"]:
        for path, digest in prov.get("inputs", {}).items():
            out.append(f"    {path}  sha256 {digest['sha256']}")
    source_path, text = source_text_lines(root)
    ident_col, label_col = row_identity(tables[table_name], table_name)
    out.append(f"  {len(rows)} row(s) counted; source {source_path}:")
    rule_cols = list(rule or {})
    for (_, r), lines in zip(rows.iterrows(), source_lines_of(rows, tables[table_name],
                                                              table_name, rule_cols),
                             strict=True):  # fmt: skip
        out.append(f"    {r[ident_col]}  {r[label_col] if label_col != ident_col else ''}")
        for n in lines:
            out.append(f"        line {n}: {_clip(text[n - 1].strip())}")
    return out


def _isna(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _clip(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _blank(value: Any) -> str:
    return "" if _isna(value) else str(value)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m helpers.tools.trace",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("id", help="a figure_id of summaries.csv or a claim_id of audit.csv")
    parser.add_argument("--base", action="store_true", help="list the base's rows instead")
    args = parser.parse_args(argv)
    root = project_root()
    try:
        lines = trace_lines(root, args.id, "base" if args.base else "numerator")
    except UnknownId as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc}; run `make report` first", file=sys.stderr)
        return 1
    try:
        print("\n".join(lines))
        sys.stdout.flush()
    except BrokenPipeError:  # piped into `head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
