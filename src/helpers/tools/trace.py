"""Trace a figure of the report (or a claim of the audit) to respondents and source lines.

Usage::

    python -m helpers.tools.trace FIGURE_ID          e.g. q1.region.north.yes
    python -m helpers.tools.trace CLAIM_ID           e.g. L088.3 (a claim of audit.csv)
    python -m helpers.tools.trace FIGURE_ID --base   the rows of the base instead
    python -m helpers.tools.trace ID --survey S      in survey S (params.yaml `surveys:`)
    python -m helpers.tools.trace ID --all           every row, not the first 20

Without ``--survey`` the id is looked up in every survey: found in one, that one
is traced (its name is printed first); found in several, the command exits 2 and
names them.

Prints the figure and its selection rule first, then the stage and parameters that
computed it, the input hashes (from dvc.lock and provenance.json), and the rows
counted (at most ``ROWS_SHOWN`` unless ``--all``) under a header naming their
columns, each with the source line numbers and text behind its values. An unknown
id exits 2 with the closest ids, each named with its survey.
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

from helpers.core import handoff
from helpers.core.codebook import load_codebook
from helpers.core.params import LABELLED_KINDS, record_unit
from helpers.core.selection import describe, parse_rule
from helpers.core.tables import read_csv
from helpers.core.text import decode, split_lines
from helpers.extract.labelled import case_texts
from helpers.pipeline import layout
from helpers.pipeline.config import load_params, project_root
from helpers.summarize.provenance import row_identity, rows_behind, source_lines_of

ROWS_SHOWN = 20  # rows listed without --all: a screenful under the figure's header


def _paths(survey: str) -> dict[str, str]:
    return {
        "provenance": layout.data_outputs("summarize", survey)["provenance"],
        "summaries": layout.data_outputs("summarize", survey)["summaries"],
        "audit": layout.data_outputs("audit", survey)["audit"],
        "source": layout.data_outputs("extract", survey)["source"],
    }


class UnknownId(KeyError):
    """The id names no figure and no claim."""


def dvc_lock_deps(root: Path, stage: str) -> list[dict[str, Any]]:
    """The dependencies (path, md5) dvc.lock records for a stage."""
    lock = root / "dvc.lock"
    if not lock.is_file():
        return []
    stages = yaml.safe_load(lock.read_text(encoding="utf-8")).get("stages", {})
    return stages.get(stage, {}).get("deps", [])


def source_text_lines(root: Path, survey: str) -> tuple[str, str, list[str]]:
    """Path, record unit and records of the source the pipeline read.

    A document's or CSV's lines ("line" n is ``records[n - 1]``); an SPSS or Stata
    file's cases, each as ``VAR=value, ...`` ("case" n).
    """
    info = json.loads((root / _paths(survey)["source"]).read_text(encoding="utf-8"))
    kind = info.get("kind", "document")
    if kind in LABELLED_KINDS:
        spec = load_params(root).surveys[survey]
        book = load_codebook(root / spec.codebook)
        return (
            info["path"],
            record_unit(kind),
            case_texts(root / info["path"], book, kind, spec.encoding),
        )
    text, _ = decode((root / info["path"]).read_bytes(), info["encoding"], info["path"])
    return info["path"], "line", split_lines(text)  # the lines the pipeline numbers


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
    if row.get("stat") not in (None, "", "pct", "count"):
        value += f", {row['stat']} = {row['shown']} (unrounded {row['estimate']})"
        if row.get("shown_low") not in (None, ""):
            value += f" (interval {row['shown_low']}–{row['shown_high']}, {row['ci_method']})"
    if row.get("n_weighted") not in (None, ""):
        parts = [
            f"{k} {row[k]}"
            for k in ("estimate", "se", "n_weighted", "base_weighted", "deff", "base_effective")
            if not _isna(row.get(k))
        ]
        value += "; weighted (design-based): " + ", ".join(parts)
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


def surveys_with(root: Path, ident: str) -> list[str]:
    """The surveys whose figures or claims include ``ident``."""
    found = []
    for survey in load_params(root).surveys:
        paths = _paths(survey)
        prov = root / paths["provenance"]
        if prov.is_file() and ident in json.loads(prov.read_text(encoding="utf-8"))["figures"]:
            found.append(survey)
        elif (root / paths["audit"]).is_file() and ident in set(
            read_csv(root / paths["audit"])["claim_id"]
        ):
            found.append(survey)
    return found


def read_table(path: Path) -> pd.DataFrame:
    """A table provenance names: the clean stage's Parquet hand-off (codes as text) or a CSV."""
    if path.suffix == ".parquet":
        import polars as pl

        return handoff.as_pandas(pl.read_parquet(path), categorical=False)
    return read_csv(path)


def trace_lines(
    root: Path,
    ident: str,
    part: str = "numerator",
    survey: str = "oas_2013",
    limit: int | None = ROWS_SHOWN,
) -> list[str]:
    """The printed trace of a figure id or claim id of one survey (``limit`` rows listed)."""
    paths = _paths(survey)
    prov = json.loads((root / paths["provenance"]).read_text(encoding="utf-8"))
    summaries = read_csv(root / paths["summaries"])
    tables = {name: read_table(root / path) for name, path in prov["tables"].items()}
    audit_path = root / paths["audit"]
    audit = (
        read_csv(audit_path, text_columns=("stated", "recomputed"))
        if audit_path.is_file()
        else None
    )
    if ident in prov["figures"]:
        row = summaries[summaries["figure_id"] == ident].iloc[0]
        out = _figure_header({k: ("" if _isna(v) else v) for k, v in row.items()}, prov)
        rule = prov["figures"][ident][part]
        table_name = prov["figures"][ident]["table"]
        stage = f"{prov['stage']}@{survey}"
    elif audit is not None and ident in set(audit["claim_id"]):
        claim = audit[audit["claim_id"] == ident].iloc[0]
        out = [
            f"claim {ident} (source line {claim['source_line']}): {claim['quote']}",
            f"  stated {claim['stated']} · recomputed {_blank(claim['recomputed'])} · "
            f"status {claim['status']}",
            f"  {claim['explanation']}",
            "  stage 'audit' (notebooks/04_audit.ipynb)",
        ]
        rule = parse_rule(_blank(claim["numerator"] if part == "numerator" else claim["base"]))
        table_name, stage = "responses", f"audit@{survey}"
        out.append(f"  rows counted: {describe(rule) if rule is not None else '(none)'}")
    else:
        known = sorted(prov["figures"]) + (sorted(audit["claim_id"]) if audit is not None else [])
        raise UnknownId(
            f"unknown figure or claim id {ident!r}; close ids: "
            f"{', '.join(close_ids(ident, known)) or '(none)'}"
        )
    rows = rows_behind(table_name, rule, tables)
    out.append("  inputs (dvc.lock md5):")
    for dep in dvc_lock_deps(root, stage):
        if not str(dep.get("path", "")).startswith(("notebooks", "src")):
            out.append(f"    {dep['path']}  md5 {dep.get('md5', '')}")
    if stage == f"{prov['stage']}@{survey}":
        for path, digest in prov.get("inputs", {}).items():
            out.append(f"    {path}  sha256 {digest['sha256']}")
    source_path, unit, text = source_text_lines(root, survey)
    ident_col, label_col = row_identity(tables[table_name], table_name)
    out.append(f"  {len(rows)} row(s) counted; source {source_path}:")
    shown = rows if limit is None else rows.iloc[:limit]
    label = f" · {label_col}" if label_col != ident_col else ""
    out.append(f"    # {ident_col}{label}; under each, the {unit}s behind its values")
    rule_cols = list(rule or {})
    for (_, r), lines in zip(
        shown.iterrows(),
        source_lines_of(shown, tables[table_name], table_name, rule_cols),
        strict=True,
    ):
        out.append(f"    {r[ident_col]}  {r[label_col] if label_col != ident_col else ''}")
        for n in lines:
            out.append(f"        {unit} {n}: {_clip(text[n - 1].strip())}")
    if len(shown) < len(rows):
        out.append(f"    … {len(rows) - len(shown):,} more row(s) not listed: add --all")
    return out


def known_ids(root: Path, survey: str) -> list[str]:
    """Every figure id and claim id of one survey's outputs (none if not yet built)."""
    paths = _paths(survey)
    prov, audit = root / paths["provenance"], root / paths["audit"]
    figures = (
        sorted(json.loads(prov.read_text(encoding="utf-8"))["figures"]) if prov.is_file() else []
    )
    claims = sorted(read_csv(audit)["claim_id"]) if audit.is_file() else []
    return figures + claims


def close_ids_everywhere(root: Path, wanted: str, surveys: list[str]) -> list[str]:
    """The ids closest to ``wanted`` in any survey, each named with its survey."""
    return [
        f"{ident} (survey {survey})"
        for survey in surveys
        for ident in close_ids(wanted, known_ids(root, survey), n=3)
    ]


def _isna(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _clip(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _blank(value: Any) -> str:
    return "" if _isna(value) else str(value)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.tools.trace", description=__doc__.splitlines()[0]
    )
    parser.add_argument("id", help="a figure_id of summaries.csv or a claim_id of audit.csv")
    parser.add_argument("--base", action="store_true", help="list the base's rows instead")
    parser.add_argument("--survey", help="the survey (default: the one whose outputs have the id)")
    parser.add_argument(
        "--all",
        action="store_true",
        help=f"list every row counted (default: the first {ROWS_SHOWN})",
    )
    args = parser.parse_args(argv)
    root = project_root()
    surveys = list(load_params(root).surveys)
    if args.survey is not None and args.survey not in surveys:
        print(
            f"error: unknown survey {args.survey!r}; surveys: {', '.join(surveys)}", file=sys.stderr
        )
        return 2
    survey = args.survey
    if survey is None:
        found = surveys_with(root, args.id)
        if len(found) > 1:
            print(
                f"error: {args.id!r} is an id of surveys {', '.join(found)}: "
                "choose one with --survey",
                file=sys.stderr,
            )
            return 2
        if not found:
            close = close_ids_everywhere(root, args.id, surveys)
            print(
                f"error: unknown figure or claim id {args.id!r} in every survey "
                f"({', '.join(surveys)}); close ids: {', '.join(close) or '(none)'}",
                file=sys.stderr,
            )
            return 2
        survey = found[0]
    try:
        part = "base" if args.base else "numerator"
        limit = None if args.all else ROWS_SHOWN
        lines = [f"survey {survey}", *trace_lines(root, args.id, part, survey, limit)]
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
