"""Draft a codebook from a labelled SPSS (.sav) or Stata (.dta) file.

Usage::

    python -m helpers.tools.codebook draft FILE > codebook.yaml

Variable labels become question texts, value labels the answers (in the order
of their values), SPSS user-missing values (discrete values and ranges over
labelled codes) the ``missing_codes``; a text variable becomes a free-text
question and a variable whose values are all distinct and whose name looks like
an id becomes ``input.respondent_id``; a numeric variable without value labels
becomes a numeric question, unless its name looks like a weight
(``design.weight``). Every guess is marked ``# REVIEW`` in the output: the
draft is a starting point that the strict codebook check accepts, not a
reviewed codebook.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from helpers.core.codebook import parse_codebook, slug
from helpers.core.codes import code_key

KINDS = {".sav": "respondent_sav", ".zsav": "respondent_sav", ".dta": "respondent_dta"}
ID_NAME = re.compile(r"(^|_)(id|resp(ondent)?(_?id)?|case(_?id)?|caseno|serial)($|_)", re.I)
MISSING_LIKE = re.compile(
    r"refus|don.?t know|no answer|not applicable|\bn/?a\b|missing|"
    r"\bdk\b|skipped|inapplicable",
    re.I,
)
WEIGHT_NAME = re.compile(r"(^|_)(w(ei)?gh?t|wt|weight\w*|finalwgt|pweight)($|_|\d)", re.I)
YES_NO = ({"yes", "no"}, {"sí", "no"}, {"si", "no"}, {"oui", "non"}, {"true", "false"})


def kind_of(path: Path) -> str:
    """The input kind of a labelled file, from its extension."""
    try:
        return KINDS[path.suffix.lower()]
    except KeyError:
        raise SystemExit(
            f"{path}: expected a .sav, .zsav or .dta file; found {path.suffix or 'no extension'!r}"
        ) from None


def _code(value: Any) -> Any:
    """A value label's value as the codebook writes it: 6.0 -> 6, text stays text."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _user_missing(meta: Any, var: str) -> list[Any]:
    """SPSS user-missing values of ``var``: its discrete values, and labelled codes in ranges."""
    values = list((getattr(meta, "missing_user_values", None) or {}).get(var, []))
    labelled = list((meta.variable_value_labels or {}).get(var, {}))
    for rng in (getattr(meta, "missing_ranges", None) or {}).get(var, []):
        lo, hi = rng.get("lo"), rng.get("hi")
        if lo == hi:
            values.append(lo)
        else:
            values += [v for v in labelled if isinstance(v, int | float) and lo <= v <= hi]
    return sorted({_code(v) for v in values}, key=lambda v: (str(type(v)), v))


def _question(var: str, meta: Any, labels: dict[Any, str]) -> tuple[dict, list[str]]:
    """A question drafted from one labelled variable, and what to review about it."""
    text = (meta.column_names_to_labels or {}).get(var) or var
    missing = _user_missing(meta, var)
    missing_keys = {code_key(m) for m in missing}
    answers = [
        {"code": _code(v), "label": str(lab)}
        for v, lab in sorted(labels.items(), key=lambda kv: (str(type(kv[0])), kv[0]))
        if code_key(_code(v)) not in missing_keys
    ]
    repeated = _distinct_labels(answers)
    measure = (getattr(meta, "variable_measure", None) or {}).get(var, "unknown")
    names = {a["label"].strip().casefold() for a in answers}
    if len(answers) == 2 and names in YES_NO:
        kind, why = "yes_no", "two answers labelled yes/no"
    elif measure == "ordinal":
        kind, why = "ordinal", "SPSS measure 'ordinal'"
    else:
        kind, why = "single_choice", f"value labels, SPSS measure {measure!r}"
    q: dict[str, Any] = {
        "id": slug(var) or var.lower(),
        "column": var,
        "type": kind,
        "text": " ".join(str(text).split()),
        "short": str(text)[:40].strip(),
        "answers": answers,
    }
    if missing:
        q["missing_codes"] = missing
    notes = [f"type {kind} guessed from {why}"]
    likely = [a for a in answers if MISSING_LIKE.search(a["label"])]
    if likely:
        notes.append(
            "answers that look like missing values: "
            + ", ".join(f"{a['code']} {a['label']!r}" for a in likely)
            + " (move them to missing_codes?)"
        )
    if len(answers) > 12:
        notes.append(f"{len(answers)} answers: an open numeric variable with a few labels?")
    if repeated:
        notes.append(
            f"value labels repeated ({', '.join(repeated)}): each answer's label made "
            f"distinct with its code, as the codebook requires (edit the labels?)"
        )
    return q, notes


def _distinct_labels(answers: list[dict[str, Any]]) -> list[str]:
    """Label each answer apart (the codebook refuses two alike): '<label> (<code>)'.

    Returns the labels that were repeated (compared as the codebook compares them:
    ignoring case and spacing), for the draft's REVIEW note; ``answers`` changes in place.
    """
    seen: dict[str, int] = {}
    for a in answers:
        key = " ".join(a["label"].split()).casefold()
        seen[key] = seen.get(key, 0) + 1
    repeated = [k for k, n in seen.items() if n > 1]
    for a in answers:
        if seen[" ".join(a["label"].split()).casefold()] > 1:
            a["label"] = f"{a['label']} ({a['code']})"
    return [repr(k) for k in repeated]


def draft(path: Path) -> str:
    """The draft codebook of a labelled file, as YAML text with ``# REVIEW`` comments."""
    import pyreadstat

    kind = kind_of(path)
    reader = pyreadstat.read_sav if kind == "respondent_sav" else pyreadstat.read_dta
    # user_missing=True: only then does pyreadstat report SPSS's missing ranges
    frame, meta = reader(
        str(path),
        output_format="polars",
        **({"user_missing": True} if kind == "respondent_sav" else {}),
    )
    value_labels = meta.variable_value_labels or {}
    types = meta.readstat_variable_types or {}
    questions: list[tuple[dict, list[str]]] = []
    id_column = weight = None
    for var in meta.column_names:
        labels = value_labels.get(var) or {}
        column = frame[var]
        if labels:
            questions.append(_question(var, meta, labels))
        elif (
            id_column is None
            and ID_NAME.search(var)
            and column.null_count() == 0
            and column.n_unique() == frame.height
        ):
            id_column = var
        elif types.get(var) == "string":
            text = (meta.column_names_to_labels or {}).get(var) or var
            questions.append(
                (
                    {
                        "id": slug(var) or var.lower(),
                        "column": var,
                        "type": "free_text",
                        "text": " ".join(str(text).split()),
                        "short": str(text)[:40].strip(),
                    },
                    ["a text variable without value labels: free text?"],
                )
            )
        elif weight is None and WEIGHT_NAME.search(var):
            weight = var
        else:
            text = (meta.column_names_to_labels or {}).get(var) or var
            q = {
                "id": slug(var) or var.lower(),
                "column": var,
                "type": "numeric",
                "text": " ".join(str(text).split()),
                "short": str(text)[:40].strip(),
            }
            missing = _user_missing(meta, var)
            if missing:
                q["missing_codes"] = missing
            measure = (getattr(meta, "variable_measure", None) or {}).get(var, "unknown")
            questions.append(
                (
                    q,
                    [
                        f"numeric without value labels (measure {measure!r}): add "
                        f"its unit, or drop it if it is not a question"
                    ],
                )
            )
    title = meta.file_label or path.stem
    book: dict[str, Any] = {"survey": {"id": slug(path.stem) or "survey", "title": title}}
    if id_column:
        book["input"] = {"respondent_id": id_column}
    if weight:
        book["design"] = {"weight": weight}
    book["questions"] = [q for q, _ in questions]
    parse_codebook(book)  # the draft passes the strict check, or this is a bug here
    return _yaml_with_notes(book, questions, path, kind, id_column)


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _yaml_with_notes(
    book: dict,
    questions: list[tuple[dict, list[str]]],
    path: Path,
    kind: str,
    id_column: str | None,
) -> str:
    out = [
        f"# DRAFT codebook of {path.name} (input_kind: {kind}), written by",
        "# `python -m helpers.tools.codebook draft`. Review every '# REVIEW' line, then add",
        "# groups (grouping variables) and breakdowns; see the README, 'Any survey'.",
        _dump({"survey": book["survey"]}).rstrip(),
    ]
    if id_column:
        out += [
            f"# REVIEW: {id_column!r} holds a distinct value per case: the respondent id?",
            _dump({"input": book["input"]}).rstrip(),
        ]
    if "design" in book:
        out += [
            f"# REVIEW: {book['design']['weight']!r} is named like a weight: the design's "
            f"weight? Add its strata and psu if the sample has them.",
            _dump({"design": book["design"]}).rstrip(),
        ]
    out.append("questions:")
    for q, notes in questions:
        out += [f"  # REVIEW: {note}" for note in notes]
        block = _dump([q]).rstrip().splitlines()
        out += [f"  {line}" for line in block]
    out.append("breakdowns:\n  by_group: []   # REVIEW: group ids to break every question down by")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.tools.codebook", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("draft", help="print a draft codebook of a .sav or .dta file")
    d.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(f"error: {args.file}: no such file", file=sys.stderr)
        return 2
    sys.stdout.write(draft(args.file))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
